"""One-time SMS codes: six digits, single use, short-lived, few attempts, rate-limited, audited,
and sent through the local SMS adapter (no real gateway)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from yiwang.identity.models import OneTimeCode
from yiwang.identity.services import check_code, issue_code
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry, SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)  # codes are sent after commit

MOBILE = "13712345678"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _last_code() -> str:
    message = SmsMessage.objects.order_by("-created_at", "-pk").first()
    assert message is not None
    match = re.search(r"\d{6}", message.body)
    assert match
    return match.group(0)


def _refusal_code(fn: Any, *args: Any) -> str:
    with pytest.raises(DomainError) as info:
        fn(*args)
    return str(info.value.code)


def test_code_is_sent_through_the_local_gateway_and_accepted_once() -> None:
    issue_code(MOBILE, "register")
    message = SmsMessage.objects.get()
    assert message.mobile == MOBILE
    assert message.gateway == "local"
    assert "验证码" in message.body
    code = _last_code()
    assert OneTimeCode.objects.get().code_hash != code  # only a keyed hash is stored

    check_code(MOBILE, "register", code)
    assert _refusal_code(check_code, MOBILE, "register", code) == "code_invalid"
    assert AuditEntry.objects.filter(action="identity.code_accepted").count() == 1
    assert AuditEntry.objects.filter(action="identity.code_refused").count() == 1


def test_wrong_expired_and_other_purpose_codes_get_one_answer() -> None:
    issue_code(MOBILE, "login")
    code = _last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert _refusal_code(check_code, MOBILE, "login", wrong) == "code_invalid"
    assert _refusal_code(check_code, MOBILE, "register", code) == "code_invalid"
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _refusal_code(check_code, MOBILE, "login", code) == "code_invalid"
    refusals = AuditEntry.objects.filter(action="identity.code_refused")
    assert refusals.count() == 3
    assert all("13712345678" not in str(r.details) for r in refusals)


def test_five_wrong_attempts_burn_the_code() -> None:
    issue_code(MOBILE, "login")
    code = _last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert _refusal_code(check_code, MOBILE, "login", wrong) == "code_invalid"
    assert _refusal_code(check_code, MOBILE, "login", code) == "code_invalid"


def test_a_new_code_replaces_the_old_one() -> None:
    issue_code(MOBILE, "login")
    first = _last_code()
    cache.clear()  # past the one-a-minute limit
    issue_code(MOBILE, "login")
    second = _last_code()
    if first != second:
        assert _refusal_code(check_code, MOBILE, "login", first) == "code_invalid"
    check_code(MOBILE, "login", second)


def test_one_code_a_minute_per_number() -> None:
    issue_code(MOBILE, "login")
    with pytest.raises(DomainError) as info:
        issue_code(MOBILE, "login")
    assert info.value.code == "rate_limited"
    assert info.value.status == 429
    assert SmsMessage.objects.count() == 1


def test_bad_mobile_is_refused_before_anything_is_sent() -> None:
    assert _refusal_code(issue_code, "12345", "login") == "mobile_format"
    assert not SmsMessage.objects.exists()
    assert _refusal_code(check_code, "12345", "login", "000000") == "code_invalid"


def test_code_lifetime_is_at_most_ten_minutes(settings: Any) -> None:
    issue_code(MOBILE, "login")
    otc = OneTimeCode.objects.get()
    assert otc.expires_at - otc.created_at <= dt.timedelta(minutes=10)
