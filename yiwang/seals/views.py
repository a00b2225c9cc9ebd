"""Seal pages.

Staff, under ``/staff/seals/``: the seal register (the seals the caller may see, and those
they hold a use grant on), registering a seal, a seal's page (its image, certificates, state
with enable / suspend / revoke, who may use it, its standing authorisations, the use log with
refusals), and sealing a PDF with a seal one holds a grant on.

Public, at ``/verify/seal``: upload a PDF and read what each seal in it says.

Each form posts to a view that calls exactly one service; a refusal comes back in the error
summary and on the field it names. A seal out of the caller's sight is 404, as in the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.kernel import certs
from yiwang.kernel import pdf as kernel_pdf
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can, restrict
from yiwang.seals import forms, services
from yiwang.seals.api import get_sealable, visible_seals
from yiwang.seals.errors import ErrorCode
from yiwang.seals.models import Seal, SealPermission, SealStatus
from yiwang.seals.permissions import MANAGE

View = Callable[..., HttpResponse]
USE_LOG_ROWS = 50


def staff_page(view: View) -> View:
    """Signed-in staff only: anyone else is sent to sign in; a citizen gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_staff", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked: View = login_required(wrapped)
    return checked


def _managed_departments(user: Any) -> list[Department]:
    found = restrict(
        Department.objects.order_by("code"),
        user,
        MANAGE,
        region_field="region__code",
        department_field="id",
    )
    return list(found)


def _granted_seal_ids(user: Any) -> set[int]:
    return set(
        SealPermission.objects.filter(user=user, revoked_at=None).values_list("seal_id", flat=True)
    )


def _nav(user: Any, current: str) -> dict[str, Any]:
    return {"nav_current": current, "may_register": can(user, MANAGE)}


def _read_upload(upload: UploadedFile) -> bytes:
    """The uploaded bytes, refused with the seal's error when over the size limit."""
    limit = services.max_pdf_bytes()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            ErrorCode.PDF_TOO_LARGE,
            _("文件过大，不能超过%(size)s。") % {"size": _size(limit)},
            status=413,
        )
    if not data:
        raise DomainError(ErrorCode.PDF_INVALID, _("所选文件是空的。"), status=400)
    return bytes(data)


