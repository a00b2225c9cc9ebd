"""The holder's licence pages (我的证照) and the public verification page.

* ``me/licenses/``: the wallet, as a person and for the entities one represents or acts for;
  tick licences and make a one-time code to show them (亮证).
* ``me/licenses/<id>/``: the licence as its document shows it, its versions and its use log,
  the PDF download (every download is a use).
* ``me/licenses/show/<grant>/``: the one-time QR code and short code.
* ``verify/license/``: anyone checks a licence by its identifier, QR content or PDF.

A licence that is not the caller's is 404, as if it did not exist."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yiwang.identity.services import enterprise
from yiwang.kernel import pdf, ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.licenses import pages, services
from yiwang.licenses.errors import ErrorCode
from yiwang.licenses.forms import VerifyFileForm, VerifyForm
from yiwang.licenses.models import License, LicenseGrant

signed_in = login_required(login_url=reverse_lazy("identity:login"))

#: Where the session keeps the token and short code of the grants it made (only the hashes
#: are stored in the database, so the QR page can be shown again only in this session).
GRANTS_KEY = "licenses:grants"


def _license_or_404(request: HttpRequest, license_id: int) -> License:
    try:
        return pages.wallet_license(request, license_id)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc


# --- the wallet ----------------------------------------------------------------------------


def _wallet_page(
    request: HttpRequest, summary: list[dict[str, str]] | None = None, status: int = 200
) -> HttpResponse:
    licenses = list(pages.wallet(request))
    mine = set(
        services.licenses_of_holder(request.user)
        .filter(pk__in=[lic.pk for lic in licenses])
        .values_list("pk", flat=True)
    )
    rows = pages.rows_of(licenses, showable=mine)
    context = {
        "rows": rows,
        "showable": any(row.showable for row in rows),
        "acting": enterprise.current_acting_for(request),
        "summary": summary or [],
    }
    return render(request, "licenses/wallet.html", context, status=status)


@signed_in
@require_safe
def wallet(request: HttpRequest) -> HttpResponse:
    """我的证照."""
    return _wallet_page(request)


@signed_in
@require_safe
def license_page(request: HttpRequest, license_id: int) -> HttpResponse:
    license = _license_or_404(request, license_id)
    current = license.current()
    status = services.effective_status(license, current)
    context = {
        "license": license,
        "current": current,
        "status": status,
        "status_label": pages.STATUS_LABELS.get(status, status),
        "facts": pages.facts(license, current),
        "versions": pages.versions_of(license),
        "uses": pages.uses_of(license),
        "changes": pages.status_changes(license),
        "showable": pages.can_show(request.user, license),
    }
    return render(request, "licenses/license.html", context)


@signed_in
@require_safe
def download(request: HttpRequest, license_id: int) -> FileResponse:
    """The licence document; the download is written to the use log."""
    license = _license_or_404(request, license_id)
    content, record = services.pdf_of(license)
    services.record_download(actor=request.user, license=license)
    identifier = license.current().identifier
    response = FileResponse(io.BytesIO(content), content_type="application/pdf")
    response["Content-Disposition"] = pdf.attachment(
        f"{license.license_type.name}-{identifier}.pdf", f"licence-{identifier}.pdf"
    )
    response["Content-Length"] = str(record.size)
    response["Cache-Control"] = "private, no-store"
    return response


# --- showing licences (亮证) ---------------------------------------------------------------


@signed_in
@require_POST
def show(request: HttpRequest) -> HttpResponse:
    """Make a one-time code for the ticked licences."""
    ids = [int(v) for v in request.POST.getlist("license") if v.isdigit()]
    if not ids:
        message = _("请选择要出示的证照。")
        return _wallet_page(request, [{"href": "#licenses", "message": message}], status=422)
    try:
        grant, token, short_code = services.create_grant(actor=request.user, license_ids=ids)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from exc
        return _wallet_page(
            request, [{"href": "#licenses", "message": str(exc.message)}], status=exc.status
        )
    grants = dict(request.session.get(GRANTS_KEY) or {})
    # Keep the last few only: the session is no store.
    kept = dict(list(grants.items())[-4:])
    kept[str(grant.pk)] = {"token": token, "code": short_code}
    request.session[GRANTS_KEY] = kept
    return redirect("licenses:grant", grant_id=grant.pk)


@signed_in
@require_safe
def grant_page(request: HttpRequest, grant_id: int) -> HttpResponse:
    user: Any = request.user
    grant: LicenseGrant | None = LicenseGrant.objects.filter(
        pk=grant_id, holder_user_id=user.pk
    ).first()
    if grant is None:
        raise Http404
    secret = (request.session.get(GRANTS_KEY) or {}).get(str(grant.pk))
    now = timezone.now()
    expired = grant.expires_at <= now
    live = grant.used_at is None and not expired and secret is not None
    licenses = list(grant.licenses.select_related("license_type").order_by("pk"))
    context: dict[str, Any] = {
        "grant": grant,
        "licenses": licenses,
        "used": grant.used_at is not None,
        "expired": expired and grant.used_at is None,
        "live": live,
        "minutes": max(1, round((grant.expires_at - grant.created_at).total_seconds() / 60)),
    }
    if live and secret is not None:
        context["short_code"] = secret["code"]
        context["qr"] = pages.qr_svg(secret["token"], _("亮证码"))
        context["token"] = secret["token"]
    return render(request, "licenses/grant.html", context)


# --- public verification -------------------------------------------------------------------


def _ip(request: HttpRequest) -> str:
    from yiwang.kernel import context as request_context

    return request_context.current().source_ip or request.META.get("REMOTE_ADDR", "") or "?"


def _verify(request: HttpRequest, text: str) -> services.VerificationResult:
    actor = request.user if request.user.is_authenticated else None
    text = text.strip()
    if text.upper().startswith("YWL1.") or text.lower().startswith(("http://", "https://")):
        return services.verify_qr(text, actor=actor)
    return services.verify_identifier(text, actor=actor)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """证照核验: is this licence authentic, and is it current? Shows only what the document
    shows."""
    form = VerifyForm(request.POST if "text" in request.POST else None)
    file_form = VerifyFileForm(
        request.POST if "text" not in request.POST and request.method == "POST" else None,
        request.FILES or None,
    )
    result: services.VerificationResult | None = None
    file_result: services.FileVerification | None = None
    summary: list[dict[str, str]] = []
    status = 200
    try:
        if request.method == "GET" and request.GET.get("qr"):
            # A phone scanned the licence's QR code: its link carries the payload.
            ratelimit.hit(
                "licenses-verify", _ip(request), limit=services.VERIFY_LIMIT, window_seconds=600
            )
            actor = request.user if request.user.is_authenticated else None
            result = services.verify_qr(request.GET["qr"], actor=actor)
        elif request.method == "POST" and "text" in request.POST:
            if form.is_valid() and form.cleaned_data["text"].strip():
                ratelimit.hit(
                    "licenses-verify", _ip(request), limit=services.VERIFY_LIMIT, window_seconds=600
                )
                result = _verify(request, form.cleaned_data["text"])
            else:
                form.add_error("text", _("请输入证照标识或二维码内容。"))
                summary = [{"href": "#id_text", "message": _("请输入证照标识或二维码内容。")}]
                status = 422
        elif request.method == "POST":
            if file_form.is_valid():
                upload = file_form.cleaned_data["file"]
                content = upload.read(services.PDF_MAX_BYTES + 1)
                if len(content) > services.PDF_MAX_BYTES or not content.startswith(b"%PDF-"):
                    raise DomainError(
                        ErrorCode.PDF_UNREADABLE,
                        _("请上传不超过 20 MB 的 PDF 文件。"),
                        status=422,
                    )
                ratelimit.hit(
                    "licenses-verify", _ip(request), limit=services.VERIFY_LIMIT, window_seconds=600
                )
                actor = request.user if request.user.is_authenticated else None
                file_result = services.verify_file(content, actor=actor)
                result = file_result.licence
            else:
                summary = [{"href": "#id_file", "message": _("请选择证照 PDF 文件。")}]
                status = 422
    except DomainError as exc:
        summary = [
            {"href": "#verify-file" if request.FILES else "#id_text", "message": str(exc.message)}
        ]
        status = exc.status
    context = {
        "form": form,
        "file_form": file_form,
        "result": result,
        "file_result": file_result,
        "status_label": pages.STATUS_LABELS.get(result.status, "") if result else "",
        "reason": pages.revocation_reason(result.identifier) if result else "",
        "summary": summary,
    }
    return render(request, "licenses/verify.html", context, status=status)
