"""Validators for national identifiers. Each failure raises a DomainError with its own code.

* resident ID number (GB 11643): format, birth date, region, ISO 7064 MOD 11-2 check digit;
* unified social credit code (GB 32100): format and check character;
* statistical division (region) codes: 2/4/6/9/12 digits;
* mainland mobile numbers: 11 digits starting 13–19 (optionally +86).
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from yiwang.kernel.errors import DomainError, ErrorCode

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
#: Segment boundaries of a division code; no segment after the province may be all zeros.
_SEGMENTS = ((2, 4), (4, 6), (6, 9), (9, 12))


def validate_id_number(value: str) -> str:
    """Return the normalised (upper-case) resident ID number or raise."""
    number = re.sub(r"[\s-]", "", value or "").upper()
    if len(number) != 18 or not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise DomainError(
            ErrorCode.ID_NUMBER_FORMAT, _("身份证号码应为18位,前17位是数字,最后一位是数字或X。")
        )
    try:
        birth = ric.get_birth_date(number)
    except (InvalidComponent, ValueError):
        raise DomainError(
            ErrorCode.ID_NUMBER_BIRTH_DATE, _("身份证号码中的出生日期无效。")
        ) from None
    if birth > dt.date.today() or birth.year < 1890:  # noqa: DTZ011 (a calendar date)
        raise DomainError(ErrorCode.ID_NUMBER_BIRTH_DATE, _("身份证号码中的出生日期无效。"))
    try:
        ric.validate(number)
    except InvalidChecksum:
        raise DomainError(
            ErrorCode.ID_NUMBER_CHECKSUM, _("身份证号码校验位不正确,请核对后重新输入。")
        ) from None
    except InvalidComponent:
        raise DomainError(ErrorCode.ID_NUMBER_REGION, _("身份证号码中的地区代码不存在。")) from None
    except ValidationError:
        raise DomainError(ErrorCode.ID_NUMBER_FORMAT, _("身份证号码格式不正确。")) from None
    return number


def validate_credit_code(value: str) -> str:
    """Return the normalised unified social credit code or raise."""
    code = uscc.compact(value or "")
    try:
        uscc.validate(code)
    except InvalidChecksum:
        raise DomainError(
            ErrorCode.CREDIT_CODE_CHECKSUM, _("统一社会信用代码校验位不正确。")
        ) from None
    except (InvalidFormat, InvalidLength, InvalidComponent, ValidationError):
        raise DomainError(
            ErrorCode.CREDIT_CODE_FORMAT, _("统一社会信用代码应为18位数字或大写字母。")
        ) from None
    return code


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number or raise."""
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if not _MOBILE.match(number):
        raise DomainError(ErrorCode.MOBILE_FORMAT, _("手机号码应为11位,以13至19开头。"))
    return number


def validate_region_code(value: str) -> str:
    """Return a statistical division code in its significant form (2/4/6/9/12 digits).

    The padded forms are accepted: ``420000`` (GB/T 2260) and ``420000000000`` (12 digits)
    both give ``42``.
    """
    code = (value or "").strip()
    if not re.fullmatch(r"[0-9]+", code) or len(code) not in {2, 4, 6, 9, 12}:
        raise DomainError(
            ErrorCode.REGION_CODE_FORMAT, _("行政区划代码应为2、4、6、9或12位数字。"), value=value
        )
    if len(code) in {6, 12}:
        code = significant_region_code(code)
    empty_segment = any(
        len(code) >= end and set(code[start:end]) == {"0"} for start, end in _SEGMENTS
    )
    if code[:2] == "00" or empty_segment:
        raise DomainError(
            ErrorCode.REGION_CODE_FORMAT, _("行政区划代码应为2、4、6、9或12位数字。"), value=value
        )
    return code


def significant_region_code(code: str) -> str:
    """Strip the padding of a 6- or 12-digit code: 420100 → 4201, 420106000000 → 420106."""
    for length in (2, 4, 6, 9):
        if len(code) > length and set(code[length:]) == {"0"}:
            return code[:length]
    return code
