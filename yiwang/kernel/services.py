"""Kernel services: the only code that changes kernel state. Each is one transaction and
writes the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError, ErrorCode, ImportRefused
from yiwang.kernel.keystore import key_store
from yiwang.kernel.models import (
    LEVEL_BY_LENGTH,
    CalendarOverride,
    Department,
    Region,
    Role,
    RoleAssignment,
    SigningKey,
)
from yiwang.kernel.permissions import forget_roles
from yiwang.kernel.validators import validate_credit_code, validate_region_code


@dataclass(frozen=True)
class RegionImport:
    created: int
    updated: int
    unchanged: int


_PARENT_LENGTH = {4: 2, 6: 4, 9: 6, 12: 9}


RegionSource = IO[str] | IO[bytes] | str | bytes


def _read_region_rows(source: RegionSource) -> list[dict[str, str]]:
    raw = source if isinstance(source, str | bytes) else source.read()
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ImportRefused(
            ErrorCode.REGION_CSV_MALFORMED,
            [
                {
                    "line": 0,
                    "code": str(ErrorCode.REGION_CSV_MALFORMED),
                    "message": _("文件不是 UTF-8 编码的 CSV。"),
                }
            ],
        ) from None
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"code", "name"} <= set(reader.fieldnames):
        raise ImportRefused(
            ErrorCode.REGION_CSV_MALFORMED,
            [
                {
                    "line": 1,
                    "code": str(ErrorCode.REGION_CSV_MALFORMED),
                    "message": _("第一行必须是表头,至少包含 code 和 name 两列。"),
                }
            ],
        )
    return list(reader)


@transaction.atomic
def import_regions(source: RegionSource, *, actor: Any) -> RegionImport:
    """Import regions from CSV (``code,name[,level][,parent_code]``), all or nothing.

    Every bad line is reported at once (bad code, wrong level, unknown or mismatching parent,
    duplicate); if there is any, nothing is written.
    """
    rows = _read_region_rows(source)
    errors: list[dict[str, Any]] = []

    def bad(line: int, code: ErrorCode, message: str, **extra: Any) -> None:
        errors.append({"line": line, "code": str(code), "message": message, **extra})

    parsed: dict[str, tuple[str, str, str | None]] = {}
    line_of: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        raw_code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        try:
            code = validate_region_code(raw_code)
        except DomainError as exc:
            bad(line, ErrorCode(exc.code), str(exc.message), value=raw_code)
            continue
        if code in parsed:
            bad(
                line,
                ErrorCode.REGION_DUPLICATE,
                _("代码 %(code)s 重复出现。") % {"code": code},
                value=raw_code,
            )
            continue
        if not name:
            bad(line, ErrorCode.REGION_CSV_MALFORMED, _("名称不能为空。"), value=raw_code)
            continue
        level = LEVEL_BY_LENGTH[len(code)]
        given_level = (row.get("level") or "").strip()
        if given_level and given_level != level:
            bad(
                line,
                ErrorCode.REGION_LEVEL_MISMATCH,
                _("代码 %(code)s 的层级应为 %(level)s,而不是 %(given)s。")
                % {"code": code, "level": level, "given": given_level},
                value=raw_code,
            )
            continue
        parent = code[: _PARENT_LENGTH[len(code)]] if len(code) > 2 else None
        given_parent = (row.get("parent_code") or "").strip()
        if given_parent:
            try:
                given_parent = validate_region_code(given_parent)
            except DomainError:
                given_parent = "?" + given_parent
            if given_parent != parent:
                bad(
                    line,
                    ErrorCode.REGION_PARENT_MISMATCH,
                    _("代码 %(code)s 的上级应为 %(parent)s。")
                    % {"code": code, "parent": parent or "-"},
                    value=raw_code,
                )
                continue
        parsed[code] = (name, level, parent)
        line_of[code] = line

    existing = dict(
        Region.objects.filter(
            code__in=[p for _n, _l, p in parsed.values() if p] + list(parsed)
        ).values_list("code", "name")
    )
    for code, (_name, _level, parent) in parsed.items():
        if parent and parent not in parsed and parent not in existing:
            bad(
                line_of[code],
                ErrorCode.REGION_PARENT_UNKNOWN,
                _("代码 %(code)s 的上级 %(parent)s 不存在。") % {"code": code, "parent": parent},
                value=code,
            )
    if errors:
        errors.sort(key=lambda e: e["line"])
        raise ImportRefused(ErrorCode(errors[0]["code"]), errors)

    created = updated = unchanged = 0
    for code in sorted(parsed, key=len):
        name, level, parent = parsed[code]
        if code not in existing:
            Region.objects.create(code=code, name=name, level=level, parent_id=parent)
            created += 1
        elif existing[code] != name:
            Region.objects.filter(code=code).update(name=name)
            updated += 1
        else:
            unchanged += 1
    result = RegionImport(created, updated, unchanged)
    audit.record(
        "kernel.regions_imported",
        actor=actor,
        target_type="kernel.region",
        details={"created": created, "updated": updated, "unchanged": unchanged},
    )
    return result


@transaction.atomic
def create_department(
    *, actor: Any, code: str, name: str, region: Region, credit_code: str = ""
) -> Department:
    if credit_code:
        credit_code = validate_credit_code(credit_code)
    if Department.objects.filter(code=code).exists():
        raise DomainError(
            ErrorCode.DEPARTMENT_DUPLICATE,
            _("部门编码 %(code)s 已存在。") % {"code": code},
            status=409,
        )
    department = Department.objects.create(
        code=code, name=name, region=region, credit_code=credit_code
    )
    audit.record(
        "kernel.department_created",
        actor=actor,
        target=department,
        details={"code": code, "name": name, "region": region.code},
    )
    return department


@transaction.atomic
def assign_role(
    *,
    actor: Any,
    user: Any,
    role: Role | str,
    region: Region,
    department: Department | None = None,
) -> RoleAssignment:
    """Give ``user`` a role in a region (or in one department of it). Idempotent."""
    role = Role(role)
    if department is not None and department.region_id != region.code:
        region = department.region
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, department=department
    )
    if created:
        audit.record(
            "kernel.role_assigned",
            actor=actor,
            target=assignment,
            details={
                "user": user.pk,
                "role": str(role),
                "region": region.code,
                "department": department.pk if department else None,
            },
        )
    forget_roles(user)
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment) -> None:
    details = {
        "user": assignment.user_id,
        "role": assignment.role,
        "region": assignment.region_id,
        "department": assignment.department_id,
    }
    audit.record("kernel.role_revoked", actor=actor, target=assignment, details=details)
    assignment.delete()
    forget_roles(assignment.user)


@transaction.atomic
def set_calendar_override(
    *, actor: Any, date: dt.date, is_workday: bool, reason: str
) -> CalendarOverride:
    override, _created = CalendarOverride.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "reason": reason}
    )
    audit.record(
        "kernel.calendar_override_set",
        actor=actor,
        target=override,
        details={"date": date.isoformat(), "is_workday": is_workday, "reason": reason},
    )
    return override


def roles_of(user: Any) -> list[RoleAssignment]:
    """The user's role assignments, with region and department, for display."""
    return list(
        RoleAssignment.objects.filter(user=user)
        .select_related("region", "department")
        .order_by("role")
    )


