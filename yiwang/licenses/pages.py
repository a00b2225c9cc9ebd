"""What the licence pages read (view models): the holder's wallet, a licence's facts as its
document shows them, its versions and use log, the staff's licences and departments. Reads
only: every change goes through :mod:`yiwang.licenses.services`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import segno
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from yiwang.identity.services import enterprise
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department
from yiwang.licenses import permissions, rendering, services
from yiwang.licenses.errors import ErrorCode
from yiwang.licenses.models import (
    License,
    LicenseStatus,
    LicenseType,
    LicenseUse,
    LicenseUserDepartment,
    LicenseVersion,
)

STATUS_LABELS: dict[str, Any] = dict(LicenseStatus.choices)


# --- the holder's wallet -------------------------------------------------------------------


def wallet(request: HttpRequest) -> QuerySet[License]:
    """The licences the signed-in person holds (their own and their represented entities'),
    and, while they act for an entity as its agent, that entity's."""
    held = services.licenses_of_holder(request.user)
    acting = enterprise.current_acting_for(request)
    if acting:
        held = held | services.licenses_of_entity(acting["credit_code"])
    return held.select_related("license_type").order_by("-created_at", "-id").distinct()


def wallet_license(request: HttpRequest, license_id: int) -> License:
    """One licence of the wallet; any other is "not found" (404) as if it did not exist."""
    found: License | None = wallet(request).filter(pk=license_id).first()
    if found is None:
        raise DomainError(ErrorCode.LICENSE_NOT_FOUND, _("未找到该证照。"), status=404)
    return found


def can_show(user: Any, license: License) -> bool:
    """May ``user`` show the licence by a grant (亮证)? It must be theirs and valid."""
    return (
        services.licenses_of_holder(user).filter(pk=license.pk).exists()
        and services.effective_status(license) == LicenseStatus.VALID
    )


@dataclass
class Row:
    """One licence in a list."""

    license: License
    identifier: str
    status: str
    status_label: str
    valid_from: dt.date
    valid_until: dt.date | None
    showable: bool = False


def rows_of(licenses: list[License], showable: set[int] | None = None) -> list[Row]:
    rows = []
    for license in licenses:
        current = license.current()
        status = services.effective_status(license, current)
        rows.append(
            Row(
                license=license,
                identifier=current.identifier,
                status=status,
                status_label=str(STATUS_LABELS.get(status, status)),
                valid_from=current.valid_from,
                valid_until=current.valid_until,
                showable=showable is not None
                and license.pk in showable
                and status == LicenseStatus.VALID,
            )
        )
    return rows


def facts(license: License, version: LicenseVersion | None = None) -> list[tuple[str, str]]:
    """The labelled facts the licence document shows (ID numbers masked, as printed)."""
    current = version or license.current()
    document = rendering.Document(
        type_name=license.license_type.name,
        identifier=current.identifier,
        layout=list(license.license_type.layout or []),
        data=current.data,
        holder_kind=license.holder_kind,
        holder_name=license.holder_name,
        holder_id=license.holder_credit_code or license.holder_id_number,
        issuer_name=license.issuer_name,
        valid_from=current.valid_from.isoformat(),
        valid_until=current.valid_until.isoformat() if current.valid_until else "",
        version=current.version,
        qr="",
    )
    return list(rendering.rows(document))


def versions_of(license: License) -> list[LicenseVersion]:
    return list(license.versions.order_by("-version"))


def uses_of(license: License) -> list[LicenseUse]:
    return list(services.uses_of(license)[:200])


def status_changes(license: License) -> list[Any]:
    return list(license.status_changes.order_by("-at", "-id"))


def revocation_reason(identifier: str) -> str:
    """The reason given when the licence behind ``identifier`` was last suspended or revoked
    (shown on the public verification page: it is part of the public record)."""
    version = LicenseVersion.objects.filter(identifier=(identifier or "").strip().upper()).first()
    if version is None:
        return ""
    change = (
        version.license.status_changes.filter(
            to_status__in=[LicenseStatus.REVOKED, LicenseStatus.SUSPENDED]
        )
        .order_by("-at", "-id")
        .first()
    )
    if change is None or version.license.status == LicenseStatus.VALID:
        return ""
    return str(change.reason)


def qr_svg(text: str, title: str) -> SafeString:
    """A QR code as inline SVG (no request leaves the page; nothing for the CSP to block)."""
    svg = segno.make(text, error="m").svg_inline(scale=5, border=2, title=title)
    return mark_safe(svg)  # noqa: S308 - segno's own markup; it escapes the title


# --- staff ---------------------------------------------------------------------------------


def is_licence_staff(user: Any) -> bool:
    from yiwang.kernel.permissions import can

    return bool(getattr(user, "is_staff", False)) and any(
        can(user, action)
        for action in (
            permissions.ISSUE,
            permissions.USE,
            permissions.MANAGE_TYPES,
            permissions.VERIFY_DEPARTMENT,
        )
    )


def departments_for(user: Any, action: str) -> list[Department]:
    return list(Department.objects.filter(is_active=True).for_user(user, action).order_by("code"))


def staff_licenses(user: Any, q: str = "") -> QuerySet[License]:
    """The licences of the departments the clerk issues for, optionally searched by
    identifier or holder name."""
    from yiwang.kernel.permissions import restrict

    licenses = restrict(
        License.objects.select_related("license_type"),
        user,
        permissions.ISSUE,
        region_field="issuer_department__region__code",
        department_field="issuer_department_id",
    )
    q = (q or "").strip()
    if q:
        licenses = licenses.filter(
            Q(identifier_base__icontains=q)
            | Q(versions__identifier__iexact=q)
            | Q(holder_name__icontains=q)
            | Q(holder_credit_code__iexact=q)
        ).distinct()
    return licenses.order_by("-created_at", "-id")


def active_types() -> list[LicenseType]:
    return list(LicenseType.objects.filter(is_active=True).order_by("code"))


def user_departments() -> list[LicenseUserDepartment]:
    return list(LicenseUserDepartment.objects.select_related("department").order_by("-verified_at"))


def errors_of(exc: DomainError) -> list[dict[str, Any]]:
    """The service's per-field errors, or one error for the whole page."""
    errors = exc.details.get("errors") if isinstance(exc.details, dict) else None
    if errors:
        return [dict(e) for e in errors]
    return [{"field": "", "message": str(exc.message)}]


def authentic(license: License, version: LicenseVersion | None = None) -> bool:
    """Is the stored signature the issuer's over the stored data of this version? (What the
    verification checks, without writing a verification to the log.)"""
    from yiwang.licenses import signing

    current = version or license.current()
    return signing.signature_valid(
        current.signing_key,
        bytes.fromhex(current.signature),
        services._canonical_of(license, current),
    )


def shown(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The licences a clerk read by a grant, each with the facts its document shows and
    whether its signature holds."""
    by_id = {
        lic.pk: lic
        for lic in License.objects.select_related("license_type").filter(
            pk__in=[v["id"] for v in views]
        )
    }
    out = []
    for view in views:
        license = by_id[view["id"]]
        current = license.current()
        out.append(
            {
                **view,
                "status_label": STATUS_LABELS.get(view["status"], view["status"]),
                "facts": facts(license, current),
                "authentic": authentic(license, current),
            }
        )
    return out
