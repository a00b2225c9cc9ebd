"""Citizen pages: registration (3 steps), real-name verification, enterprise binding, agent
management and switching identity. Each view validates a form, then calls one service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.identity import services
from yiwang.identity.forms import (
    BindForm,
    CodePasswordForm,
    MobileForm,
    VerifyForm,
    required_text,
)
from yiwang.identity.models import VerificationLevel
from yiwang.identity.services.enterprise import (
    agent_delegations,
    current_acting_for,
    get_delegation,
    get_represented_entity,
    represented_entities,
)
from yiwang.kernel import ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import SensitiveKind, mask

LOGIN_URL = "/account/login/"
#: The mobile number between steps 1 and 2 of registration.
REGISTER_MOBILE_KEY = "yiwang_register_mobile"
#: Set while the person is in the registration journey, so step 3 is labelled as such.
REGISTERING_KEY = "yiwang_registering"

signed_in = login_required(login_url=LOGIN_URL)


def _error_to_form(form: forms.Form, error: DomainError, default_field: str) -> None:
    """Show a service's refusal beside the field it concerns (and in the error summary)."""
    field = str(error.details.get("field") or default_field)
    if field not in form.fields:
        field = default_field
    for message in error.details.get("messages") or [error.message]:
        form.add_error(field, str(message))


def _client_limit(request: HttpRequest, scope: str, limit: int, window_seconds: int) -> None:
    ratelimit.hit(
        scope,
        request.META.get("REMOTE_ADDR") or "unknown",
        limit=limit,
        window_seconds=window_seconds,
    )


# ---- Registration ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register_mobile(request: HttpRequest) -> HttpResponse:
    """Step 1 of 3: the mobile number. The answer never says whether it is registered."""
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _client_limit(request, "identity-send-code-ip", 10, 600)
            services.send_registration_code(form.cleaned_data["mobile"])
        except DomainError as error:
            _error_to_form(form, error, "mobile")
        else:
            request.session[REGISTER_MOBILE_KEY] = form.cleaned_data["mobile"].strip()
            return redirect("identity:register-password")
    return render(request, "identity/register/mobile.html", {"form": form})


@require_http_methods(["GET", "POST"])
def register_password(request: HttpRequest) -> HttpResponse:
    """Step 2 of 3: the code sent by SMS and a password; creates the account, signs in."""
    mobile = request.session.get(REGISTER_MOBILE_KEY)
    if not mobile:
        return redirect("identity:register")
    form = CodePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _client_limit(request, "identity-register-ip", 20, 3600)
            account = services.register_account(
                actor=None,
                mobile=mobile,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password"],
            )
        except DomainError as error:
            field = "password" if error.code == "password_rejected" else "code"
            _error_to_form(form, error, field)
        else:
            services.sign_in(request, account, ["sms", "password"])
            request.session.pop(REGISTER_MOBILE_KEY, None)
            request.session[REGISTERING_KEY] = True
            return redirect("identity:verify")
    context = {"form": form, "masked_mobile": mask(mobile, SensitiveKind.MOBILE)}
    return render(request, "identity/register/password.html", context)


# ---- Real-name verification -----------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """实名认证: name and resident ID number against the population base data."""
    account: Any = request.user
    form = VerifyForm(request.POST or None)
    verified = account.verification_level >= VerificationLevel.REAL_NAME
    if request.method == "POST" and not verified and form.is_valid():
        try:
            services.verify_real_name(
                actor=account,
                account=account,
                name=form.cleaned_data["name"],
                id_number=form.cleaned_data["id_number"],
            )
        except DomainError as error:
            field = "name" if error.code == "real_name_mismatch" else "id_number"
            _error_to_form(form, error, field)
        else:
            request.session.pop(REGISTERING_KEY, None)
            messages.success(request, _("实名认证成功"))
            return redirect("identity:verify")
    context = {
        "form": form,
        "verified": verified,
        "registering": bool(request.session.get(REGISTERING_KEY)),
        "account": account,
    }
    return render(request, "identity/verify/verify.html", context)


# ---- Enterprises and agents -----------------------------------------------------------------


SCOPE_ALL = "all"
SCOPE_SOME = "some"


class AgentForm(forms.Form):
    mobile = required_text(
        gettext_lazy("经办人手机号码"), gettext_lazy("请输入经办人的手机号码。"), max_length=20
    )
    scope_kind = forms.ChoiceField(
        label=gettext_lazy("授权范围"),
        choices=[(SCOPE_ALL, gettext_lazy("全部事项")), (SCOPE_SOME, gettext_lazy("指定事项"))],
        error_messages={"required": gettext_lazy("请选择授权范围。")},
    )
    services = forms.CharField(label=gettext_lazy("事项编码"), max_length=2000, required=False)
    expires_on = forms.DateField(
        label=gettext_lazy("授权到期日期"),
        error_messages={
            "required": gettext_lazy("请输入授权到期日期。"),
            "invalid": gettext_lazy("请按“年-月-日”输入日期,例如 2027-06-30。"),
        },
    )

    def scope(self) -> list[str]:
        if self.cleaned_data["scope_kind"] == SCOPE_ALL:
            return ["*"]
        text = str(self.cleaned_data.get("services", ""))
        return text.replace(",", " ").replace("，", " ").replace("、", " ").split()