def _bound(request: HttpRequest) -> tuple[Any, Any]:
    """A form's data and files: bound on any POST, even an empty one."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{max(limit // 1024, 1)} KB"


# --- the register -----------------------------------------------------------------------------


@staff_page
def seal_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    granted = _granted_seal_ids(user)
    visible = {s.pk: s for s in visible_seals(user)}
    extra = Seal.objects.select_related("department").filter(pk__in=granted - set(visible))
    seals = sorted([*visible.values(), *extra], key=lambda s: (s.department.code, s.code))
    rows = [{"seal": s, "visible": s.pk in visible, "granted": s.pk in granted} for s in seals]
    context = {"rows": rows, **_nav(user, "list")}
    return render(request, "seals/list.html", context)


@staff_page
def seal_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    departments = _managed_departments(user)
    if not departments:
        raise PermissionDenied
    form = forms.RegisterForm(*_bound(request), departments=departments)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            department = next(d for d in departments if d.pk == data["department"])
            valid_until = None
            if data.get("valid_until"):
                valid_until = timezone.make_aware(
                    dt.datetime.combine(data["valid_until"], dt.time(23, 59, 59))
                )
            upload = data.get("image")
            try:
                seal = services.register_seal(
                    actor=user,
                    department=department,
                    name=data["name"],
                    kind=data["kind"],
                    image=upload.read(forms_image_limit()) if upload is not None else None,
                    valid_until=valid_until,
                    automatic_purposes=data.get("automatic_purposes") or [],
                )
            except DomainError as exc:
                if exc.code == ErrorCode.IMAGE_INVALID:
                    form.add_error("image", str(exc.message))
                else:
                    form.apply_error(exc)
                status = exc.status
            else:
                messages.success(
                    request, _("已登记印章“%(name)s”，编码 %(code)s。") % seal_words(seal)
                )
                return redirect("seals:detail", seal_id=seal.pk)
    context = {
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        **_nav(user, "new"),
    }
    return render(request, "seals/new.html", context, status=status)


def forms_image_limit() -> int:
    from yiwang.seals.images import MAX_UPLOAD

    return MAX_UPLOAD + 1


def seal_words(seal: Seal) -> dict[str, str]:
    return {"name": seal.name, "code": seal.code}


# --- a seal -----------------------------------------------------------------------------------


def _visible_or_404(user: Any, seal_id: int) -> Seal:
    seal = visible_seals(user).filter(pk=seal_id).first()
    if seal is None:
        raise Http404
    return seal


def _fingerprints(pem: str) -> dict[str, str]:
    der = certs.load(pem).dump()
    return {"sm3": certs.fingerprint(der), "sha256": hashlib.sha256(der).hexdigest()}


def _detail_context(
    request: HttpRequest, seal: Seal, bound: dict[str, forms.SealForm] | None = None
) -> dict[str, Any]:
    user: Any = request.user
    bound = bound or {}
    may_manage = can(user, MANAGE, department=seal.department)
    permissions = list(
        SealPermission.objects.filter(seal=seal, revoked_at=None)
        .select_related("user", "granted_by")
        .order_by("granted_at")
    )
    purposes_form = bound.get("automatic") or forms.PurposesForm(
        prefix="automatic", initial={"automatic_purposes": list(seal.automatic_purposes or [])}
    )
    summary: list[dict[str, str]] = []
    for form in bound.values():
        summary += form.summary()
    status = seal.status
    labels: dict[str, Any] = dict(SealStatus.choices)
    return {
        "seal": seal,
        "may_manage": may_manage,
        "may_use": any(p.user_id == user.pk for p in permissions),
        "sm2_fingerprints": _fingerprints(seal.sm2_certificate),
        "pades_fingerprints": _fingerprints(seal.pades_certificate),
        "purpose_labels": [forms.PURPOSE_LABELS.get(p, p) for p in (seal.automatic_purposes or [])],
        "history": [
            {
                "at": c.at,
                "from_label": labels.get(c.from_status, c.from_status),
                "to_label": labels.get(c.to_status, c.to_status),
                "actor": c.actor.get_username() if c.actor else "",
                "reason": c.reason,
            }
            for c in seal.status_changes.select_related("actor").order_by("-at", "-pk")
        ],
        "permissions": permissions,
        "uses": list(seal.uses.select_related("user")[:USE_LOG_ROWS]),
        "actions": {
            "enable": may_manage and status == SealStatus.SUSPENDED,
            "suspend": may_manage and status == SealStatus.ACTIVE,
            "revoke": may_manage and status != SealStatus.REVOKED,
        },
        "reason_form": bound.get("status") or forms.ReasonForm(prefix="status"),
        "grant_form": bound.get("grant") or forms.GrantForm(prefix="grant"),
        "keeper_form": bound.get("keeper") or forms.KeeperForm(prefix="keeper"),
        "purposes_form": purposes_form,
        "summary": summary,
        **_nav(user, "detail"),
    }


@staff_page
def seal_detail(request: HttpRequest, seal_id: int) -> HttpResponse:
    seal = _visible_or_404(request.user, seal_id)
    return render(request, "seals/detail.html", _detail_context(request, seal))


STATUS_ACTIONS = {"enable", "suspend", "revoke"}
ACTIONS = STATUS_ACTIONS | {"grant", "withdraw", "automatic", "keeper"}


def _staff_named(username: str) -> Any:
    user = (
        get_user_model()
        .objects.filter(username=username.strip(), is_staff=True, is_active=True)
        .first()
    )
    if user is None:
        raise DomainError(ErrorCode.INVALID, _("没有这名工作人员，请核对用户名。"), status=422)
    return user


@require_POST
@staff_page
def seal_action(request: HttpRequest, seal_id: int, action: str) -> HttpResponse:
    user: Any = request.user
    if action not in ACTIONS:
        raise Http404
    seal = _visible_or_404(user, seal_id)
    form: forms.SealForm
    if action in STATUS_ACTIONS:
        key, form = "status", forms.ReasonForm(request.POST, prefix="status")
    elif action == "grant":
        key, form = "grant", forms.GrantForm(request.POST, prefix="grant")
    elif action == "automatic":
        key, form = "automatic", forms.PurposesForm(request.POST, prefix="automatic")
    elif action == "keeper":
        key, form = "keeper", forms.KeeperForm(request.POST, prefix="keeper")
    else:
        key, form = "withdraw", forms.SealForm(request.POST)
    if not form.is_valid():
        return render(
            request, "seals/detail.html", _detail_context(request, seal, {key: form}), status=422
        )
    data = form.cleaned_data
    try:
        if action in STATUS_ACTIONS:
            services.change_status(
                actor=user, seal=seal, action=action, reason=data.get("reason", "")
            )
            message = {
                "enable": _("印章已启用。"),
                "suspend": _("印章已暂停使用。"),
                "revoke": _("印章已注销，其密钥已停用。注销前加盖的文件仍可查验。"),
            }[action]
        elif action == "grant":
            person = _staff_named(data["username"])
            services.grant_use(actor=user, seal=seal, user=person)
            message = _("已授权 %(user)s 使用本印章。") % {"user": person.get_username()}
        elif action == "keeper":
            person = _staff_named(data["username"])
            services.set_keeper(actor=user, seal=seal, keeper=person)
            message = _("保管人已改为 %(user)s。") % {"user": person.get_username()}
        elif action == "automatic":
            services.set_automatic_purposes(
                actor=user, seal=seal, purposes=list(data.get("automatic_purposes") or [])
            )
            message = _("已保存自动用章事项。")
        else:
            raw = request.POST.get("user", "")
            person = get_user_model().objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            if person is None:
                raise Http404
            services.withdraw_use(actor=user, seal=seal, user=person)
            message = _("已撤回 %(user)s 的用章授权。") % {"user": person.get_username()}
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        form.apply_error(exc)
        fresh = _visible_or_404(user, seal_id)
        context = _detail_context(request, fresh, {key: form})
        return render(request, "seals/detail.html", context, status=exc.status)
    messages.success(request, message)
    return redirect("seals:detail", seal_id=seal.pk)


# --- sealing a document -----------------------------------------------------------------------


@staff_page
def seal_document(request: HttpRequest, seal_id: int) -> HttpResponse:
    """Upload a PDF, have it sealed, get the sealed PDF back as a download."""
    user: Any = request.user
    try:
        seal = get_sealable(user, seal_id)
    except DomainError:
        raise Http404 from None
    form = forms.SealDocumentForm(*_bound(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                sealed = services.seal_pdf(
                    _read_upload(upload),
                    actor=user,
                    seal=seal,
                    purpose="manual",
                    reference=form.cleaned_data.get("reference", ""),
                    fmt=form.cleaned_data["format"],
                )
            except DomainError as exc:
                form.apply_error(exc)
                status = exc.status
            else:
                stem = (upload.name or "document.pdf").rsplit(".", 1)[0]
                response = HttpResponse(sealed, content_type="application/pdf")
                response["Content-Disposition"] = kernel_pdf.attachment(
                    _("%(name)s-已盖章.pdf") % {"name": stem}, "sealed.pdf"
                )
                return response
    context = {
        "seal": seal,
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "permitted": SealPermission.objects.filter(seal=seal, user=user, revoked_at=None).exists(),
        "usable": seal.status == SealStatus.ACTIVE,
        "max_size": _size(services.max_pdf_bytes()),
        **_nav(user, "seal"),
    }
    return render(request, "seals/seal_document.html", context, status=status)


# --- public verification ----------------------------------------------------------------------


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone: upload a PDF and read, for each seal in it, whether it can be trusted."""
    form = forms.VerifyForm(*_bound(request))
    report = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            actor = request.user if request.user.is_authenticated else None
            try:
                report = services.verify_pdf(_read_upload(form.cleaned_data["file"]), actor=actor)
            except DomainError as exc:
                form.apply_error(exc)
                status = exc.status
            else:
                status = 200
    context = {
        "form": form,
        "summary": form.summary() if form.is_bound and form.errors else [],
        "report": report,
        "file_name": form.cleaned_data["file"].name if report is not None else "",
        "max_size": _size(services.max_pdf_bytes()),
    }
    return render(request, "seals/verify.html", context, status=status)
