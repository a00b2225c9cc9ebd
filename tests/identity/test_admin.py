"""The Django admin: OpenID Connect clients are registered there with redirect-URI checks,
every admin change is audited, disabling an account ends its sessions, and a password-only
staff session gets no admin page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import get_application_model

from tests.conftest import password_only_login
from yiwang.identity.models import Account, AccountSession
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db
Application = get_application_model()
ADD_URL = "/admin/oauth2_provider/application/add/"


def _client_form(redirect_uris: str) -> dict[str, str]:
    return {
        "client_id": "portal-test",
        "client_secret": "s" * 64,
        "hash_client_secret": "on",
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": "",
        "allowed_origins": "",
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "name": "某市政务服务网",
        "algorithm": Application.RS256_ALGORITHM,
        "skip_authorization": "",
    }


def test_admin_registers_a_client_and_it_is_audited(client: Any, admin: Any) -> None:
    client.force_login(admin)
    assert client.get(ADD_URL).status_code == 200
    response = client.post(ADD_URL, _client_form("https://zwfw.example.gov.cn/oidc/callback"))
    assert response.status_code == 302, response.content.decode()[:2000]
    app = Application.objects.get(client_id="portal-test")
    assert app.redirect_uris == "https://zwfw.example.gov.cn/oidc/callback"
    row = AuditEntry.objects.get(action="admin.added", target_id=str(app.pk))
    assert row.actor_id == admin.pk
    assert "redirect_uris" in row.details["fields"]
    assert "s" * 64 not in str(row.details)


@pytest.mark.parametrize(
    "bad_uri",
    ["javascript:alert(1)", "https://zwfw.example.gov.cn/cb#fragment", "not a url"],
)
def test_bad_redirect_uris_are_refused(client: Any, admin: Any, bad_uri: str) -> None:
    client.force_login(admin)
    before = AuditEntry.objects.count()
    response = client.post(ADD_URL, _client_form(bad_uri))
    assert response.status_code == 200  # the form again, with its error
    assert "errorlist" in response.content.decode()
    assert not Application.objects.filter(client_id="portal-test").exists()
    assert AuditEntry.objects.count() == before


def test_password_only_staff_session_gets_no_admin_page(admin: Any) -> None:
    browser = Client()
    password_only_login(browser, admin)
    response = browser.get(ADD_URL)
    assert response.status_code == 302
    assert "/admin/" not in response["Location"]
    assert not Application.objects.exists()


def test_disabling_an_account_in_the_admin_ends_its_sessions(
    client: Any, admin: Any, citizen: Any
) -> None:
    citizen_browser = Client()
    citizen_browser.force_login(citizen)
    assert AccountSession.objects.filter(account=citizen, ended_at__isnull=True).exists()

    client.force_login(admin)
    page = client.get(f"/admin/identity/account/{citizen.pk}/change/")
    assert page.status_code == 200
    form = {
        "username": citizen.username,
        "is_active": "",
        "is_staff": "",
        "is_superuser": "",
        "verification_level": str(citizen.verification_level),
        "failed_logins": "0",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "first_name": "",
        "last_name": "",
        "email": "",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = client.post(f"/admin/identity/account/{citizen.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Account.objects.get(pk=citizen.pk).is_active
    assert not AccountSession.objects.filter(account=citizen, ended_at__isnull=True).exists()
    assert citizen_browser.get("/api/v1/identity/me").status_code == 401
    assert AuditEntry.objects.filter(action="admin.changed", target_id=str(citizen.pk)).exists()
