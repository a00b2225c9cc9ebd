"""E-licence services: the only code that changes licence state.

Issuing (a clerk, the ``cases.completed`` subscriber, a bulk import of paper licences), the
lifecycle (suspend, resume, revoke, change, expire), verification (QR, typed identifier,
uploaded file), the holder's wallet and grants (亮证), and paperless materials (免提交) for
the cases module. Every write is atomic, audited, and emits an event where another module
may care.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any, Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.kernel import audit, events, files, ratelimit
from yiwang.kernel.crypto import blind_index
from yiwang.kernel.errors import DomainError, ImportRefused
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.fields import SensitiveKind, lookup, mask
from yiwang.kernel.models import BaseLegalEntity, Department, StoredFile
from yiwang.kernel.permissions import can
from yiwang.kernel.validators import validate_credit_code, validate_id_number
from yiwang.licenses import identifiers, permissions, rendering, signing
from yiwang.licenses.errors import ErrorCode
from yiwang.licenses.models import (
    HolderKind,
    License,
    LicenseCounter,
    LicenseGrant,
    LicenseStatus,
    LicenseStatusChange,
    LicenseType,
    LicenseUse,
    LicenseUserDepartment,
    LicenseVersion,
    UseVia,
)

#: ``valid_until`` computed from the licence type's validity rule.
RULE: Literal["rule"] = "rule"
ValidUntil = dt.date | None | Literal["rule"]

PDF_MAX_BYTES = 20 * 1024 * 1024
#: Redemptions a clerk may try in ten minutes (short codes are 8 digits: no guessing).
REDEEM_LIMIT = 30


# --- helpers -------------------------------------------------------------------------------


def _is_user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _not_found() -> DomainError:
    return DomainError(ErrorCode.LICENSE_NOT_FOUND, _("未找到该证照。"), status=404)


def _denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _invalid(code: ErrorCode, errors: list[dict[str, Any]]) -> DomainError:
    return DomainError(code, errors[0]["message"], status=422, errors=errors)


def _require(actor: Any, action: str, department: Department | None = None) -> None:
    """Staff actors must hold ``action`` (in ``department``); system actors (a label such as
    ``"system"``, an event handler) act for the platform itself."""
    if isinstance(actor, str) or actor is None:
        return
    if not can(actor, action, department=department):
        raise _denied()


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            ErrorCode.REASON_REQUIRED,
            _("请填写原因。"),
            status=422,
            errors=[{"field": "reason", "code": "required", "message": _("请填写原因。")}],
        )
    return reason


def today() -> dt.date:
    return timezone.localdate()


def _department(code: str) -> Department:
    department: Department | None = Department.objects.filter(code=code, is_active=True).first()
    if department is None:
        raise DomainError(
            ErrorCode.ISSUER_UNKNOWN,
            _("部门不存在:%(code)s") % {"code": code},
            status=422,
            errors=[{"field": "department_code", "code": "unknown", "message": _("部门不存在。")}],
        )
    return department


def _grant_minutes() -> int:
    return int(getattr(settings, "YIWANG_LICENSE_GRANT_MINUTES", 5))


# --- licence types -------------------------------------------------------------------------


def get_type(code: str) -> LicenseType:
    found: LicenseType | None = LicenseType.objects.filter(code=code).first()
    if found is None:
        raise DomainError(
            ErrorCode.TYPE_NOT_FOUND, _("证照类型不存在:%(code)s") % {"code": code}, status=404
        )
    return found


_TYPE_CODE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def _type_errors(
    code: str, identifier_code: str, fields_schema: dict[str, Any], layout: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    from jsonschema import Draft202012Validator, SchemaError

    errors = []
    if not _TYPE_CODE.match(code):
        errors.append(
            {
                "field": "code",
                "code": "format",
                "message": _("证照类型编码只能由字母、数字和下划线组成(不超过64位)。"),
            }
        )
    if not identifiers.is_code(identifier_code):
        errors.append(
            {
                "field": "identifier_code",
                "code": "format",
                "message": _("证照类型代码只能由大写字母和数字组成(不超过32位)。"),
            }
        )
    try:
        Draft202012Validator.check_schema(fields_schema)
    except SchemaError as exc:
        errors.append(
            {
                "field": "fields_schema",
                "code": "schema_invalid",
                "message": _("照面信息结构不是有效的 JSON Schema:%(e)s") % {"e": exc.message},
            }
        )
    properties = fields_schema.get("properties", {}) if isinstance(fields_schema, dict) else {}
    for n, row in enumerate(layout):
        if not isinstance(row, dict) or not row.get("field") or not row.get("label"):
            errors.append(
                {
                    "field": f"layout/{n}",
                    "code": "row_invalid",
                    "message": _("照面布局第 %(n)d 行应包含字段和标签。") % {"n": n + 1},
                }
            )
        elif properties and row["field"] not in properties:
            errors.append(
                {
                    "field": f"layout/{n}",
                    "code": "field_unknown",
                    "message": _("照面布局第 %(n)d 行的字段不在照面信息结构中:%(f)s")
                    % {"n": n + 1, "f": row["field"]},
                }
            )
    return errors


@transaction.atomic
def create_type(
    *,
    actor: Any,
    code: str,
    name: str,
    fields_schema: dict[str, Any],
    layout: list[dict[str, Any]],
    identifier_code: str = "",
    holder_kind: str = HolderKind.EITHER,
    validity_years: int | None = None,
    validity_days: int | None = None,
    issuing_department_kind: str = "",
    description: str = "",
) -> LicenseType:
    """Add a licence type to the catalogue (platform administrators). ``code`` is the
    catalogue's key (what service items and materials name); ``identifier_code`` the type's
    segment of identifiers (letters and digits; by default ``code`` upper-cased)."""
    _require(actor, permissions.MANAGE_TYPES)
    code = (code or "").strip()
    identifier_code = (identifier_code or code).strip().upper()
    errors = _type_errors(code, identifier_code, fields_schema, layout)
    if errors:
        raise _invalid(ErrorCode.TYPE_INVALID, errors)
    duplicate = Q(code=code) | Q(identifier_code=identifier_code)
    if LicenseType.objects.filter(duplicate).exists():
        raise DomainError(
            ErrorCode.TYPE_DUPLICATE,
            _("证照类型编码或代码已存在:%(code)s") % {"code": code},
            status=409,
        )
    license_type = LicenseType.objects.create(
        code=code,
        identifier_code=identifier_code,
        name=name.strip(),
        fields_schema=fields_schema,
        layout=layout,
        holder_kind=HolderKind(holder_kind),
        validity_years=validity_years,
        validity_days=validity_days,
        issuing_department_kind=issuing_department_kind,
        description=description,
    )
    audit.record("licenses.type_created", actor=actor, target=license_type, details={"code": code})
    return license_type


# --- issuing -------------------------------------------------------------------------------


#: Public verifications per address per 10 minutes, the page and the API together.
VERIFY_LIMIT = 120


def _valid_until(license_type: LicenseType, valid_from: dt.date) -> dt.date | None:
    if license_type.validity_years:
        try:
            end = valid_from.replace(year=valid_from.year + license_type.validity_years)
        except ValueError:  # from 29 February: the years end with February's last day
            end = valid_from.replace(
                year=valid_from.year + license_type.validity_years, month=3, day=1
            )
        return end - dt.timedelta(days=1)
    if license_type.validity_days:
        return valid_from + dt.timedelta(days=license_type.validity_days - 1)
    return None


def _next_serial(type_code: str, issuer_code: str) -> int:
    """The next serial of (type, issuer): the counter row is locked until the transaction
    ends, so two issues never share one."""
    try:
        with transaction.atomic():
            LicenseCounter.objects.get_or_create(type_code=type_code, issuer_code=issuer_code)
    except IntegrityError:  # created concurrently: it exists now
        pass
    counter = LicenseCounter.objects.select_for_update().get(
        type_code=type_code, issuer_code=issuer_code
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def data_errors(license_type: LicenseType, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The licence data's errors against its type's JSON Schema, each at ``data/<field>``
    with a message a person understands (the cases module's form messages)."""
    from yiwang.cases.services import validate_form

    errors = validate_form(license_type.fields_schema, data)
    for error in errors:
        error["field"] = "data" + error["field"][len("form") :]
    return errors


