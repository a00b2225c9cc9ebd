"""Signing in: password, SMS code and TOTP through the API and the pages; lockout, rate
limits and one identical answer for unknown accounts and wrong passwords."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, AccountFactory, enrol_totp_device, totp_code
from yiwang.identity.models import Account
from yiwang.kernel.models import AuditEntry, SmsMessage

API = "/api/v1/identity"


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json")


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


# ---- Password --------------------------------------------------------------------------------


def test_citizen_signs_in_with_a_password(client: Client, citizen: Any) -> None:
    response = post(client, "/login/password", {"username": "citizen", "password": PASSWORD})

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "signed_in"}
    assert signed_in(client)
    entry = AuditEntry.objects.get(action="identity.signed_in")
    assert entry.details["factors"] == ["password"]


def test_citizen_signs_in_with_the_mobile_number_as_name(client: Client, citizen: Any) -> None:
    response = post(client, "/login/password", {"username": citizen.mobile, "password": PASSWORD})

    assert response.json() == {"status": "signed_in"}


def test_unknown_account_and_wrong_password_get_the_identical_reply(
    client: Client, citizen: Any
) -> None:
    unknown = post(client, "/login/password", {"username": "nobody", "password": PASSWORD})
    wrong = post(client, "/login/password", {"username": "citizen", "password": "Wrong-pass-1"})

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert wrong.json()["code"] == "credentials_invalid"
    assert not signed_in(client)
    assert audit_actions().count("identity.login_failed") == 2


def test_unknown_account_still_runs_the_password_hasher(
    client: Client, db: None, monkeypatch: Any
) -> None:
    calls: list[str] = []
    original = Account.set_password

    def spy(self: Account, raw: str | None) -> None:
        calls.append("hash")
        original(self, raw)

    monkeypatch.setattr(Account, "set_password", spy)

    post(client, "/login/password", {"username": "nobody", "password": PASSWORD})

    assert calls == ["hash"]


def test_five_failures_lock_the_account_and_the_right_password_does_not_unlock_it(
    client: Client, citizen: Any
) -> None:
    for _ in range(5):
        post(client, "/login/password", {"username": "citizen", "password": "Wrong-pass-1"})

    citizen.refresh_from_db()
    assert citizen.locked_until is not None
    assert citizen.locked_until > timezone.now() + dt.timedelta(minutes=29)
    assert "identity.account_locked" in audit_actions()

    right = post(client, "/login/password", {"username": "citizen", "password": PASSWORD})
    wrong = post(client, "/login/password", {"username": "citizen", "password": "Wrong-pass-1"})

    assert right.status_code == 423
    assert right.json()["code"] == "account_locked"
    # Only someone with the right password learns that the account is locked.
    assert wrong.json()["code"] == "credentials_invalid"
    assert not signed_in(client)


def test_the_lock_ends_after_thirty_minutes(client: Client, citizen: Any) -> None:
    Account.objects.filter(pk=citizen.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )

    response = post(client, "/login/password", {"username": "citizen", "password": PASSWORD})

    assert response.json() == {"status": "signed_in"}
    citizen.refresh_from_db()
    assert citizen.locked_until is None and citizen.failed_logins == 0


def test_password_login_is_rate_limited_per_account(client: Client, citizen: Any) -> None:
    replies = [
        post(client, "/login/password", {"username": "ghost", "password": "x"}).status_code
        for _ in range(11)
    ]

    assert replies[:10] == [401] * 10
    assert replies[10] == 429


def test_login_refuses_a_forged_cross_site_post(citizen: Any) -> None:
    client = Client(enforce_csrf_checks=True)

    response = post(client, "/login/password", {"username": "citizen", "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not signed_in(client)


# ---- Staff: password, then TOTP ----------------------------------------------------------------


def test_staff_password_alone_does_not_sign_in(client: Client, clerk: Any) -> None:
    enrol_totp_device(clerk)

    response = post(client, "/login/password", {"username": "clerk", "password": PASSWORD})

    assert response.json() == {"status": "second_factor"}
    assert not signed_in(client)
    assert client.get("/api/v1/identity/sessions").status_code == 401


def test_staff_signs_in_with_password_and_totp(client: Client, clerk: Any) -> None:
    enrol_totp_device(clerk)
    post(client, "/login/password", {"username": "clerk", "password": PASSWORD})

    response = post(client, "/login/totp", {"code": totp_code()})

    assert response.json() == {"status": "signed_in"}
    assert signed_in(client)
    entry = AuditEntry.objects.filter(action="identity.signed_in").get()
    assert entry.details["factors"] == ["password", "totp"]


def test_a_totp_code_signs_in_once(clerk: Any) -> None:
    enrol_totp_device(clerk)
    code = totp_code()
    first, second = Client(), Client()
    for client in (first, second):
        post(client, "/login/password", {"username": "clerk", "password": PASSWORD})

    assert post(first, "/login/totp", {"code": code}).status_code == 200
    replay = post(second, "/login/totp", {"code": code})

    assert replay.status_code == 401
    assert replay.json()["code"] == "second_factor_invalid"
    assert not signed_in(second)


def test_wrong_totp_codes_count_towards_the_lock(client: Client, clerk: Any) -> None:
    enrol_totp_device(clerk)
    post(client, "/login/password", {"username": "clerk", "password": PASSWORD})

    replies = [post(client, "/login/totp", {"code": "000000"}).json()["code"] for _ in range(5)]

    assert replies[:4] == ["second_factor_invalid"] * 4
    assert replies[4] == "account_locked"
    assert not signed_in(client)


def test_totp_without_a_first_factor_is_refused(client: Client, clerk: Any) -> None:
    enrol_totp_device(clerk)

    response = post(client, "/login/totp", {"code": totp_code()})

    assert response.status_code == 401
    assert not signed_in(client)


def test_staff_without_a_factor_must_enrol_one(client: Client, clerk: Any) -> None:
    response = client.post("/staff/login/", {"username": "clerk", "password": PASSWORD})
    assert response["Location"] == "/account/mfa/enrol/"

    page = client.get("/account/mfa/enrol/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert secret
    assert "otpauth://totp/" in page
    import pyotp

    code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    response = client.post("/account/mfa/enrol/", {"code": code})

    assert response["Location"] == "/staff/"
    assert signed_in(client)
    assert clerk.totp_devices.count() == 1
    assert "identity.factor_added" in audit_actions()


def test_citizen_cannot_use_the_staff_login(client: Client, citizen: Any) -> None:
    response = client.post("/staff/login/", {"username": "citizen", "password": PASSWORD})

    assert response.status_code == 200
    assert "用户名或密码不正确。" in response.content.decode()
    assert not signed_in(client)


# ---- SMS code --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # codes are sent after commit
def test_citizen_signs_in_with_an_sms_code(client: Client, citizen: Any) -> None:
    sent = post(client, "/login/sms/send", {"mobile": citizen.mobile})
    assert sent.status_code == 202
    code = re.search(r"\d{6}", SmsMessage.objects.get().body)
    assert code

    response = post(client, "/login/sms", {"mobile": citizen.mobile, "code": code.group(0)})

    assert response.json() == {"status": "signed_in"}
    assert AuditEntry.objects.get(action="identity.signed_in").details["factors"] == ["sms"]


@pytest.mark.django_db(transaction=True)  # codes are sent after commit
def test_no_code_is_sent_to_an_unregistered_number_but_the_reply_is_the_same(
    client: Client, citizen: Any
) -> None:
    registered = post(client, "/login/sms/send", {"mobile": citizen.mobile})
    unknown = post(client, "/login/sms/send", {"mobile": "13700000000"})

    assert registered.status_code == unknown.status_code == 202
    assert registered.json() == unknown.json()
    assert SmsMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # codes are sent after commit
def test_wrong_or_replayed_sms_codes_are_refused(client: Client, citizen: Any) -> None:
    post(client, "/login/sms/send", {"mobile": citizen.mobile})
    code = re.search(r"\d{6}", SmsMessage.objects.get().body).group(0)  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"

    refused = post(client, "/login/sms", {"mobile": citizen.mobile, "code": wrong})
    assert refused.json()["code"] == "code_invalid"
    assert post(client, "/login/sms", {"mobile": citizen.mobile, "code": code}).status_code == 200
    replay = post(Client(), "/login/sms", {"mobile": citizen.mobile, "code": code})

    assert replay.json()["code"] == "code_invalid"


@pytest.mark.django_db(transaction=True)  # codes are sent after commit
def test_sms_login_page_flow(client: Client, citizen: Any) -> None:
    page = client.get("/account/login/sms/")
    assert "短信验证码登录" in page.content.decode()

    response = client.post("/account/login/sms/", {"mobile": citizen.mobile})
    assert response["Location"] == "/account/login/sms/code/"
    code = re.search(r"\d{6}", SmsMessage.objects.get().body).group(0)  # type: ignore[union-attr]
    response = client.post("/account/login/sms/code/", {"code": code})

    assert response["Location"] == "/account/security/"
    assert signed_in(client)


# ---- Pages -------------------------------------------------------------------------------------


def test_citizen_login_page_has_both_tabs(client: Client, db: None) -> None:
    html = client.get("/account/login/").content.decode()

    assert 'href="/account/login/"' in html and 'aria-current="page"' in html
    assert 'href="/account/login/sms/"' in html
    assert 'autocomplete="current-password"' in html


def test_citizen_login_page_wrong_password_and_unknown_look_the_same(
    client: Client, citizen: Any
) -> None:
    wrong = client.post("/account/login/", {"username": "citizen", "password": "Wrong-1xx"})
    unknown = client.post("/account/login/", {"username": "nobody", "password": "Wrong-1xx"})

    def summary(response: Any) -> str:
        match = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
        assert match
        return match.group(0)

    assert summary(wrong) == summary(unknown)
    assert wrong.status_code == unknown.status_code == 200


def test_next_is_followed_only_on_this_site(client: Client, citizen: Any) -> None:
    response = client.post(
        "/account/login/",
        {"username": "citizen", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == "/account/security/"


@pytest.mark.parametrize("path", ["/account/login/", "/staff/login/", "/account/login/sms/"])
def test_login_pages_have_no_inline_script_or_style(client: Client, db: None, path: str) -> None:
    html = client.get(path).content.decode()

    assert " style=" not in html and "<style" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_citizen_with_a_totp_device_also_uses_it(client: Client, db: None) -> None:
    account = AccountFactory(username="careful")
    enrol_totp_device(account)

    response = post(client, "/login/password", {"username": "careful", "password": PASSWORD})

    assert response.json() == {"status": "second_factor"}
