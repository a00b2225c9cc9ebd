"""National identifiers: each kind of bad input has its own error code."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from yiwang.kernel.errors import DomainError
from yiwang.kernel.validators import (
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_region_code,
)

VALID_ID = "11010519491231002X"  # the example of GB 11643


def _code_of(fn: object, value: str) -> str:
    with pytest.raises(DomainError) as info:
        fn(value)  # type: ignore[operator]
    return str(info.value.code)


def test_valid_id_number_is_normalised() -> None:
    assert validate_id_number("11010519491231002x") == VALID_ID
    assert validate_id_number(" 110105 19491231 002X ") == VALID_ID


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number_format"),
        ("1101051949123100", "id_number_format"),
        ("11010519491231002A", "id_number_format"),
        ("１１０１０５１９４９１２３１００２X", "id_number_format"),
        ("110105194912310021", "id_number_checksum"),
        ("110105194913310025", "id_number_birth_date"),
        ("110105299901010011", "id_number_birth_date"),
        ("99010519491231002" + ric.calc_check_digit("99010519491231002?"), "id_number_region"),
    ],
)
def test_bad_id_numbers_have_their_own_codes(value: str, code: str) -> None:
    assert _code_of(validate_id_number, value) == code


@given(
    # 武昌区 has carried code 420106 since the 1980s; earlier births used other codes.
    birth=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2020, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_any_well_formed_id_number_round_trips(birth: dt.date, seq: int) -> None:
    body = f"420106{birth:%Y%m%d}{seq:03d}"
    number = body + ric.calc_check_digit(body + "?")
    assert validate_id_number(number) == number
    wrong = body + ("0" if number[-1] != "0" else "1")
    assert _code_of(validate_id_number, wrong) == "id_number_checksum"


def test_credit_code() -> None:
    assert validate_credit_code("91110000600037341l") == "91110000600037341L"
    assert _code_of(validate_credit_code, "91110000600037341M") == "credit_code_checksum"
    assert _code_of(validate_credit_code, "9111000060003734") == "credit_code_format"
    assert _code_of(validate_credit_code, "91110000600037341I") == "credit_code_format"


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "0086-13812345678"])
def test_mobile_accepts_common_spellings(value: str) -> None:
    assert validate_mobile(value) == "13812345678"


@pytest.mark.parametrize(
    "value", ["12812345678", "1381234567", "138123456789", "abc", "", "１３８１２３４５６７８"]
)
def test_mobile_refuses_the_rest(value: str) -> None:
    assert _code_of(validate_mobile, value) == "mobile_format"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("42", "42"),
        ("4201", "4201"),
        ("420106", "420106"),
        ("420000", "42"),
        ("420100", "4201"),
        ("420106001", "420106001"),
        ("420106001001", "420106001001"),
        ("420106000000", "420106"),
        ("420000000000", "42"),
    ],
)
def test_region_codes_normalise(value: str, code: str) -> None:
    assert validate_region_code(value) == code


@pytest.mark.parametrize(
    "value",
    [
        "4",
        "42010",
        "4201060010",
        "00",
        "42a1",
        "",
        "000000",
        "４２",
        "4200",
        "420106000",
        "4201000001",
    ],
)
def test_bad_region_codes(value: str) -> None:
    assert _code_of(validate_region_code, value) == "region_code_format"