@transaction.atomic
def create_signing_key(
    *, actor: Any, owner_type: str, owner_id: str, algorithm: str = "sm2"
) -> SigningKey:
    """A new key pair for an owner (a seal, an issuer), made and kept by the configured key
    store; the row carries the public key only in clear. ``algorithm``: ``"sm2"`` or
    ``"ecdsa-p256"`` (for PAdES)."""
    key = key_store().generate(owner_type=owner_type, owner_id=owner_id, algorithm=algorithm)
    audit.record(
        "kernel.signing_key_created",
        actor=actor,
        target=key,
        details={
            "owner_type": owner_type,
            "owner_id": owner_id,
            "algorithm": key.algorithm,
            "fingerprint": key.fingerprint,
            "store": key.store,
        },
    )
    return key


@transaction.atomic
def disable_signing_key(*, actor: Any, key: SigningKey) -> SigningKey:
    """Stop a key signing, for good; what it signed still verifies with its public key."""
    if key.disabled_at is None:
        key.disabled_at = timezone.now()
        key.save(update_fields=["disabled_at"])
        audit.record(
            "kernel.signing_key_disabled",
            actor=actor,
            target=key,
            details={
                "owner_type": key.owner_type,
                "owner_id": key.owner_id,
                "fingerprint": key.fingerprint,
            },
        )
    return key
