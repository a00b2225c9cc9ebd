"""Sessions: a new id at every sign-in, idle and absolute timeouts enforced on the server,
logout, "log out other devices", account disabling, and the staff second-factor gate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from tests.conftest import password_only_login
from tests.factories import PASSWORD
from yiwang.identity.models import AccountSession
from yiwang.identity.services import disable_account
from yiwang.kernel.models import AuditEntry

API = "/api/v1/identity"


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def login(client: Client, username: str = "citizen") -> Any:
    return client.post(
        f"{API}/login/password",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )


def test_sign_in_gives_a_new_session_id(client: Client, citizen: Any) -> None:
    client.get("/account/login/")
    client.session.save()
    before = client.cookies["sessionid"].value

    login(client)

    assert client.cookies["sessionid"].value != before
    assert AccountSession.objects.get().session_key == client.cookies["sessionid"].value


def test_session_cookie_is_httponly_and_samesite(client: Client, citizen: Any) -> None:
    login(client)

    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_idle_session_is_ended_on_the_server(client: Client, citizen: Any) -> None:
    login(client)
    AccountSession.objects.update(last_seen_at=timezone.now() - dt.timedelta(minutes=31))

    response = client.get(f"{API}/sessions")

    assert response.status_code == 401
    row = AccountSession.objects.get()
    assert row.ended_at is not None and row.end_reason == "idle"
    assert AuditEntry.objects.filter(action="identity.session_ended").exists()


def test_session_older_than_twelve_hours_is_ended(client: Client, citizen: Any) -> None:
    login(client)
    AccountSession.objects.update(created_at=timezone.now() - dt.timedelta(hours=12, seconds=1))

    assert client.get(f"{API}/sessions").status_code == 401
    assert AccountSession.objects.get().end_reason == "expired"


def test_activity_is_recorded_at_most_once_a_minute(client: Client, citizen: Any) -> None:
    login(client)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    AccountSession.objects.update(last_seen_at=long_ago)

    client.get(f"{API}/sessions")
    first = AccountSession.objects.get().last_seen_at
    client.get(f"{API}/sessions")

    assert first > long_ago
    assert AccountSession.objects.get().last_seen_at == first


def test_logout_ends_the_session_on_the_server(client: Client, citizen: Any) -> None:
    login(client)
    cookie = client.cookies["sessionid"].value

    assert client.post(f"{API}/logout").status_code == 204

    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(f"{API}/sessions").status_code == 401
    assert AccountSession.objects.get().end_reason == "logout"
    assert AuditEntry.objects.filter(action="identity.signed_out").exists()


def test_session_list_and_log_out_other_devices(citizen: Any) -> None:
    phone, laptop = Client(), Client()
    login(phone)
    login(laptop)

    listed = laptop.get(f"{API}/sessions").json()
    assert len(listed) == 2
    assert [row["current"] for row in listed].count(True) == 1

    response = laptop.post(f"{API}/sessions/end-others")

    assert response.json() == {"ended": 1}
    assert phone.get(f"{API}/sessions").status_code == 401
    assert laptop.get(f"{API}/sessions").status_code == 200
    assert AuditEntry.objects.filter(action="identity.sessions_ended").exists()


def test_log_out_other_devices_on_the_security_page(citizen: Any) -> None:
    phone, laptop = Client(), Client()
    login(phone)
    login(laptop)

    page = laptop.get("/account/security/").content.decode()
    assert "退出其他设备" in page
    response = laptop.post("/account/security/sessions/end-others/")

    assert response["Location"] == "/account/security/"
    assert phone.get("/account/security/").status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(admin: Any, citizen: Any) -> None:
    client = Client()
    login(client)

    disable_account(actor=admin, account=citizen)

    assert client.get(f"{API}/sessions").status_code == 401
    assert AccountSession.objects.get().end_reason == "account_disabled"
    assert AuditEntry.objects.filter(action="identity.account_disabled").exists()
    assert login(Client()).status_code == 401  # and it cannot sign in again


# ---- The staff second-factor gate ---------------------------------------------------------


def test_password_only_staff_session_is_refused_by_the_api(client: Client, clerk: Any) -> None:
    password_only_login(client, clerk)

    response = client.get("/api/v1/kernel/regions/42")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


def test_password_only_staff_session_is_sent_to_the_second_factor(
    client: Client, clerk: Any
) -> None:
    password_only_login(client, clerk)

    for path in ("/staff/", "/admin/", "/account/security/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/mfa/")


def test_admin_login_form_is_replaced_by_the_staff_login(client: Client, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/")

    assert response["Location"] == "/staff/login/?next=%2Fadmin%2F"


def test_staff_with_both_factors_reach_the_admin(client: Client, admin: Any) -> None:
    client.force_login(admin)  # stands for password + TOTP (see tests/conftest.py)

    assert client.get("/admin/").status_code == 200


def test_a_session_without_a_server_record_is_logged_out(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    AccountSession.objects.all().delete()

    assert client.get(f"{API}/sessions").status_code == 401
    assert not signed_in(client)
