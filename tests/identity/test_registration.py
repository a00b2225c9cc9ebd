"""Citizen registration: mobile number + SMS code + password, through the API and the pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from yiwang.identity.models import Account
from yiwang.identity.services import session_factors
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import AuditEntry, SmsMessage

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
PASSWORD = "Qingshan-Lake-2026"
SEND = "/api/v1/identity/register/send-code"
REGISTER = "/api/v1/identity/register"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def sent_code(mobile: str = MOBILE) -> str:
    message = (
        SmsMessage.objects.filter(**lookup(SmsMessage, "mobile", mobile)).order_by("-pk").first()
    )
    assert message is not None, "no SMS was sent"
    match = re.search(r"\d{6}", message.body)
    assert match, message.body
    return match.group(0)


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def accounts_for(mobile: str) -> int:
    return Account.objects.filter(**lookup(Account, "mobile", mobile)).count()


def test_register_with_mobile_code_and_password_signs_the_citizen_in(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a code sent to a free number
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, SEND, {"mobile": MOBILE})
    assert response.status_code == 202
    assert response.json() == {"message": "验证码已发送"}

    # When the citizen sends it back with a password
    response = post(client, REGISTER, {"mobile": MOBILE, "code": sent_code(), "password": PASSWORD})

    # Then an unverified account exists, signed in with both factors, username not the mobile
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verification_level"] == 0
    assert body["mobile"] == "139****5678"
    account = Account.objects.get(**lookup(Account, "mobile", MOBILE))
    assert MOBILE not in account.username
    assert account.username.startswith("u")
    assert account.check_password(PASSWORD)
    assert not account.is_staff
    assert account.password_changed_at is not None
    assert client.session["_auth_user_id"] == str(account.pk)
    assert session_factors(client.session) == ["sms", "password"]
    row = AuditEntry.objects.get(action="identity.account_registered")
    assert row.target_id == str(account.pk)
    assert MOBILE not in str(row.details)
    me = client.get("/api/v1/identity/me").json()
    assert me["username"] == account.username


def test_step_one_answers_the_same_for_a_registered_number(
    client: Client, citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a number that is already registered
    with django_capture_on_commit_callbacks(execute=True):
        taken = post(client, SEND, {"mobile": citizen.mobile})
    with django_capture_on_commit_callbacks(execute=True):
        free = post(client, SEND, {"mobile": MOBILE})

    # Then the requester cannot tell the two apart
    assert taken.status_code == free.status_code == 202
    assert taken.json() == free.json()
    # And the holder of the registered number is told by SMS, with no code in it
    notice = SmsMessage.objects.get(**lookup(SmsMessage, "mobile", citizen.mobile))
    assert "已注册" in notice.body
    assert not re.search(r"\d{6}", notice.body)
    assert AuditEntry.objects.filter(action="identity.registration_notice_sent").exists()


def test_registering_a_taken_number_is_refused_and_creates_nothing(
    client: Client, citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a registered number whose holder has a valid registration code (say, sent just
    # before another tab finished registering it)
    from yiwang.identity.services import issue_code

    with django_capture_on_commit_callbacks(execute=True):
        issue_code(citizen.mobile, "register")
    code = sent_code(citizen.mobile)
    before = Account.objects.count()

    # When it is used to register again
    response = post(
        client, REGISTER, {"mobile": citizen.mobile, "code": code, "password": PASSWORD}
    )

    # Then 409 mobile_taken, no new account, an audit row
    assert response.status_code == 409
    assert response.json()["code"] == "mobile_taken"
    assert Account.objects.count() == before
    assert AuditEntry.objects.filter(
        action="identity.registration_refused", details__reason="mobile_taken"
    ).exists()
    assert "_auth_user_id" not in client.session


def test_wrong_code_is_refused_with_an_audit_row_and_no_account(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client, SEND, {"mobile": MOBILE})
    wrong = "000000" if sent_code() != "000000" else "111111"

    response = post(client, REGISTER, {"mobile": MOBILE, "code": wrong, "password": PASSWORD})

    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"
    assert accounts_for(MOBILE) == 0
    assert AuditEntry.objects.filter(action="identity.code_refused").exists()


def test_a_code_is_used_once(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client, SEND, {"mobile": MOBILE})
    code = sent_code()
    first = post(client, REGISTER, {"mobile": MOBILE, "code": code, "password": PASSWORD})
    assert first.status_code == 201

    replay = post(Client(), REGISTER, {"mobile": MOBILE, "code": code, "password": PASSWORD})

    assert replay.status_code == 400
    assert replay.json()["code"] == "code_invalid"
    assert accounts_for(MOBILE) == 1


@pytest.mark.parametrize(
    "password",
    ["short1!", "x" * 65, "password123"],
    ids=["too-short", "too-long", "common"],
)
def test_a_bad_password_is_refused_and_the_code_stays_usable(
    client: Client, password: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client, SEND, {"mobile": MOBILE})
    code = sent_code()

    response = post(client, REGISTER, {"mobile": MOBILE, "code": code, "password": password})

    assert response.status_code == 400
    assert response.json()["code"] == "password_rejected"
    assert accounts_for(MOBILE) == 0
    # the code was not used up: a good password now succeeds
    ok = post(client, REGISTER, {"mobile": MOBILE, "code": code, "password": PASSWORD})
    assert ok.status_code == 201


def test_a_bad_mobile_number_is_refused(client: Client) -> None:
    response = post(client, SEND, {"mobile": "12345"})

    assert response.status_code == 400
    assert response.json()["code"] == "mobile_format"
    assert not SmsMessage.objects.exists()


def test_step_one_is_rate_limited_per_address(client: Client) -> None:
    for n in range(10):
        assert post(client, SEND, {"mobile": f"1391234{n:04d}"}).status_code == 202

    response = post(client, SEND, {"mobile": "13912349999"})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_public_registration_posts_need_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)

    response = post(client, SEND, {"mobile": MOBILE})

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


# ---- Pages --------------------------------------------------------------------------------


def test_register_pages_create_the_account_and_lead_to_verification(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # Step 1: the mobile number
    page = client.get("/account/register/")
    assert page.status_code == 200
    assert "第 1 步" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/register/", {"mobile": MOBILE})
    assert response.status_code == 302
    assert response["Location"] == "/account/register/password/"

    # Step 2: the code and a password
    page = client.get("/account/register/password/")
    assert "验证码已发送" in page.content.decode()
    response = client.post(
        "/account/register/password/", {"code": sent_code(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/verify/"
    assert accounts_for(MOBILE) == 1

    # Step 3: the verification page, signed in
    page = client.get("/account/verify/")
    assert page.status_code == 200
    assert "第 3 步" in page.content.decode()


def test_register_page_shows_errors_in_the_summary(client: Client) -> None:
    response = client.post("/account/register/", {"mobile": "abc"})

    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in body
    assert 'href="#id_mobile"' in body
    assert 'aria-invalid="true"' in body


def test_register_step_two_without_step_one_goes_back(client: Client) -> None:
    response = client.get("/account/register/password/")

    assert response.status_code == 302
    assert response["Location"] == "/account/register/"


def test_register_page_refuses_a_taken_number_at_the_last_step(
    client: Client, citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from yiwang.identity.services import issue_code

    with django_capture_on_commit_callbacks(execute=True):
        issue_code(citizen.mobile, "register")
    code = sent_code(citizen.mobile)
    cache.clear()
    client.post("/account/register/", {"mobile": citizen.mobile})
    before = Account.objects.count()

    response = client.post(
        "/account/register/password/",
        {"code": code, "password": PASSWORD},
    )

    assert response.status_code == 200
    assert "该手机号已注册" in response.content.decode()
    assert Account.objects.count() == before
