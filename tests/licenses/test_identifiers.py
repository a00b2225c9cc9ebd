"""Licence identifiers: ISO 7064 MOD 37,36 check characters, published vectors and
python-stdnum as the reference implementation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_37_36

from yiwang.licenses import identifiers
from yiwang.licenses.identifiers import ALPHABET, mod37_36_check, mod37_36_valid

# Published examples (python-stdnum's documentation of stdnum.iso7064.mod_37_36).
PUBLISHED_VALID = ["A12425GABC1234002M"]
PUBLISHED_CHECKS = [("A12425GABC1234002", "M")]


@pytest.mark.parametrize("value", PUBLISHED_VALID)
def test_published_vectors_are_valid(value: str) -> None:
    assert mod37_36_valid(value)
    assert mod37_36_valid(value.lower())


@pytest.mark.parametrize(("body", "check"), PUBLISHED_CHECKS)
def test_published_check_characters(body: str, check: str) -> None:
    assert mod37_36_check(body) == check


def test_a_changed_character_is_caught() -> None:
    assert not mod37_36_valid("A12425GABC1234002N")
    assert not mod37_36_valid("A12425GABC1234003M")


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60))
def test_agrees_with_python_stdnum(body: str) -> None:
    check = mod37_36_check(body)
    assert check == mod_37_36.calc_check_digit(body)
    assert mod37_36_valid(body + check)
    assert mod_37_36.is_valid(body + check)


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60))
def test_validity_agrees_with_python_stdnum(value: str) -> None:
    assert mod37_36_valid(value) == mod_37_36.is_valid(value)


@pytest.mark.parametrize("bad", ["", "AB-C", "中文"])
def test_only_letters_and_digits_take_a_check(bad: str) -> None:
    with pytest.raises(ValueError):
        mod37_36_check(bad)
    assert not mod37_36_valid(bad)


def test_the_identifier_structure() -> None:
    base = identifiers.base("SPJY", "420106SCJG", 12)
    identifier = identifiers.full(base, 3)

    assert base == "1.2.156.3005.2.SPJY.420106SCJG.00000012"
    body, check = identifier.rsplit(".", 1)
    assert body == f"{base}.3"
    # the check character covers the letters and digits before it, dots removed
    assert check == mod_37_36.calc_check_digit(body.replace(".", ""))
    assert identifiers.is_valid(identifier)
    assert identifiers.base_of(identifier) == base
    # a version change gives a new check character over the new body
    assert identifiers.is_valid(identifiers.full(base, 4))


def test_a_wrong_check_character_or_structure_is_invalid() -> None:
    identifier = identifiers.full(identifiers.base("SPJY", "ABC", 1), 1)
    wrong = identifier[:-1] + ("0" if identifier[-1] != "0" else "1")
    assert not identifiers.is_valid(wrong)
    assert not identifiers.is_valid("1.2.156.3005.9.SPJY.ABC.00000001.1.X")
    assert not identifiers.is_valid("hello")


def test_issuer_code_prefers_the_credit_code() -> None:
    assert identifiers.issuer_code("420106-SCJG") == "420106SCJG"
    assert identifiers.issuer_code("420106-SCJG", "11420106MB0000000X") == "11420106MB0000000X"


def test_a_qr_link_carries_the_payload_and_reads_back() -> None:
    from yiwang.licenses import signing

    payload = signing.qr_payload("1.2.156.3005.2.SPJY.ABC.00000001.1.X", "3045" + "00" * 10)
    link = signing.qr_link(payload)
    assert link.startswith("http://127.0.0.1:8000/verify/license/?qr=YWL1.")
    assert signing.parse_qr(link) == signing.parse_qr(payload) is not None
    assert signing.parse_qr("https://example.com/verify/license/?x=1") is None