@dataclass(frozen=True)
class Holder:
    kind: str
    name: str
    id_number: str = ""
    credit_code: str = ""
    user_id: int | None = None


def _holder_errors(
    license_type: LicenseType, holder: Holder
) -> tuple[Holder, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []

    def bad(field_name: str, code: str, message: str) -> None:
        errors.append({"field": field_name, "code": code, "message": message})

    kind = holder.kind
    if kind not in (HolderKind.PERSON, HolderKind.ENTITY):
        bad("holder_kind", "invalid", _("持证主体类型应为自然人或法人。"))
    elif license_type.holder_kind not in (HolderKind.EITHER, kind):
        bad(
            "holder_kind",
            "not_allowed",
            _("该证照只能发给%(kind)s。") % {"kind": HolderKind(license_type.holder_kind).label},
        )
    if not holder.name.strip():
        bad("holder_name", "required", _("请填写持证主体名称。"))
    id_number, credit_code = holder.id_number, holder.credit_code
    if kind == HolderKind.PERSON:
        try:
            id_number = validate_id_number(holder.id_number)
        except DomainError as exc:
            bad("holder_id_number", str(exc.code), str(exc.message))
        credit_code = ""
    elif kind == HolderKind.ENTITY:
        try:
            credit_code = validate_credit_code(holder.credit_code)
        except DomainError as exc:
            bad("holder_credit_code", str(exc.code), str(exc.message))
        id_number = ""
    clean = Holder(
        kind=kind,
        name=holder.name.strip(),
        id_number=id_number,
        credit_code=credit_code,
        user_id=holder.user_id if kind == HolderKind.PERSON else None,
    )
    return clean, errors


def _seal(pdf_bytes: bytes, *, department_code: str, reference: str) -> bytes:
    """The PDF sealed with the seal the issuing department authorised for automatic use on
    licences (the system seals on the department's standing authorisation, whoever issues);
    unchanged when it has none: the SM2 signature behind the QR still proves the licence."""
    from yiwang.seals import services as seals

    return seals.seal_for_department(
        pdf_bytes, department_code=department_code, purpose="licenses.issue", reference=reference
    )


def canonical_of(license: License, version: LicenseVersion) -> bytes:
    """The canonical bytes a version's signature covers, recomputed from what is stored."""
    return signing.canonical(
        identifier=version.identifier,
        type_code=license.license_type.code,
        issuer_code=license.issuer_code,
        holder_kind=license.holder_kind,
        holder_name=license.holder_name,
        holder_id=license.holder_credit_code or license.holder_id_number,
        data=version.data,
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        version=version.version,
    )


#: Kept for callers written before the name was public.
_canonical_of = canonical_of


def signature_intact(license: License, version: LicenseVersion | None = None) -> bool:
    """Does the version's stored signature still cover its stored data (nothing altered)?"""
    current = version or license.current()
    return signing.signature_valid(
        current.signing_key, bytes.fromhex(current.signature), canonical_of(license, current)
    )


def _new_version(
    *,
    actor: Any,
    license: License,
    number: int,
    data: dict[str, Any],
    valid_from: dt.date,
    valid_until: dt.date | None,
    reason: str,
) -> LicenseVersion:
    """Sign, render, seal and store one version of a licence."""
    key = signing.issuer_key(actor=actor, department_code=license.issuer_department_code)
    version = LicenseVersion(
        license=license,
        version=number,
        identifier=identifiers.full(license.identifier_base, number),
        data=data,
        valid_from=valid_from,
        valid_until=valid_until,
        signing_key=key,
        issued_at=timezone.now(),
        reason=reason,
    )
    canonical_bytes = canonical_of(license, version)
    version.digest = signing.digest(canonical_bytes)
    version.signature = signing.sign(key, canonical_bytes)
    document = rendering.Document(
        type_name=license.license_type.name,
        identifier=version.identifier,
        layout=list(license.license_type.layout or []),
        data=data,
        holder_kind=license.holder_kind,
        holder_name=license.holder_name,
        holder_id=license.holder_credit_code or license.holder_id_number,
        issuer_name=license.issuer_name,
        valid_from=valid_from.isoformat(),
        valid_until=valid_until.isoformat() if valid_until else "",
        version=number,
        qr=signing.qr_payload(version.identifier, version.signature),
    )
    unsealed = rendering.render(document)
    pdf_bytes = _seal(
        unsealed,
        department_code=license.issuer_department_code,
        reference=version.identifier,
    )
    version.sealed = pdf_bytes != unsealed
    version.pdf = files.store_file(
        io.BytesIO(pdf_bytes),
        name=f"{version.identifier}.pdf",
        actor=actor,
        max_bytes=PDF_MAX_BYTES,
        allowed_types=["application/pdf"],
    )
    version.save()
    return version


def _issue(
    *,
    actor: Any,
    license_type: LicenseType,
    department: Department,
    holder: Holder,
    data: dict[str, Any],
    valid_from: dt.date,
    valid_until: ValidUntil,
    case_no: str,
    case_id: int | None,
    source: str,
) -> License:
    issuer = identifiers.issuer_code(department.code, department.credit_code)
    serial = _next_serial(license_type.identifier_code, issuer)
    license = License.objects.create(
        identifier_base=identifiers.base(license_type.identifier_code, issuer, serial),
        license_type=license_type,
        issuer_department=department,
        issuer_code=issuer,
        issuer_department_code=department.code,
        issuer_name=department.name,
        holder_kind=holder.kind,
        holder_name=holder.name,
        holder_id_number=holder.id_number,
        holder_credit_code=holder.credit_code,
        holder_user_id=holder.user_id,
        version=1,
        case_no=case_no,
        case_id=case_id,
    )
    until = _valid_until(license_type, valid_from) if isinstance(valid_until, str) else valid_until
    version = _new_version(
        actor=actor,
        license=license,
        number=1,
        data=data,
        valid_from=valid_from,
        valid_until=until,
        reason="",
    )
    audit.record(
        "licenses.issued",
        actor=actor,
        target=license,
        details={
            "identifier": version.identifier,
            "type_code": license_type.code,
            "department": department.code,
            "holder_kind": holder.kind,
            "case_no": case_no,
            "source": source,
        },
    )
    events.emit(
        "licenses.issued",
        {
            "license_id": license.pk,
            "identifier": version.identifier,
            "type_code": license_type.code,
            "department": department.code,
            "holder_kind": holder.kind,
            "holder_user_id": holder.user_id,
            "holder_credit_code": holder.credit_code,
            "case_no": case_no,
            "source": source,
        },
    )
    return license


def _active_type(type_code: str) -> LicenseType:
    license_type = get_type(type_code)
    if not license_type.is_active:
        raise DomainError(
            ErrorCode.TYPE_INACTIVE,
            _("证照类型已停用:%(name)s") % {"name": license_type.name},
            status=409,
        )
    return license_type


@audit.refusals_recorded("licenses.issue")
@transaction.atomic
def issue(
    *,
    actor: Any,
    type_code: str,
    issuer_department_code: str,
    holder_kind: str,
    holder_name: str,
    holder_id_number: str = "",
    holder_credit_code: str = "",
    holder_user_id: int | None = None,
    data: dict[str, Any],
    valid_from: dt.date | None = None,
    case_no: str = "",
    case_id: int | None = None,
) -> License:
    """Issue a licence: data checked against the type's schema, validity from the type's
    rule, a new identifier, signed by the department's issuer key, rendered and sealed.
    Staff need ``licenses.issue`` in the issuing department."""
    department = _department(issuer_department_code)
    _require(actor, permissions.ISSUE, department)
    license_type = _active_type(type_code)
    holder, errors = _holder_errors(
        license_type,
        Holder(
            kind=holder_kind,
            name=holder_name,
            id_number=holder_id_number,
            credit_code=holder_credit_code,
            user_id=holder_user_id,
        ),
    )
    data_problems = data_errors(license_type, data)
    if errors or data_problems:
        code = ErrorCode.HOLDER_INVALID if errors else ErrorCode.DATA_INVALID
        raise _invalid(code, errors + data_problems)
    return _issue(
        actor=actor,
        license_type=license_type,
        department=department,
        holder=holder,
        data=data,
        valid_from=valid_from or today(),
        valid_until=RULE,
        case_no=case_no,
        case_id=case_id,
        source="case" if case_id else "clerk",
    )


# --- bulk import of paper licences ---------------------------------------------------------

#: Columns of an import row that are not licence data.
HOLDER_COLUMNS = {
    "holder_kind",
    "holder_name",
    "holder_id_number",
    "holder_credit_code",
    "valid_from",
    "valid_until",
}


@dataclass(frozen=True)
class ImportSummary:
    created: int
    identifiers: list[str] = field(default_factory=list)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _coerce(spec: dict[str, Any], value: Any) -> Any:
    """A spreadsheet cell as the schema's type wants it (cells come as text or numbers)."""
    kind = spec.get("type")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "string":
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if kind == "integer" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if kind == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean" and isinstance(value, str):
        return {"是": True, "true": True, "否": False, "false": False}.get(value.strip(), value)
    return value


def _row_data(license_type: LicenseType, row: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = license_type.fields_schema.get("properties", {})
    titles = {
        str(spec.get("title")): name for name, spec in properties.items() if spec.get("title")
    }
    raw = row.get("data") if isinstance(row.get("data"), dict) else row
    data: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if key in HOLDER_COLUMNS or key == "data" or value in (None, ""):
            continue
        name = key if key in properties else titles.get(str(key), str(key))
        data[name] = _coerce(properties.get(name, {}), value)
    return data


@audit.refusals_recorded("licenses.import")
@transaction.atomic
def import_licenses(
    *, actor: Any, type_code: str, issuer_department_code: str, rows: list[dict[str, Any]]
) -> ImportSummary:
    """Bring existing paper licences in, all or nothing: every bad row is listed (with its
    row number, counting from 1) and nothing is written unless every row is good. A row has
    ``holder_name``, ``holder_id_number`` or ``holder_credit_code`` (``holder_kind`` may be
    omitted: it follows from which is given), ``valid_from``, ``valid_until`` (empty: long
    term) and the licence data, either under ``data`` or as columns named by the type's
    schema properties (or their titles)."""
    department = _department(issuer_department_code)
    _require(actor, permissions.ISSUE, department)
    license_type = _active_type(type_code)
    errors: list[dict[str, Any]] = []
    ready: list[tuple[Holder, dict[str, Any], dt.date, dt.date | None]] = []
    if not rows:
        raise ImportRefused(
            ErrorCode.IMPORT_REFUSED,
            [{"row": 0, "field": "rows", "code": "empty", "message": _("没有可导入的数据。")}],
        )
    for n, row in enumerate(rows, start=1):
        credit = str(row.get("holder_credit_code") or "").strip()
        kind = str(row.get("holder_kind") or (HolderKind.ENTITY if credit else HolderKind.PERSON))
        holder, row_errors = _holder_errors(
            license_type,
            Holder(
                kind=kind,
                name=str(row.get("holder_name") or ""),
                id_number=str(row.get("holder_id_number") or ""),
                credit_code=credit,
            ),
        )
        data = _row_data(license_type, row)
        row_errors += data_errors(license_type, data)
        valid_from: dt.date | None = None
        valid_until: dt.date | None = None
        try:
            valid_from = _date(row.get("valid_from"))
            valid_until = _date(row.get("valid_until"))
        except ValueError:
            row_errors.append(
                {"field": "valid_from", "code": "date", "message": _("日期格式应为 YYYY-MM-DD。")}
            )
        if valid_from is None and not any(e["field"] == "valid_from" for e in row_errors):
            row_errors.append(
                {"field": "valid_from", "code": "required", "message": _("请填写有效期起。")}
            )
        if valid_from and valid_until and valid_until < valid_from:
            row_errors.append(
                {
                    "field": "valid_until",
                    "code": "before_start",
                    "message": _("有效期至不能早于有效期起。"),
                }
            )
        for error in row_errors:
            errors.append(
                {
                    "row": n,
                    **error,
                    "message": _("第 %(n)d 行:%(m)s") % {"n": n, "m": error["message"]},
                }
            )
        if not row_errors and valid_from is not None:
            ready.append((holder, data, valid_from, valid_until))
    if errors:
        raise ImportRefused(ErrorCode.IMPORT_REFUSED, errors)
    issued = []
    for holder, data, valid_from, valid_until in ready:
        license = _issue(
            actor=actor,
            license_type=license_type,
            department=department,
            holder=holder,
            data=data,
            valid_from=valid_from,
            valid_until=valid_until,
            case_no="",
            case_id=None,
            source="import",
        )
        issued.append(identifiers.full(license.identifier_base, 1))
    audit.record(
        "licenses.imported",
        actor=actor,
        target_type="licenses.licensetype",
        target_id=str(license_type.pk),
        details={
            "type_code": license_type.code,
            "department": department.code,
            "count": len(issued),
        },
    )
    return ImportSummary(created=len(issued), identifiers=issued)


def rows_from_xlsx(stream: IO[bytes]) -> list[dict[str, Any]]:
    """The rows of an Excel workbook's first sheet, keyed by its header row; blank rows
    skipped."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:
        raise DomainError(
            ErrorCode.IMPORT_FORMAT, _("无法读取 Excel 文件,请上传 .xlsx 格式的表格。"), status=422
        ) from exc
    sheet = workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(lines, ())]
    rows = []
    for line in lines:
        if all(c in (None, "") for c in line):
            continue
        rows.append({h: v for h, v in zip(header, line, strict=False) if h})
    workbook.close()
    return rows


# --- lifecycle -----------------------------------------------------------------------------


def _locked(license: License) -> License:
    locked: License = (
        License.objects.select_for_update().select_related("license_type").get(pk=license.pk)
    )
    return locked


def _status_change(license: License, to: str, *, actor: Any, reason: str, action: str) -> License:
    before = license.status
    license.status = to
    license.save(update_fields=["status", "updated_at"])
    actor_id = int(actor.pk) if _is_user(actor) else None
    LicenseStatusChange.objects.create(
        license=license,
        from_status=before,
        to_status=to,
        reason=reason,
        actor_id=actor_id,
        actor_label=str(actor.get_username()) if _is_user(actor) else str(actor or "system"),
    )
    audit.record(
        f"licenses.{action}",
        actor=actor,
        target=license,
        details={"from": before, "to": to, "reason": reason},
    )
    events.emit(
        f"licenses.{action}",
        {
            "license_id": license.pk,
            "from": before,
            "to": to,
            "type_code": license.license_type.code,
        },
    )
    return license


def _transition_refused(license: License, verb: str) -> DomainError:
    return DomainError(
        ErrorCode.STATUS_TRANSITION,
        _("证照当前状态为“%(status)s”,不能%(verb)s。")
        % {"status": LicenseStatus(license.status).label, "verb": verb},
        status=409,
        status_now=license.status,
    )


@audit.refusals_recorded("licenses.suspend")
@transaction.atomic
def suspend(*, actor: Any, license: License, reason: str) -> License:
    reason = _reason(reason)
    license = _locked(license)
    _require(actor, permissions.ISSUE, license.issuer_department)
    if license.status != LicenseStatus.VALID:
        raise _transition_refused(license, _("暂停"))
    return _status_change(
        license, LicenseStatus.SUSPENDED, actor=actor, reason=reason, action="suspended"
    )


@audit.refusals_recorded("licenses.resume")
@transaction.atomic
def resume(*, actor: Any, license: License, reason: str = "") -> License:
    license = _locked(license)
    _require(actor, permissions.ISSUE, license.issuer_department)
    if license.status != LicenseStatus.SUSPENDED:
        raise _transition_refused(license, _("恢复"))
    return _status_change(
        license, LicenseStatus.VALID, actor=actor, reason=reason.strip(), action="resumed"
    )


@audit.refusals_recorded("licenses.revoke")
@transaction.atomic
def revoke(*, actor: Any, license: License, reason: str) -> License:
    reason = _reason(reason)
    license = _locked(license)
    _require(actor, permissions.ISSUE, license.issuer_department)
    if license.status == LicenseStatus.REVOKED:
        raise _transition_refused(license, _("注销"))
    return _status_change(
        license, LicenseStatus.REVOKED, actor=actor, reason=reason, action="revoked"
    )


@audit.refusals_recorded("licenses.change")
@transaction.atomic
def change(*, actor: Any, license: License, data: dict[str, Any], reason: str) -> LicenseVersion:
    """变更: a new version with the new data (validity kept), a new identifier (next version
    segment, new check character), signature and document. Earlier versions stay
    verifiable as authentic but no longer current."""
    reason = _reason(reason)
    license = _locked(license)
    _require(actor, permissions.ISSUE, license.issuer_department)
    if license.status != LicenseStatus.VALID:
        raise _transition_refused(license, _("变更"))
    errors = data_errors(license.license_type, data)
    if errors:
        raise _invalid(ErrorCode.DATA_INVALID, errors)
    previous = license.current()
    license.version = previous.version + 1
    license.save(update_fields=["version", "updated_at"])
    version = _new_version(
        actor=actor,
        license=license,
        number=license.version,
        data=data,
        valid_from=previous.valid_from,
        valid_until=previous.valid_until,
        reason=reason,
    )
    audit.record(
        "licenses.changed",
        actor=actor,
        target=license,
        details={"identifier": version.identifier, "version": version.version, "reason": reason},
    )
    events.emit(
        "licenses.changed",
        {"license_id": license.pk, "identifier": version.identifier, "version": version.version},
    )
    return version


def expire_due(*, actor: Any = "system", on: dt.date | None = None) -> int:
    """Mark valid licences whose validity has ended as expired; safe to run again."""
    day = on or today()
    due = list(
        License.objects.filter(
            status=LicenseStatus.VALID,
            versions__version=F("version"),
            versions__valid_until__lt=day,
        ).values_list("pk", flat=True)
    )
    count = 0
    for pk in due:
        with transaction.atomic():
            license = License.objects.select_for_update().select_related("license_type").get(pk=pk)
            if license.status != LicenseStatus.VALID:
                continue
            _status_change(
                license,
                LicenseStatus.EXPIRED,
                actor=actor,
                reason=_("有效期届满"),
                action="expired",
            )
            count += 1
    return count


def effective_status(license: License, version: LicenseVersion | None = None) -> str:
    """The status as of today: a valid licence past its validity is expired even before the
    expiry job has run."""
    if license.status != LicenseStatus.VALID:
        return license.status
    current = version if version is not None and version.version == license.version else None
    current = current or license.current()
    if current.valid_until is not None and current.valid_until < today():
        return LicenseStatus.EXPIRED
    return LicenseStatus.VALID


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    """What a verification shows: only what the document itself shows (the holder's name as
    the verification page prints it, masked for persons; never an ID number)."""

    authentic: bool
    current: bool
    reason: str = ""  # why not authentic or not current: a stable code
    message: str = ""
    identifier: str = ""
    type_code: str = ""
    type_name: str = ""
    holder_name: str = ""
    issuer_name: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    status: str = ""
    version: int | None = None
    latest_version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_REASON_MESSAGES = {
    "malformed": "证照二维码或标识无法识别。",
    "not_found": "未找到该证照标识。",
    "signature_invalid": "签名验证失败:证照内容可能被篡改或并非本平台签发。",
    "suspended": "证照已暂停使用。",
    "revoked": "证照已注销。",
    "expired": "证照已过期。",
    "superseded": "证照已变更,此为旧版本。",
    "": "证照真实有效。",
}


def _message(reason: str) -> str:
    return _(_REASON_MESSAGES[reason])


def _shown_name(license: License) -> str:
    if license.holder_kind == HolderKind.PERSON:
        return mask(license.holder_name, SensitiveKind.TEXT)
    return license.holder_name


def _result(version: LicenseVersion, signature: bytes) -> VerificationResult:
    license = version.license
    authentic = signature.hex() == version.signature and signing.signature_valid(
        version.signing_key, signature, canonical_of(license, version)
    )
    status = effective_status(license, version)
    if not authentic:
        reason = "signature_invalid"
    elif version.version != license.version:
        reason = "superseded"
    elif status != LicenseStatus.VALID:
        reason = status
    else:
        reason = ""
    return VerificationResult(
        authentic=authentic,
        current=authentic and reason == "",
        reason=reason,
        message=_message(reason),
        identifier=version.identifier,
        type_code=license.license_type.code,
        type_name=license.license_type.name,
        holder_name=_shown_name(license),
        issuer_name=license.issuer_name,
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        status=status,
        version=version.version,
        latest_version=license.version,
    )


def _failed(reason: str, identifier: str = "") -> VerificationResult:
    return VerificationResult(
        authentic=False,
        current=False,
        reason=reason,
        message=_message(reason),
        identifier=identifier,
    )


def _find_version(identifier: str) -> LicenseVersion | None:
    # The identifier is unique: no ordering needed (``first()`` would add one).
    rows = list(
        LicenseVersion.objects.filter(identifier=identifier).select_related(
            "license__license_type", "signing_key"
        )[:1]
    )
    return rows[0] if rows else None


def _log_verification(actor: Any, result: VerificationResult, via: str) -> None:
    """Every verification is audited (no personal data); a signed-in staff member's is also a
    use of the licence the holder sees."""
    audit.record(
        "licenses.verified",
        actor=actor if _is_user(actor) else "public",
        target_type="licenses.licenseversion",
        target_id=result.identifier[:100],
        details={
            "via": via,
            "authentic": result.authentic,
            "current": result.current,
            "reason": result.reason,
        },
    )
    if _is_user(actor) and getattr(actor, "is_staff", False) and result.identifier:
        version = _find_version(result.identifier)
        if version is not None:
            department = _staff_department(actor)
            LicenseUse.objects.create(
                license=version.license,
                version=version.version,
                user_id=actor.pk,
                user_name=_display_name(actor),
                department_code=department.code if department else "",
                department_name=department.name if department else "",
                purpose=_("核验"),
                via=UseVia.VERIFICATION,
            )


@transaction.atomic
def verify_qr(payload: str, *, actor: Any = None) -> VerificationResult:
    """Is the licence behind this QR payload authentic (the signature is the issuer's over
    the stored data of that version) and current (valid, not expired, latest version)?"""
    content = signing.parse_qr(payload)
    if content is None or not identifiers.is_valid(content.identifier):
        result = _failed("malformed")
    else:
        version = _find_version(content.identifier)
        result = (
            _failed("not_found", content.identifier)
            if version is None
            else _result(version, content.signature)
        )
    _log_verification(actor, result, "qr")
    return result


def _check_identifier(identifier: str) -> VerificationResult:
    """The stored signature of the version ``identifier`` names checked against its stored
    data, and its status as of today; nothing written."""
    identifier = (identifier or "").strip().upper()
    if not identifiers.is_valid(identifier):
        return _failed("malformed")
    version = _find_version(identifier)
    if version is None:
        return _failed("not_found", identifier)
    return _result(version, bytes.fromhex(version.signature))


@transaction.atomic
def verify_identifier(identifier: str, *, actor: Any = None) -> VerificationResult:
    """The typed-in case: the stored signature is checked against the stored data."""
    result = _check_identifier(identifier)
    _log_verification(actor, result, "identifier")
    return result


def check_identifier(identifier: str) -> dict[str, Any] | None:
    """A read-only check of the licence version ``identifier`` names, made now — for a page
    that shows a licence another module relies on (a material met by an e-licence) every time
    it is drawn: unlike :func:`verify_identifier` it records no verification (no audit entry,
    no use the holder sees). None when the identifier is malformed or unknown.

    ``authentic``: the stored signature still covers the stored data; ``status`` the
    licence's status as of today (:func:`effective_status`); ``current``: authentic, valid
    and the latest version; ``message`` says which (e.g. "证照已注销。")."""
    result = _check_identifier(identifier)
    if result.reason in ("malformed", "not_found"):
        return None
    return {
        "identifier": result.identifier,
        "type_code": result.type_code,
        "type_name": result.type_name,
        "holder_name": result.holder_name,
        "issuer_name": result.issuer_name,
        "authentic": result.authentic,
        "status": result.status,
        "status_label": str(LicenseStatus(result.status).label),
        "current": result.current,
        "reason": result.reason,
        "message": result.message,
        "valid_until": result.valid_until,
        "version": result.version,
        "latest_version": result.latest_version,
    }


@dataclass(frozen=True)
class FileVerification:
    licence: VerificationResult
    #: The file is byte for byte the document the platform issued.
    file_matches_issued: bool
    #: What the seals module says of the file's seals.
    seal: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "licence": self.licence.as_dict(),
            "file_matches_issued": self.file_matches_issued,
            "seal": self.seal,
        }


def _seal_report(pdf_bytes: bytes, actor: Any) -> dict[str, Any]:
    """What the seals module says of the file's seals."""
    from yiwang.seals import services as seals

    try:
        report = seals.verify_pdf(pdf_bytes, actor=actor if _is_user(actor) else None)
    except DomainError as exc:
        return {"sealed": False, "valid": False, "problems": [str(exc.code)], "seals": []}
    return {
        "sealed": bool(report.signatures),
        "valid": report.valid,
        "problems": [p.get("code", "") for p in report.problems],
        "seals": [
            {
                "seal_name": s.seal_name,
                "department": s.department,
                "intact": s.intact,
                "valid": s.valid,
            }
            for s in report.signatures
        ],
    }


def verify_file(pdf_bytes: bytes, *, actor: Any = None) -> FileVerification:
    """An uploaded licence PDF: the QR payload from its document information, verified; the
    file compared with the issued one; its seal checked by the seals module when it can."""
    payload = rendering.payload_of(pdf_bytes)
    if payload is None:
        raise DomainError(
            ErrorCode.PDF_UNREADABLE,
            _("文件中没有找到电子证照信息,请上传本平台签发的证照 PDF。"),
            status=422,
        )
    result = verify_qr(payload, actor=actor)
    matches = False
    if result.identifier:
        version = (
            LicenseVersion.objects.filter(identifier=result.identifier)
            .select_related("pdf")
            .first()
        )
        if version is not None and version.pdf is not None:
            import hashlib

            matches = hashlib.sha256(pdf_bytes).hexdigest() == version.pdf.sha256
    return FileVerification(
        licence=result, file_matches_issued=matches, seal=_seal_report(pdf_bytes, actor)
    )


# --- the holder's wallet -------------------------------------------------------------------


def _display_name(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


def _verified_id_number(user: Any) -> str:
    if not _is_user(user) or not getattr(user, "verified_at", None):
        return ""
    return str(getattr(user, "id_number", "") or "")


def licenses_of_person(user: Any) -> QuerySet[License]:
    """A person's licences: issued to their account, or (imported paper licences) to their
    real-name-verified ID number."""
    condition = Q(holder_user_id=user.pk)
    id_number = _verified_id_number(user)
    if id_number:
        condition |= Q(**lookup(License, "holder_id_number", id_number))
    return (
        License.objects.filter(condition, holder_kind=HolderKind.PERSON)
        .select_related("license_type")
        .prefetch_related("versions")
    )


def licenses_of_entity(credit_code: str) -> QuerySet[License]:
    return (
        License.objects.filter(
            holder_kind=HolderKind.ENTITY, holder_credit_code=(credit_code or "").strip().upper()
        )
        .select_related("license_type")
        .prefetch_related("versions")
    )


def _represented_codes(user: Any) -> list[str]:
    from yiwang.identity.services.enterprise import represented_entities

    return [str(c) for c in represented_entities(user).values_list("credit_code", flat=True)]


def represents(user: Any, credit_code: str) -> bool:
    """Is ``user`` the legal representative of the entity (checked by the identity module)?"""
    from yiwang.identity.services.enterprise import get_represented_entity

    try:
        get_represented_entity(user, credit_code)
    except Http404:
        return False
    return True


def licenses_of_holder(user: Any) -> QuerySet[License]:
    """Everything ``user`` holds: their own licences and their represented entities'."""
    own = licenses_of_person(user)
    codes = _represented_codes(user)
    if not codes:
        return own
    return (
        own | License.objects.filter(holder_kind=HolderKind.ENTITY, holder_credit_code__in=codes)
    ).select_related("license_type")


def license_for_holder(user: Any, license_id: int) -> License:
    """One of the holder's licences; any other answers 404 as if it did not exist."""
    found: License | None = licenses_of_holder(user).filter(pk=license_id).first()
    if found is None:
        raise _not_found()
    return found


def license_for_staff(user: Any, license_id: int, action: str = permissions.ISSUE) -> License:
    """A licence of a department in ``user``'s scope for ``action``; else 404."""
    found: License | None = (
        License.objects.select_related("license_type", "issuer_department")
        .filter(pk=license_id)
        .first()
    )
    if found is None or not can(user, action, department=found.issuer_department):
        raise _not_found()
    return found


def pdf_of(license: License, version: int | None = None) -> tuple[bytes, StoredFile]:
    row = license.versions.select_related("pdf").get(version=version or license.version)
    if row.pdf is None:
        raise _not_found()
    with files.open_file(row.pdf) as handle:
        return handle.read(), row.pdf


@transaction.atomic
def record_download(*, actor: Any, license: License) -> LicenseUse:
    use = LicenseUse.objects.create(
        license=license,
        version=license.version,
        user_id=actor.pk if _is_user(actor) else None,
        user_name=_display_name(actor) if _is_user(actor) else "",
        purpose=_("下载"),
        via=UseVia.DOWNLOAD,
    )
    audit.record(
        "licenses.downloaded", actor=actor, target=license, details={"version": license.version}
    )
    return use


def uses_of(license: License) -> QuerySet[LicenseUse]:
    return license.uses.all()


def view(license: License, version: LicenseVersion | None = None) -> dict[str, Any]:
    """A licence as its holder, or a clerk shown it, sees it: the ID number masked."""
    current = version or license.current()
    return {
        "id": license.pk,
        "identifier": current.identifier,
        "type_code": license.license_type.code,
        "type_name": license.license_type.name,
        "holder_kind": license.holder_kind,
        "holder_name": license.holder_name,
        "holder_id_number": mask(license.holder_id_number, SensitiveKind.ID_NUMBER),
        "holder_credit_code": license.holder_credit_code,
        "issuer_department_code": license.issuer_department_code,
        "issuer_name": license.issuer_name,
        "status": effective_status(license, current),
        "version": current.version,
        "data": current.data,
        "layout": license.license_type.layout,
        "valid_from": current.valid_from,
        "valid_until": current.valid_until,
        "issued_at": current.issued_at,
        "case_no": license.case_no,
        "sealed": current.sealed,
        "qr": signing.qr_payload(current.identifier, current.signature),
    }


# --- grants (亮证 / 扫码授权) -------------------------------------------------------------


def _token_hash(token: str) -> str:
    return blind_index(token, purpose="licenses.grant.token")


def _code_hash(code: str) -> str:
    return blind_index(code, purpose="licenses.grant.short_code")


@audit.refusals_recorded("licenses.grant_create")
@transaction.atomic
def create_grant(
    *, actor: Any, license_ids: Iterable[int], minutes: int | None = None
) -> tuple[LicenseGrant, str, str]:
    """The holder lets one clerk read these licences once, for a few minutes. Returns the
    grant, the token (for the QR) and an 8-digit short code (to read out); only hashes of
    both are kept."""
    ids = sorted(set(license_ids))
    if not ids:
        raise DomainError(ErrorCode.GRANT_EMPTY, _("请选择要出示的证照。"), status=422)
    chosen = list(licenses_of_holder(actor).filter(pk__in=ids))
    if len(chosen) != len(ids):
        raise _not_found()
    unusable = [lic.pk for lic in chosen if effective_status(lic) != LicenseStatus.VALID]
    if unusable:
        raise DomainError(
            ErrorCode.NOT_USABLE, _("只能出示有效的证照。"), status=409, license_ids=unusable
        )
    lifetime = max(1, min(minutes or _grant_minutes(), 30))
    now = timezone.now()
    token = secrets.token_urlsafe(24)
    while True:
        short_code = f"{secrets.randbelow(10**8):08d}"
        live = LicenseGrant.objects.filter(
            short_code_hash=_code_hash(short_code), used_at__isnull=True, expires_at__gt=now
        )
        if not live.exists():
            break
    grant = LicenseGrant.objects.create(
        holder_user_id=actor.pk,
        token_hash=_token_hash(token),
        short_code_hash=_code_hash(short_code),
        expires_at=now + dt.timedelta(minutes=lifetime),
    )
    grant.licenses.set(chosen)
    audit.record(
        "licenses.grant_created",
        actor=actor,
        target=grant,
        details={"license_ids": ids, "minutes": lifetime},
    )
    return grant, token, short_code


def _staff_department(user: Any) -> Department | None:
    from yiwang.kernel.services import roles_of

    for assignment in roles_of(user):
        if assignment.department is not None:
            department: Department = assignment.department
            return department
    return None


def _require_user_department(actor: Any, department_code: str) -> Department:
    department: Department | None = Department.objects.filter(
        code=department_code, is_active=True
    ).first()
    if department is None or not can(actor, permissions.USE, department=department):
        raise DomainError(
            ErrorCode.NOT_DEPARTMENT_STAFF,
            _("您不是该部门的工作人员,不能代表该部门用证。"),
            status=403,
        )
    verified = LicenseUserDepartment.objects.filter(
        department=department, revoked_at__isnull=True
    ).exists()
    if not verified:
        raise DomainError(
            ErrorCode.DEPARTMENT_NOT_VERIFIED,
            _("该部门尚未通过用证部门认证,不能读取证照。"),
            status=403,
        )
    return department


@audit.refusals_recorded("licenses.grant_redeem")
@transaction.atomic
def redeem_grant(
    *,
    actor: Any,
    token: str | None = None,
    short_code: str | None = None,
    department_code: str,
    case_no: str = "",
    purpose: str = "",
) -> list[dict[str, Any]]:
    """A clerk of a verified user department reads the licences a holder showed, once."""
    ratelimit.hit("licenses-redeem", str(actor.pk), limit=REDEEM_LIMIT, window_seconds=600)
    department = _require_user_department(actor, department_code)
    if token:
        where = Q(token_hash=_token_hash(token.strip()))
    elif short_code:
        where = Q(short_code_hash=_code_hash(short_code.strip()))
    else:
        raise DomainError(
            ErrorCode.GRANT_CODE_REQUIRED, _("请扫描亮证二维码或输入授权码。"), status=422
        )
    grant: LicenseGrant | None = (
        LicenseGrant.objects.select_for_update().filter(where).order_by("-created_at").first()
    )
    if grant is None:
        raise DomainError(ErrorCode.GRANT_NOT_FOUND, _("授权码无效。"), status=404)
    if grant.used_at is not None:
        raise DomainError(ErrorCode.GRANT_USED, _("该授权已使用,请持证人重新亮证。"), status=409)
    if grant.expires_at <= timezone.now():
        raise DomainError(ErrorCode.GRANT_EXPIRED, _("该授权已过期,请持证人重新亮证。"), status=409)
    grant.used_at = timezone.now()
    grant.used_by_id = actor.pk
    grant.used_department_code = department.code
    grant.save(update_fields=["used_at", "used_by_id", "used_department_code"])
    shown = []
    for license in grant.licenses.select_related("license_type").order_by("pk"):
        LicenseUse.objects.create(
            license=license,
            version=license.version,
            user_id=actor.pk,
            user_name=_display_name(actor),
            department_code=department.code,
            department_name=department.name,
            purpose=purpose.strip()[:200] or _("亮证"),
            case_no=case_no.strip()[:20],
            via=UseVia.GRANT,
        )
        shown.append(view(license))
    audit.record(
        "licenses.grant_redeemed",
        actor=actor,
        target=grant,
        details={
            "department": department.code,
            "case_no": case_no,
            "license_ids": [v["id"] for v in shown],
        },
    )
    return shown


@transaction.atomic
def verify_department(*, actor: Any, department_code: str) -> LicenseUserDepartment:
    """用证部门认证: the department may read licences its clerks are shown."""
    _require(actor, permissions.VERIFY_DEPARTMENT)
    department = _department(department_code)
    row, _created = LicenseUserDepartment.objects.update_or_create(
        department=department,
        defaults={
            "verified_by_id": actor.pk if _is_user(actor) else None,
            "verified_at": timezone.now(),
            "revoked_at": None,
        },
    )
    audit.record(
        "licenses.department_verified",
        actor=actor,
        target=row,
        details={"department": department.code},
    )
    return row


@transaction.atomic
def revoke_department(*, actor: Any, department_code: str) -> None:
    _require(actor, permissions.VERIFY_DEPARTMENT)
    department = _department(department_code)
    changed = LicenseUserDepartment.objects.filter(
        department=department, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if changed:
        audit.record(
            "licenses.department_verification_revoked",
            actor=actor,
            target_type="kernel.department",
            target_id=str(department.pk),
            details={"department": department.code},
        )


# --- paperless materials (免提交), for the cases module ----------------------------------


def _summary(license: License) -> dict[str, Any]:
    current = license.current()
    return {
        "license_id": license.pk,
        "identifier": current.identifier,
        "type_code": license.license_type.code,
        "type_name": license.license_type.name,
        "holder_kind": license.holder_kind,
        "holder_name": license.holder_name,
        "issuer_name": license.issuer_name,
        "valid_from": current.valid_from,
        "valid_until": current.valid_until,
        "version": current.version,
    }


def valid_license_for(
    *, holder_user_id: int | None = None, entity_credit_code: str = "", type_code: str
) -> dict[str, Any] | None:
    """The newest valid licence of ``type_code`` the entity (when a credit code is given) or
    the person holds, as a summary; None when there is none."""
    if entity_credit_code:
        candidates = licenses_of_entity(entity_credit_code)
    elif holder_user_id is not None:
        user = get_user_model().objects.filter(pk=holder_user_id).first()
        if user is None:
            return None
        candidates = licenses_of_person(user)
    else:
        return None
    for license in candidates.filter(
        license_type__code=type_code, status=LicenseStatus.VALID
    ).order_by("-created_at", "-id"):
        if effective_status(license) == LicenseStatus.VALID:
            return _summary(license)
    return None


@transaction.atomic
def use_for_case(
    *, actor: Any, license_id: int, case_no: str, department_code: str, material_code: str
) -> LicenseUse:
    """Record that a case used this licence in place of a material (免提交). The cases
    module calls it after finding the licence with :func:`valid_license_for`."""
    license = License.objects.select_related("license_type").filter(pk=license_id).first()
    if license is None:
        raise _not_found()
    if effective_status(license) != LicenseStatus.VALID:
        raise DomainError(
            ErrorCode.NOT_USABLE, _("该证照当前不可用(已暂停、注销或过期)。"), status=409
        )
    department = Department.objects.filter(code=department_code).first()
    use = LicenseUse.objects.create(
        license=license,
        version=license.version,
        user_id=actor.pk if _is_user(actor) else None,
        user_name=_display_name(actor) if _is_user(actor) else str(actor or "system"),
        department_code=department_code,
        department_name=department.name if department else "",
        purpose=_("免提交材料"),
        case_no=case_no,
        material_code=material_code,
        via=UseVia.PAPERLESS,
    )
    audit.record(
        "licenses.used_for_case",
        actor=actor,
        target=license,
        details={"case_no": case_no, "department": department_code, "material_code": material_code},
    )
    return use


def register_size() -> int:
    """How many licences the register holds (every status)."""
    return License.objects.count()


def register_changed_at() -> dt.datetime | None:
    """When the register last changed: the newest issue or change of a version, or a status
    change."""
    issued = LicenseVersion.objects.aggregate(at=models.Max("issued_at"))["at"]
    changed = LicenseStatusChange.objects.aggregate(at=models.Max("at"))["at"]
    moments = [m for m in (issued, changed) if m is not None]
    return max(moments) if moments else None


def register_sample(n: int) -> list[dict[str, Any]]:
    """The views of up to ``n`` licences, newest first (e.g. a catalogue preview)."""
    newest = License.objects.select_related("license_type").order_by("-created_at", "-id")
    return [view(licence) for licence in newest[: max(0, n)]]


def materials_saved(department_code: str | None = None, since: dt.datetime | None = None) -> int:
    """How many materials licences replaced (免提交 uses)."""
    uses = LicenseUse.objects.filter(via=UseVia.PAPERLESS)
    if department_code:
        uses = uses.filter(department_code=department_code)
    if since is not None:
        uses = uses.filter(used_at__gte=since)
    return uses.count()


# --- from cases ----------------------------------------------------------------------------


def entity_name(credit_code: str) -> str:
    """The registered name of an entity in the legal-entity base data ("" if unknown)."""
    found = BaseLegalEntity.objects.filter(credit_code=credit_code).first()
    return found.name if found else ""


@transaction.atomic
def licence_data_from_form(
    schema: dict[str, Any], form: dict[str, Any], meanings: dict[str, str]
) -> dict[str, Any]:
    """A case's form answers as a licence's data. Each licence field takes the form's field of
    the same name, else the first of its ``x-from`` sources the form has: a form field's name
    or a meaning the form declares (``x-meaning``), e.g.
    ``"x-from": ["shop_name", "entity.name"]``."""
    data: dict[str, Any] = {}
    for name, spec in (schema or {}).get("properties", {}).items():
        sources = [name, *((spec or {}).get("x-from") or [])] if isinstance(spec, dict) else [name]
        for source in sources:
            field = source if source in form else meanings.get(str(source), "")
            if field and form.get(field) not in (None, ""):
                data[name] = form[field]
                break
    return data


def issue_for_case(payload: dict[str, Any]) -> License | None:
    """Issue the result licence of an approved case (the ``cases.completed`` handler); a
    redelivered event finds the licence already issued and issues nothing."""
    if payload.get("decision") != "approve" or not payload.get("result_license_type"):
        return None
    license_type = LicenseType.objects.filter(
        code=payload["result_license_type"], is_active=True
    ).first()
    case_id = payload.get("case_id")
    if license_type is None or case_id is None:
        return None
    existing: License | None = License.objects.filter(
        license_type=license_type, case_id=case_id
    ).first()
    if existing is not None:
        return existing
    from yiwang.cases.services import case_summary_for

    summary = case_summary_for(int(case_id)) or {}
    data = licence_data_from_form(
        license_type.fields_schema,
        summary.get("form_data", {}),
        summary.get("form_meanings", {}),
    )
    credit_code = str(payload.get("entity_credit_code") or "")
    if credit_code:
        holder = Holder(
            kind=HolderKind.ENTITY,
            name=entity_name(credit_code) or str(summary.get("entity_name") or credit_code),
            credit_code=credit_code,
        )
    else:
        applicant_id = payload.get("applicant_id")
        user = get_user_model().objects.filter(pk=int(applicant_id or 0)).first()
        holder = Holder(
            kind=HolderKind.PERSON,
            name=str(getattr(user, "display_name", "") or summary.get("applicant_name", "")),
            id_number=str(getattr(user, "id_number", "") or summary.get("applicant_id_number", "")),
            user_id=user.pk if user else None,
        )
    return issue(
        actor="system",
        type_code=license_type.code,
        issuer_department_code=str(payload["department"]),
        holder_kind=holder.kind,
        holder_name=holder.name,
        holder_id_number=holder.id_number,
        holder_credit_code=holder.credit_code,
        holder_user_id=holder.user_id,
        data=data,
        case_no=str(payload.get("case_no") or ""),
        case_id=int(case_id),
    )
