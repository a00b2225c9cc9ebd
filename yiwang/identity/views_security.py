"""Account security: second factors, the mobile number, signed-in sessions. Changing the
phone number or a second factor needs an authentication within the last five minutes."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.identity import services
from yiwang.identity.forms import MobileForm, PasswordChangeForm, SmsCodeForm
from yiwang.identity.models import OneTimeCodePurpose, TotpDevice
from yiwang.identity.services import factors as factor_services
from yiwang.identity.services.authentication import source_address
from yiwang.identity.services.sessions import (
    keep_this_session,
    live_sessions,
    mark_reauthenticated,
    recently_authenticated,
)
from yiwang.identity.views import (
    enrol_authenticator,
    origin,
    refuse,
    rp_id,
    safe_next,
    with_next,
)
from yiwang.kernel.errors import DomainError

NEW_MOBILE_KEY = "yiwang_new_mobile"
ADD_SECRET_KEY = "yiwang_add_totp_secret"  # noqa: S105  (a session key name)
REGISTER_CHALLENGE_KEY = "yiwang_passkey_register"

View = Callable[..., HttpResponseBase]
signed_in = login_required(login_url="identity:login")


def recent_authentication(view: View) -> View:
    """Send the holder to confirm who they are unless they did within five minutes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not recently_authenticated(request):
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse(
                    {"code": "reauthentication_required", "message": _("请先确认身份。")},
                    status=403,
                )
            back = request.path if request.method == "GET" else reverse("identity:security")
            return redirect(with_next(reverse("identity:reauth"), back))
        return view(request, *args, **kwargs)

    return signed_in(wrapped)


@signed_in
def security(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context = {
        "account": user,
        "totp_devices": TotpDevice.objects.filter(account=user, confirmed_at__isnull=False),
        "passkeys": user.passkeys.all(),
        "sessions": live_sessions(user),
        "current_key": request.session.session_key,
    }
    return render(request, "identity/security.html", context)


@signed_in
def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm who you are: the password, or a code from the authenticator app."""
    user: Any = request.user
    error = ""
    status = 200
    if request.method == "POST":
        password = request.POST.get("password", "")
        code = request.POST.get("code", "").strip()
        try:
            if code:
                services.check_totp(ip=source_address(request), account=user, code=code)
            elif password:
                services.check_password_login(
                    ip=source_address(request), identifier=user.username, password=password
                )
            else:
                error = _("请输入密码或动态口令。")
        except DomainError as refusal:
            error = str(refusal.message)
            status = 429 if refusal.status == 429 else 200
        if not error:
            mark_reauthenticated(request)
            return redirect(safe_next(request, reverse("identity:security")))
    context = {
        "error": error,
        "next": safe_next(request, ""),
        "has_totp": TotpDevice.objects.filter(account=user).exists(),
    }
    return render(request, "identity/security_reauth.html", context, status=status)


@recent_authentication
def totp_add(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    enrolled, context = enrol_authenticator(request, user, ADD_SECRET_KEY)
    if enrolled:
        messages.success(request, _("已添加身份验证器。"))
        return redirect("identity:security")
    return render(request, "identity/security_totp.html", context)


@require_POST
@recent_authentication
def totp_remove(request: HttpRequest, device_id: int) -> HttpResponseBase:
    user: Any = request.user
    try:
        services.remove_totp(actor=user, account=user, device_id=device_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已删除身份验证器。"))
    return redirect("identity:security")


@require_POST
@recent_authentication
def passkey_options(request: HttpRequest) -> JsonResponse:
    user: Any = request.user
    options, challenge = factor_services.passkey_registration_options(user, rp_id=rp_id(request))
    request.session[REGISTER_CHALLENGE_KEY] = challenge.hex()
    return JsonResponse({"options": json.loads(options)})


@require_POST
@recent_authentication
def passkey_register(request: HttpRequest) -> JsonResponse:
    user: Any = request.user
    challenge = request.session.pop(REGISTER_CHALLENGE_KEY, None)
    if not challenge:
        return JsonResponse({"message": _("请重新开始添加通行密钥。")}, status=400)
    try:
        services.register_passkey(
            actor=user,
            account=user,
            credential=request.body.decode(),
            challenge=bytes.fromhex(challenge),
            rp_id=rp_id(request),
            origin=origin(request),
        )
    except DomainError as error:
        return JsonResponse({"code": str(error.code), "message": str(error.message)}, status=400)
    messages.success(request, _("已添加通行密钥。"))
    return JsonResponse({"redirect": reverse("identity:security")})


@require_POST
@recent_authentication
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponseBase:
    user: Any = request.user
    try:
        services.remove_passkey(actor=user, account=user, passkey_id=passkey_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已删除通行密钥。"))
    return redirect("identity:security")


@recent_authentication
def password_change(request: HttpRequest) -> HttpResponse:
    """A new password; every other signed-in device is signed out."""
    user: Any = request.user
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                actor=user, account=user, new_password=form.cleaned_data["new_password"]
            )
        except DomainError as error:
            refuse(form, error, "new_password")
        else:
            keep_this_session(request, user)
            services.end_other_sessions(actor=user, request=request)
            messages.success(request, _("密码已修改,其他设备已退出登录。"))
            return redirect("identity:security")
    return render(request, "identity/security_password.html", {"form": form})


@recent_authentication
def mobile_change(request: HttpRequest) -> HttpResponse:
    """Change the mobile number, step one: the new number (a code is sent to it)."""
    form = MobileForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"].strip()
        try:
            services.issue_code(mobile, OneTimeCodePurpose.CHANGE_MOBILE, actor=request.user)
        except DomainError as error:
            refuse(form, error, "mobile")
        else:
            request.session[NEW_MOBILE_KEY] = mobile
            return redirect("identity:security-mobile-code")
    return render(request, "identity/security_mobile.html", {"form": form})


@recent_authentication
def mobile_change_code(request: HttpRequest) -> HttpResponse:
    """Change the mobile number, step two: the code sent to the new number."""
    user: Any = request.user
    mobile = request.session.get(NEW_MOBILE_KEY)
    if not mobile:
        return redirect("identity:security-mobile")
    form = SmsCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_mobile(
                actor=user, account=user, mobile=mobile, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            refuse(form, error, "code")
        else:
            request.session.pop(NEW_MOBILE_KEY, None)
            messages.success(request, _("手机号码已更换。"))
            return redirect("identity:security")
    context = {"form": form, "masked_mobile": f"{mobile[:3]}****{mobile[-4:]}"}
    return render(request, "identity/security_mobile_code.html", context)


@require_POST
@signed_in
def end_other_sessions(request: HttpRequest) -> HttpResponseBase:
    count = services.end_other_sessions(actor=request.user, request=request)
    messages.success(request, _("已退出其他 %(count)d 台设备。") % {"count": count})
    return redirect("identity:security")