@signed_in
def entities(request: HttpRequest) -> HttpResponse:
    """The entities the account represents or acts for as an agent."""
    account: Any = request.user
    context = {
        "account": account,
        "verified": account.verification_level >= VerificationLevel.REAL_NAME,
        "represented": list(represented_entities(account)),
        "delegated": [
            e
            for e in services.entities_for(account)
            if e["credit_code"] not in {r.credit_code for r in represented_entities(account)}
        ],
    }
    return render(request, "identity/enterprise/entities.html", context)


@signed_in
@require_http_methods(["GET", "POST"])
def bind(request: HttpRequest) -> HttpResponse:
    """绑定企业: the legal representative binds their entity."""
    account: Any = request.user
    form = BindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entity = services.bind_entity(
                actor=account, account=account, credit_code=form.cleaned_data["credit_code"]
            )
        except DomainError as error:
            if error.code == "verification_required":
                return redirect("identity:verify")
            _error_to_form(form, error, "credit_code")
        else:
            messages.success(request, _("已绑定 %(name)s") % {"name": entity.name})
            return redirect("identity:entities")
    verified = account.verification_level >= VerificationLevel.REAL_NAME
    return render(request, "identity/enterprise/bind.html", {"form": form, "verified": verified})


@signed_in
def agents(request: HttpRequest, credit_code: str) -> HttpResponse:
    entity = get_represented_entity(request.user, credit_code)
    rows = [
        {
            "delegation": d,
            "name": mask(d.agent.display_name, SensitiveKind.TEXT),
            "mobile": mask(d.agent.mobile, SensitiveKind.MOBILE),
            "all": d.scope == ["*"],
            "last_day": timezone.localtime(d.expires_at - dt.timedelta(seconds=1)).date(),
        }
        for d in agent_delegations(entity)
    ]
    return render(request, "identity/enterprise/agents.html", {"entity": entity, "rows": rows})


@signed_in
@require_http_methods(["GET", "POST"])
def add_agent(request: HttpRequest, credit_code: str) -> HttpResponse:
    entity = get_represented_entity(request.user, credit_code)
    next_year = timezone.localdate() + dt.timedelta(days=365)
    initial = {"expires_on": next_year.isoformat(), "scope_kind": SCOPE_ALL}
    form = AgentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegate_agent(
                actor=request.user,
                entity=entity,
                agent_mobile=form.cleaned_data["mobile"],
                scope=form.scope(),
                expires_on=form.cleaned_data["expires_on"],
            )
        except DomainError as error:
            field = str(error.details.get("field") or "mobile")
            _error_to_form(form, error, "services" if field == "scope" else field)
        else:
            messages.success(request, _("已添加经办人"))
            return redirect("identity:agents", credit_code=entity.credit_code)
    return render(request, "identity/enterprise/add_agent.html", {"entity": entity, "form": form})


@signed_in
@require_http_methods(["GET", "POST"])
def revoke_agent(request: HttpRequest, credit_code: str, delegation_id: int) -> HttpResponse:
    """A confirmation page; the POST revokes at once."""
    entity = get_represented_entity(request.user, credit_code)
    delegation = get_delegation(entity, delegation_id)
    if request.method == "POST":
        services.revoke_delegation(actor=request.user, delegation=delegation)
        messages.success(request, _("已撤销该经办人的授权"))
        return redirect("identity:agents", credit_code=entity.credit_code)
    context = {
        "entity": entity,
        "delegation": delegation,
        "name": mask(delegation.agent.display_name, SensitiveKind.TEXT),
        "mobile": mask(delegation.agent.mobile, SensitiveKind.MOBILE),
    }
    return render(request, "identity/enterprise/revoke_agent.html", context)


class ActingForForm(forms.Form):
    credit_code = forms.CharField(max_length=30, required=False)


@signed_in
@require_http_methods(["GET", "POST"])
def acting_for(request: HttpRequest) -> HttpResponse:
    """以企业身份办事: choose to act for an entity, or personally."""
    account: Any = request.user
    form = ActingForForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["credit_code"]
        if code:
            try:
                acting = services.act_for_entity(request, actor=account, credit_code=code)
            except DomainError:  # not verified: nothing to act for yet
                return redirect("identity:verify")
            messages.success(request, _("您正在以 %(name)s 的身份办事") % {"name": acting["name"]})
        else:
            services.act_as_self(request, actor=account)
            messages.success(request, _("您正在以个人身份办事"))
        return redirect("identity:acting-for")
    context = {
        "account": account,
        "current": current_acting_for(request),
        "choices": services.entities_for(account),
    }
    return render(request, "identity/enterprise/acting_for.html", context)
