"""Sign-in pages: staff and citizen password login, SMS-code login, the second-factor step
(TOTP or passkey), first TOTP enrolment for staff, and logout. Each view validates its form,
calls the authentication services and picks the next step."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.identity import services
from yiwang.identity.forms import (
    CitizenLoginForm,
    MobileForm,
    SmsCodeForm,
    StaffLoginForm,
    TotpForm,
)
from yiwang.identity.models import Account, TotpDevice
from yiwang.identity.services import factors as factor_services
from yiwang.identity.services.authentication import has_second_factor, source_address
from yiwang.identity.services.sessions import (
    has_crypto_factor,
    pending_sign_in,
    session_factors,
)
from yiwang.kernel.errors import DomainError

ENROL_SECRET_KEY = "yiwang_enrol_secret"  # noqa: S105  (a session key name)
SMS_MOBILE_KEY = "yiwang_login_mobile"
PASSKEY_CHALLENGE_KEY = "yiwang_passkey_challenge"


# ---- Helpers shared by the sign-in pages ---------------------------------------------------


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def default_next(account: Any) -> str:
    return reverse(settings.LOGIN_REDIRECT_URL if account.is_staff else "identity:security")


def with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}" if target else url


def after_first_factor(request: HttpRequest, account: Account, factor: str) -> HttpResponse:
    target = safe_next(request, "")
    step = services.complete_first_factor(request, account, factor)
    if step == "signed_in":
        return redirect(target or default_next(account))
    page = "identity:mfa" if step == "second_factor" else "identity:mfa-enrol"
    return redirect(with_next(reverse(page), target))


def second_factor_subject(request: HttpRequest) -> tuple[Account, list[str]] | None:
    """Who is at the second-factor step: a pending sign-in, or a signed-in session that still
    lacks a cryptographic factor (e.g. after a password-only login elsewhere)."""
    pending = pending_sign_in(request)
    if pending is not None:
        return pending
    user: Any = request.user
    factors = session_factors(request.session)
    if user.is_authenticated and not has_crypto_factor(factors):
        return user, factors or ["password"]
    return None


def rp_id(request: HttpRequest) -> str:
    """The WebAuthn relying-party id: the host the browser talks to, without its port."""
    return request.get_host().split(":")[0]


def origin(request: HttpRequest) -> str:
    configured = getattr(settings, "YIWANG_WEBAUTHN_ORIGIN", "")
    return str(configured) if configured else f"{request.scheme}://{request.get_host()}"


def refuse(form: forms.Form, error: DomainError, field: str | None = None) -> None:
    form.add_error(field, str(error.message))


# ---- Password login ------------------------------------------------------------------------


class StaffLoginView:
    """Staff login, step one: user name and password. Step two is the second factor."""

    template_name = "identity/staff_login.html"
    staff_only = True
    form_class: type[forms.Form] = StaffLoginForm

    @classmethod
    def as_view(cls) -> Any:
        def view(request: HttpRequest) -> HttpResponseBase:
            return cls().dispatch(request)

        return view

    def dispatch(self, request: HttpRequest) -> HttpResponseBase:
        user: Any = request.user
        if request.method not in {"GET", "POST"}:
            return HttpResponse(status=405)
        if (
            user.is_authenticated
            and (not self.staff_only or user.is_staff)
            and (not user.is_staff or has_crypto_factor(session_factors(request.session)))
        ):
            return redirect(safe_next(request, default_next(user)))
        form = self.form_class(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                account = services.check_password_login(
                    ip=source_address(request),
                    identifier=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    staff_only=self.staff_only,
                )
            except DomainError as error:
                refuse(form, error)
                status = 429 if error.status == 429 else 200
            else:
                return after_first_factor(request, account, "password")
        context = {"form": form, "next": safe_next(request, "")}
        return render(request, self.template_name, context, status=status)


class LoginView(StaffLoginView):
    """Citizen login with a password (the SMS-code login is the other tab)."""

    template_name = "identity/login.html"
    staff_only = False
    form_class = CitizenLoginForm


# ---- SMS-code login ------------------------------------------------------------------------


def login_sms(request: HttpRequest) -> HttpResponse:
    """SMS login, step one: the mobile number; a code is sent if an account holds it."""
    form = MobileForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"].strip()
        try:
            services.send_login_code(ip=source_address(request), mobile=mobile)
        except DomainError as error:
            refuse(form, error, "mobile")
            status = 429 if error.status == 429 else 200
        else:
            request.session[SMS_MOBILE_KEY] = mobile
            return redirect(with_next(reverse("identity:login-sms-code"), safe_next(request, "")))
    context = {"form": form, "next": safe_next(request, "")}
    return render(request, "identity/login_sms.html", context, status=status)


def login_sms_code(request: HttpRequest) -> HttpResponse:
    """SMS login, step two: the code."""
    mobile = request.session.get(SMS_MOBILE_KEY)
    if not mobile:
        return redirect("identity:login-sms")
    form = SmsCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account = services.check_sms_login(
                ip=source_address(request), mobile=mobile, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            refuse(form, error, "code")
            status = 429 if error.status == 429 else 200
        else:
            request.session.pop(SMS_MOBILE_KEY, None)
            return after_first_factor(request, account, "sms")
    context = {
        "form": form,
        "next": safe_next(request, ""),
        "masked_mobile": f"{mobile[:3]}****{mobile[-4:]}",
    }
    return render(request, "identity/login_sms_code.html", context, status=status)


# ---- Second factor -------------------------------------------------------------------------


def mfa(request: HttpRequest) -> HttpResponse:
    """The second factor: a TOTP code, or a passkey (with JavaScript)."""
    subject = second_factor_subject(request)
    if subject is None:
        return redirect("identity:login")
    account, factors = subject
    if not has_second_factor(account):
        return redirect(with_next(reverse("identity:mfa-enrol"), safe_next(request, "")))
    form = TotpForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.check_totp(
                ip=source_address(request), account=account, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            refuse(form, error, "code")
            status = 429 if error.status == 429 else 200
        else:
            services.complete_second_factor(request, account, factors, "totp")
            return redirect(safe_next(request, default_next(account)))
    context = {
        "form": form,
        "next": safe_next(request, ""),
        "has_totp": TotpDevice.objects.filter(account=account).exists(),
        "has_passkey": account.passkeys.exists(),
    }
    return render(request, "identity/mfa.html", context, status=status)


def enrol_authenticator(
    request: HttpRequest, account: Account, session_key: str
) -> tuple[bool, dict[str, Any]]:
    """The authenticator-enrolment step both the first sign-in and the security page use:
    a secret kept in the session until the code from the app proves it was added. Returns
    (enrolled, template context)."""
    secret = request.session.get(session_key) or factor_services.new_totp_secret()
    request.session[session_key] = secret
    form = TotpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrol_totp(
                actor=account, account=account, secret=secret, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            refuse(form, error, "code")
        else:
            request.session.pop(session_key, None)
            return True, {}
    uri = factor_services.totp_uri(account, secret)
    return False, {
        "form": form,
        "secret_groups": factor_services.grouped_secret(secret),
        "otpauth_uri": uri,
        "otpauth_qr": factor_services.totp_qr(uri),
    }


def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """A staff account with no second factor sets up an authenticator app before it can
    sign in."""
    subject = second_factor_subject(request)
    if subject is None:
        return redirect("identity:staff-login")
    account, factors = subject
    if has_second_factor(account):
        return redirect(with_next(reverse("identity:mfa"), safe_next(request, "")))
    enrolled, context = enrol_authenticator(request, account, ENROL_SECRET_KEY)
    if enrolled:
        services.complete_second_factor(request, account, factors, "totp")
        return redirect(safe_next(request, default_next(account)))
    context["next"] = safe_next(request, "")
    return render(request, "identity/mfa_enrol.html", context)


@require_POST
def mfa_passkey_options(request: HttpRequest) -> JsonResponse:
    subject = second_factor_subject(request)
    if subject is None or not subject[0].passkeys.exists():
        return JsonResponse({"message": _("请先输入用户名和密码。")}, status=400)
    options, challenge = factor_services.passkey_authentication_options(
        subject[0], rp_id=rp_id(request)
    )
    request.session[PASSKEY_CHALLENGE_KEY] = challenge.hex()
    return JsonResponse({"options": json.loads(options)})


@require_POST
def mfa_passkey_verify(request: HttpRequest) -> JsonResponse:
    subject = second_factor_subject(request)
    challenge = request.session.pop(PASSKEY_CHALLENGE_KEY, None)
    if subject is None or not challenge:
        return JsonResponse({"message": _("请先输入用户名和密码。")}, status=400)
    account, factors = subject
    try:
        services.check_passkey(
            ip=source_address(request),
            account=account,
            credential=request.body.decode(),
            challenge=bytes.fromhex(challenge),
            rp_id=rp_id(request),
            origin=origin(request),
        )
    except DomainError as error:
        return JsonResponse({"code": str(error.code), "message": str(error.message)}, status=400)
    services.complete_second_factor(request, account, factors, "passkey")
    return JsonResponse({"redirect": safe_next(request, default_next(account))})


# ---- Logout --------------------------------------------------------------------------------


@require_POST
def logout(request: HttpRequest) -> HttpResponseBase:
    services.sign_out(request)
    return redirect("portal:home")


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponseBase:
    services.sign_out(request)
    return redirect("portal:home")
