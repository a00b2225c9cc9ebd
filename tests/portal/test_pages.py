"""The pages people use, through Django's test client: the landing page, staff sign-in and
sign-out, the staff home, the error pages, elder mode and the English translation."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD, enrol_totp_device, totp_code
from yiwang.kernel.models import AuditEntry

LOGIN_URL = "/staff/login/"
STAFF_HOME_URL = "/staff/"
CATALOGUE = Path(__file__).resolve().parents[2] / "yiwang/locale/en/LC_MESSAGES/django.po"


def title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match, "the page has no <title>"
    return match.group(1).strip()


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# ---- Landing page --------------------------------------------------------------------------


def test_landing_page_is_in_chinese(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert title(response) == "一网通办 - 政务服务平台"
    html = response.content.decode()
    assert '<html lang="zh-Hans"' in html
    for card in ("办事服务", "12345热线", "数据开放"):
        assert card in html
    assert f'href="{LOGIN_URL}"' in html
    assert "工作人员登录" in html


def test_landing_page_has_the_page_furniture(client: Client) -> None:
    html = client.get("/").content.decode()

    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html
    assert 'action="/i18n/setlang/"' in html
    assert '<script src="/static/vendor/htmx.min.js"' in html
    assert "includeIndicatorStyles" in html
    # Nothing inline: the CSP forbids inline scripts and styles.
    assert "<style" not in html
    assert " style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_pages_are_served_with_the_strict_csp(client: Client) -> None:
    response = client.get("/")

    assert "default-src 'self'" in response["Content-Security-Policy"]


# ---- Staff sign-in ---------------------------------------------------------------------------


def test_staff_home_sends_anonymous_users_to_sign_in(client: Client) -> None:
    response = client.get(STAFF_HOME_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={STAFF_HOME_URL}"


def test_clerk_signs_in_and_sees_their_role(client: Client, clerk: Any) -> None:
    enrol_totp_device(clerk)
    response = client.post(LOGIN_URL, {"username": "clerk", "password": PASSWORD})

    # The password alone does not sign a staff member in: the second factor comes next.
    assert response.status_code == 302
    assert response["Location"] == "/account/mfa/"
    assert not is_signed_in(client)
    response = client.post("/account/mfa/", {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == STAFF_HOME_URL
    assert is_signed_in(client)
    assert AuditEntry.objects.filter(action="identity.signed_in", actor_id=clerk.pk).exists()

    home = client.get(STAFF_HOME_URL)
    html = home.content.decode()
    assert home.status_code == 200
    assert "您好，clerk" in html
    assert "窗口人员" in html
    assert "武昌区" in html
    assert "武昌区市场监督管理局" in html
    assert f'action="{reverse("identity:staff-logout")}"' in html


def test_sign_in_follows_next(client: Client, clerk: Any) -> None:
    enrol_totp_device(clerk)
    response = client.post(
        f"{LOGIN_URL}?next={STAFF_HOME_URL}",
        {"username": "clerk", "password": PASSWORD, "next": STAFF_HOME_URL},
    )
    assert response["Location"] == "/account/mfa/?next=%2Fstaff%2F"

    response = client.post(response["Location"], {"code": totp_code()})

    assert response["Location"] == STAFF_HOME_URL


def test_citizen_cannot_sign_in_at_the_staff_login(client: Client, citizen: Any) -> None:
    response = client.post(LOGIN_URL, {"username": "citizen", "password": PASSWORD})

    assert response.status_code == 200
    assert not is_signed_in(client)
    # The same words as a wrong password: the page does not tell who has an account.
    assert "用户名或密码不正确。" in response.content.decode()
    assert not AuditEntry.objects.filter(action="identity.signed_in").exists()


def test_wrong_password_shows_the_error_summary(client: Client, clerk: Any) -> None:
    response = client.post(LOGIN_URL, {"username": "clerk", "password": "wrong-password"})

    html = response.content.decode()
    assert response.status_code == 200
    assert not is_signed_in(client)
    assert title(response).startswith("错误：")
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    assert 'role="alert"' in summary.group(0)
    assert '<a href="#id_username">用户名或密码不正确。</a>' in summary.group(0)
    assert 'value="clerk"' in html  # the username is kept
    assert "wrong-password" not in html  # the password is not


def test_empty_form_links_each_error_to_its_field(client: Client, db: None) -> None:
    response = client.post(LOGIN_URL, {"username": "", "password": ""})

    html = response.content.decode()
    assert '<a href="#id_username">' in html
    assert '<a href="#id_password">' in html
    assert 'aria-describedby="id_username-error"' in html
    assert 'id="id_username-error"' in html
    assert 'aria-invalid="true"' in html


def test_sign_in_fields_have_labels_and_autocomplete(client: Client, db: None) -> None:
    html = client.get(LOGIN_URL).content.decode()

    assert '<label class="label" for="id_username">用户名</label>' in html
    assert '<label class="label" for="id_password">密码</label>' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html


def test_staff_home_refuses_a_citizen(client: Client, citizen: Any) -> None:
    client.force_login(citizen)

    response = client.get(STAFF_HOME_URL)

    assert response.status_code == 403
    assert "没有访问权限" in response.content.decode()


# ---- Sign-out ------------------------------------------------------------------------------


def test_sign_out_must_be_a_post(client: Client, clerk: Any) -> None:
    client.force_login(clerk)

    response = client.get(reverse("identity:staff-logout"))

    assert response.status_code == 405
    assert is_signed_in(client)
    assert not AuditEntry.objects.filter(action="identity.signed_out").exists()


def test_sign_out(client: Client, clerk: Any) -> None:
    client.force_login(clerk)

    response = client.post(reverse("identity:staff-logout"))

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_signed_in(client)
    assert AuditEntry.objects.filter(action="identity.signed_out", actor_id=clerk.pk).exists()
    assert client.get(STAFF_HOME_URL).status_code == 302


# ---- Error pages -----------------------------------------------------------------------------


def test_unknown_page_shows_our_404(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert title(response) == "页面不存在 - 一网通办"
    assert 'href="/"' in response.content.decode()


def test_expired_form_explains_itself(db: None) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN_URL, {"username": "clerk", "password": PASSWORD})

    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html
    assert "<style" not in html  # our page, not Django's built-in one


def test_500_page_renders_without_a_request() -> None:
    html = render_to_string("500.html")

    assert "抱歉，系统出现问题" in html
    assert "/static/css/yiwang.css" in html


# ---- Elder mode ----------------------------------------------------------------------------


def test_elder_mode_is_switched_by_a_cookie(client: Client, db: None) -> None:
    response = client.post("/elder-mode/", {"mode": "on", "next": LOGIN_URL})

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert response.cookies["yiwang_elder"].value == "1"
    html = client.get(LOGIN_URL).content.decode()
    assert 'class="elder"' in html
    assert 'name="mode" value="off"' in html

    client.post("/elder-mode/", {"mode": "off", "next": "/"})
    assert 'class="elder"' not in client.get("/").content.decode()


def test_elder_mode_never_redirects_off_site(client: Client) -> None:
    response = client.post("/elder-mode/", {"mode": "on", "next": "https://example.com/"})

    assert response["Location"] == "/"


def test_elder_mode_switch_must_be_a_post(client: Client) -> None:
    assert client.get("/elder-mode/?mode=on").status_code == 405


# ---- English -------------------------------------------------------------------------------


def test_accept_language_english_shows_english_pages(client: Client, db: None) -> None:
    response = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert '<html lang="en"' in html
    assert title(response) == "Staff sign-in - One-Stop Services"
    assert '<label class="label" for="id_username">Username</label>' in html
    assert "简体中文" in html  # the switch back


def test_language_switch_sets_english(client: Client, clerk: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": STAFF_HOME_URL})
    assert response.status_code == 302

    client.force_login(clerk)
    html = client.get(STAFF_HOME_URL).content.decode()
    assert "Hello, clerk" in html
    assert "Service window clerk" in html
    assert "Sign out" in html


def test_api_errors_follow_accept_language(client: Client, db: None) -> None:
    english = client.get("/api/v1/kernel/regions/99", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get("/api/v1/kernel/regions/99").json()

    assert english["message"] == "Region 99 does not exist."
    assert chinese["message"] == "行政区划 99 不存在。"


def test_model_names_are_translated() -> None:
    from yiwang.kernel.models import Region

    with translation.override("en"):
        assert str(Region._meta.verbose_name) == "region"
        assert str(Region._meta.verbose_name_plural) == "regions"
    with translation.override("zh-hans"):
        assert str(Region._meta.verbose_name_plural) == "行政区划"


PO_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$')


@dataclass(frozen=True)
class PoEntry:
    ctxt: str | None
    msgid: str
    plural: str | None
    #: the translation, or each plural form's ("msgstr" or "msgstr[0]", "msgstr[1]" …)
    translations: dict[str, str]
    flags: str


def read_catalogue(path: Path) -> list[PoEntry]:
    """The entries of a .po file (singular and plural), the header left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        current = ""
        flags = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif match := re.match(
                r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line
            ):
                current = match.group(1)
                fields[current] = [ast.literal_eval(match.group(2))]
            elif line.startswith('"') and current:
                fields[current].append(ast.literal_eval(line))
        if fields.get("msgid", [""]) != [""]:
            joined = {key: "".join(parts) for key, parts in fields.items()}
            entries.append(
                PoEntry(
                    ctxt=joined.get("msgctxt"),
                    msgid=joined["msgid"],
                    plural=joined.get("msgid_plural"),
                    translations={k: v for k, v in joined.items() if k.startswith("msgstr")},
                    flags=flags,
                )
            )
    return entries


def _compiled_forms(compiled: gettext.GNUTranslations, entry: PoEntry) -> dict[str, str]:
    if entry.plural is None:
        text = (
            compiled.pgettext(entry.ctxt, entry.msgid)
            if entry.ctxt
            else compiled.gettext(entry.msgid)
        )
        return {"msgstr": text}
    # English has two forms: [0] for one, [1] for any other number.
    return {
        f"msgstr[{i}]": compiled.ngettext(entry.msgid, entry.plural, n) for i, n in ((0, 1), (1, 2))
    }


def test_every_english_message_is_translated_and_compiled() -> None:
    """Chinese is the source language; every msgid needs its English msgstr (each plural
    form too), in the .mo as well."""
    entries = read_catalogue(CATALOGUE)
    with CATALOGUE.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    assert entries
    assert any(e.plural for e in entries)  # the parser reads plural entries
    untranslated = [e.msgid for e in entries if not all(e.translations.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    stale = [e.msgid for e in entries if _compiled_forms(compiled, e) != e.translations]
    assert untranslated == [], "run `make messages`, then translate these"
    assert fuzzy == [], "check these translations and remove their fuzzy flag"
    assert stale == [], "the .mo is out of date: run `yiwang compilemessages`"
