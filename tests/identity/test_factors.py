"""Account security: re-authentication before changes, adding and removing second factors,
changing the mobile number with a code sent to the new number."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.test import Client

from tests.factories import PASSWORD, enrol_totp_device, totp_code
from yiwang.identity.models import Account, TotpDevice
from yiwang.identity.services.sessions import AUTH_AT_KEY
from yiwang.kernel.models import AuditEntry, SmsMessage


def stale(client: Client) -> None:
    """Make the last authentication of this session older than five minutes."""
    session = client.session
    session[AUTH_AT_KEY] = int(time.time()) - 301
    session.save()


def test_security_page_lists_factors_and_sessions(client: Client, citizen: Any) -> None:
    client.force_login(citizen)

    html = client.get("/account/security/").content.decode()

    for text in ("账号安全", "手机号码", "身份验证器", "通行密钥", "登录设备", "退出其他设备"):
        assert text in html
    assert " style=" not in html


def test_security_page_needs_a_sign_in(client: Client, db: None) -> None:
    response = client.get("/account/security/")

    assert response["Location"] == "/account/login/?next=/account/security/"


def test_adding_a_factor_needs_a_recent_authentication(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    stale(client)

    response = client.get("/account/security/totp/add/")
    assert (
        response["Location"]
        == "/account/security/confirm/?next=%2Faccount%2Fsecurity%2Ftotp%2Fadd%2F"
    )

    wrong = client.post("/account/security/confirm/", {"password": "Wrong-pass-1"})
    assert "用户名或密码不正确。" in wrong.content.decode()
    response = client.post(
        "/account/security/confirm/", {"password": PASSWORD, "next": "/account/security/totp/add/"}
    )
    assert response["Location"] == "/account/security/totp/add/"
    assert client.get("/account/security/totp/add/").status_code == 200


def test_add_and_remove_an_authenticator(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    page = client.get("/account/security/totp/add/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)  # type: ignore[union-attr]

    response = client.post(
        "/account/security/totp/add/", {"code": pyotp.TOTP(secret.replace(" ", "")).now()}
    )

    assert response["Location"] == "/account/security/"
    device = TotpDevice.objects.get(account=citizen)
    response = client.post(f"/account/security/totp/{device.pk}/remove/")
    assert not TotpDevice.objects.filter(account=citizen).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"identity.factor_added", "identity.factor_removed"} <= actions


def test_a_wrong_code_adds_no_authenticator(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    client.get("/account/security/totp/add/")

    response = client.post("/account/security/totp/add/", {"code": "000000"})

    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    assert not TotpDevice.objects.exists()


def test_removing_a_factor_without_recent_authentication_changes_nothing(
    client: Client, citizen: Any
) -> None:
    device = enrol_totp_device(citizen)
    client.force_login(citizen)
    stale(client)

    response = client.post(f"/account/security/totp/{device.pk}/remove/")

    assert response["Location"].startswith("/account/security/confirm/")
    assert TotpDevice.objects.filter(pk=device.pk).exists()


def test_staff_keep_their_last_second_factor(client: Client, clerk: Any) -> None:
    device = enrol_totp_device(clerk)
    client.force_login(clerk)

    client.post(f"/account/security/totp/{device.pk}/remove/")

    assert TotpDevice.objects.filter(pk=device.pk).exists()
    assert "至少要保留一种第二因素" in client.get("/account/security/").content.decode()


def test_reauthenticate_with_a_totp_code(client: Client, clerk: Any) -> None:
    enrol_totp_device(clerk)
    client.force_login(clerk)
    stale(client)

    response = client.post("/account/security/confirm/", {"code": totp_code()})

    assert response["Location"] == "/account/security/"


@pytest.mark.django_db(transaction=True)  # codes are sent after commit
def test_change_mobile_with_a_code_sent_to_the_new_number(client: Client, citizen: Any) -> None:
    client.force_login(citizen)

    response = client.post("/account/security/mobile/", {"mobile": "13911112222"})
    assert response["Location"] == "/account/security/mobile/code/"
    message = SmsMessage.objects.get()
    code = re.search(r"\d{6}", message.body).group(0)  # type: ignore[union-attr]
    response = client.post("/account/security/mobile/code/", {"code": code})

    assert response["Location"] == "/account/security/"
    assert Account.objects.get(pk=citizen.pk).mobile == "13911112222"
    assert AuditEntry.objects.filter(action="identity.mobile_changed").exists()


@pytest.mark.django_db(transaction=True)
def test_wrong_code_leaves_the_mobile_unchanged(client: Client, citizen: Any) -> None:
    before = citizen.mobile
    client.force_login(citizen)
    client.post("/account/security/mobile/", {"mobile": "13911112222"})

    response = client.post("/account/security/mobile/code/", {"code": "000000"})

    assert response.status_code == 200
    assert Account.objects.get(pk=citizen.pk).mobile == before
    assert AuditEntry.objects.filter(action="identity.code_refused").exists()


def test_authenticator_enrolment_shows_a_qr_code_and_the_secret(
    client: Client, citizen: Any
) -> None:
    client.force_login(citizen)
    page = client.get("/account/security/totp/add/").content.decode()
    assert 'src="data:image/svg+xml' in page
    assert "otpauth://totp/" in page


def test_change_password_signs_out_other_devices(client: Client, citizen: Any) -> None:
    from yiwang.identity.models import Account, AccountSession
    from yiwang.kernel.models import AuditEntry

    other = Client()
    other.force_login(citizen)
    client.force_login(citizen)
    response = client.post(
        "/account/security/password/",
        {"new_password": "Brand-New-Pass-77", "new_password_again": "Brand-New-Pass-77"},
    )
    assert response.status_code == 302
    assert Account.objects.get(pk=citizen.pk).check_password("Brand-New-Pass-77")
    assert client.get("/account/security/").status_code == 200  # this device stays in
    assert other.get("/account/security/").status_code == 302  # the other one is out
    assert AccountSession.objects.filter(account=citizen, ended_at__isnull=True).count() == 1
    assert AuditEntry.objects.filter(action="identity.password_changed").exists()


@pytest.mark.parametrize(
    ("first", "again", "message"),
    [
        ("password", "password", "常见"),
        ("Brand-New-Pass-77", "Brand-New-Pass-78", "不一致"),
        ("", "", "请输入新密码"),
    ],
)
def test_bad_new_passwords_change_nothing(
    client: Client, citizen: Any, first: str, again: str, message: str
) -> None:
    from tests.factories import PASSWORD
    from yiwang.identity.models import Account

    client.force_login(citizen)
    response = client.post(
        "/account/security/password/", {"new_password": first, "new_password_again": again}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Account.objects.get(pk=citizen.pk).check_password(PASSWORD)
