"""Seals: registration, their state, who may use them, sealing PDFs and verifying them.

The only code that changes seals. A use of a seal is allowed for a person holding a
:class:`~yiwang.seals.models.SealPermission` on it, or for the system on the department's
standing authorisation (``Seal.automatic_purposes``: case acceptance notices and decisions,
licence issuance). Every use and every refused attempt is in the seal's use log and the audit
trail.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.kernel import audit, certs
from yiwang.kernel import services as kernel_services
from yiwang.kernel.errors import DomainError
from yiwang.kernel.keystore import ECDSA_P256, SM2, KeyUnavailable, key_store
from yiwang.kernel.models import Department, SigningKey
from yiwang.kernel.permissions import can
from yiwang.seals import images, pdfseal, record
from yiwang.seals.errors import ErrorCode
from yiwang.seals.models import (
    CertificateAuthority,
    Seal,
    SealFormat,
    SealKind,
    SealPermission,
    SealStatus,
    SealStatusChange,
    SealUse,
    SealUseOutcome,
)
from yiwang.seals.permissions import MANAGE

log = logging.getLogger(__name__)

#: System purposes a department may authorise its seals for (automatic sealing).
AUTOMATIC_PURPOSES = ("cases.acceptance", "cases.decision", "licenses.issue")
#: Which seal a purpose prefers when the system seals for a department.
_PREFERRED_KIND = {
    "licenses.issue": (SealKind.LICENSE, SealKind.BUSINESS, SealKind.OFFICIAL),
    "cases.acceptance": (SealKind.BUSINESS, SealKind.OFFICIAL),
    "cases.decision": (SealKind.BUSINESS, SealKind.OFFICIAL),
}
_CA_NAMES = {SM2: "Yiwang Platform SM2 CA", ECDSA_P256: "Yiwang Platform ECDSA CA"}
_CA_YEARS = 20


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _label(actor: Any) -> str:
    user = _user(actor)
    if user is not None:
        return str(user.get_username())
    return str(actor or "system")


# --- The platform CA. ---


def platform_ca(algorithm: str) -> CertificateAuthority:
    """The platform's root for ``algorithm``, made on first need (self-signed)."""
    existing = CertificateAuthority.objects.filter(algorithm=algorithm).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            key = kernel_services.create_signing_key(
                actor="system", owner_type="seal_ca", owner_id=algorithm, algorithm=algorithm
            )
            name = certs.Name(_CA_NAMES[algorithm], "Yiwang")
            now = timezone.now()
            der = certs.issue(
                subject=name,
                subject_key=key,
                issuer=name,
                issuer_key=key,
                not_before=now - dt.timedelta(minutes=5),
                not_after=now + dt.timedelta(days=365 * _CA_YEARS),
                ca=True,
            )
            ca = CertificateAuthority.objects.create(
                algorithm=algorithm,
                name=name.common_name,
                signing_key=key,
                certificate=certs.to_pem(der),
            )
            audit.record(
                "seals.ca_created", actor="system", target=ca, details={"algorithm": algorithm}
            )
            return ca
    except IntegrityError:
        return CertificateAuthority.objects.get(algorithm=algorithm)


def _certify(
    seal_code: str,
    seal_name: str,
    department: Department,
    key: SigningKey,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
) -> str:
    ca = platform_ca(key.algorithm)
    der = certs.issue(
        subject=certs.Name(f"{seal_name} ({seal_code})", department.name),
        subject_key=key,
        issuer=certs.Name(ca.name, "Yiwang"),
        issuer_key=ca.signing_key,
        not_before=valid_from,
        not_after=valid_until,
    )
    return certs.to_pem(der)


# --- Registration and state. ---


def _refuse(code: ErrorCode, message: str, status: int = 400, **details: Any) -> DomainError:
    return DomainError(code, message, status=status, **details)


def _require_manage(actor: Any, department: Department) -> None:
    if not can(actor, MANAGE, department=department):
        raise _refuse(ErrorCode.NOT_PERMITTED, _("您无权管理该部门的印章。"), status=403)


def _next_code(department: Department, kind: str) -> str:
    prefix = f"{department.code}-{kind.upper()[:3]}-"
    taken = Seal.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


@transaction.atomic
def register_seal(
    *,
    actor: Any,
    department: Department,
    name: str,
    kind: str,
    image: bytes | None = None,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    keeper: Any = None,
    automatic_purposes: list[str] | tuple[str, ...] = (),
) -> Seal:
    """Register a seal: its image (drawn from the department's name when none is uploaded),
    an SM2 and an ECDSA key in the key store, and their certificates from the platform CA."""
    _require_manage(actor, department)
    errors = []
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors.append(
            {"field": "name", "code": "required", "message": _("请填写印章名称(不超过100字)。")}
        )
    if kind not in SealKind.values:
        errors.append({"field": "kind", "code": "choice", "message": _("请选择印章类型。")})
    unknown = [p for p in automatic_purposes if p not in AUTOMATIC_PURPOSES]
    if unknown:
        errors.append(
            {
                "field": "automatic_purposes",
                "code": "choice",
                "message": _("不认识的自动用章事项:%(items)s") % {"items": ", ".join(unknown)},
            }
        )
    start = (valid_from or timezone.now()).replace(microsecond=0)
    end = valid_until or start + dt.timedelta(days=365 * 5)
    if end <= start:
        errors.append(
            {"field": "valid_until", "code": "order", "message": _("失效时间须晚于生效时间。")}
        )
    if errors:
        raise _refuse(ErrorCode.INVALID, _("印章信息有误,请按提示修改。"), errors=errors)
    if image is None:
        with translation.override("zh-hans"):  # a seal reads in Chinese whatever the page
            picture = images.draw(department.name, str(SealKind(kind).label))
    else:
        try:
            picture = images.checked_upload(image)
        except images.ImageInvalid as exc:
            raise _refuse(
                ErrorCode.IMAGE_INVALID,
                _("印模图片无效:请上传不超过512KB、边长100至2000像素的PNG或JPEG图片。"),
                reason=str(exc),
            ) from None
    code = _next_code(department, kind)
    sm2_key = kernel_services.create_signing_key(actor=actor, owner_type="seal", owner_id=code)
    pades_key = kernel_services.create_signing_key(
        actor=actor, owner_type="seal", owner_id=code, algorithm=ECDSA_P256
    )
    seal = Seal.objects.create(
        code=code,
        department=department,
        name=name,
        kind=kind,
        image=picture,
        image_sm3=certs.fingerprint(picture),
        valid_from=start,
        valid_until=end,
        keeper=keeper,
        automatic_purposes=list(automatic_purposes),
        sm2_key=sm2_key,
        sm2_certificate=_certify(code, name, department, sm2_key, start, end),
        pades_key=pades_key,
        pades_certificate=_certify(code, name, department, pades_key, start, end),
    )
    SealStatusChange.objects.create(
        seal=seal, to_status=SealStatus.ACTIVE, actor=_user(actor), at=start
    )
    audit.record(
        "seals.registered",
        actor=actor,
        target=seal,
        details={
            "code": code,
            "department": department.code,
            "kind": kind,
            "automatic_purposes": list(automatic_purposes),
        },
    )
    return seal


_TRANSITIONS = {
    "enable": ({SealStatus.SUSPENDED}, SealStatus.ACTIVE),
    "suspend": ({SealStatus.ACTIVE}, SealStatus.SUSPENDED),
    "revoke": ({SealStatus.ACTIVE, SealStatus.SUSPENDED}, SealStatus.REVOKED),
}


@transaction.atomic
def change_status(*, actor: Any, seal: Seal, action: str, reason: str = "") -> Seal:
    """Enable a suspended seal, suspend an active one, or revoke it for good (its keys are
    disabled; what it sealed before still verifies as sealed while it was valid)."""
    seal = Seal.objects.select_for_update().select_related("department").get(pk=seal.pk)
    _require_manage(actor, seal.department)
    if action not in _TRANSITIONS:
        raise _refuse(ErrorCode.STATUS_TRANSITION, _("不支持的操作。"))
    allowed, target = _TRANSITIONS[action]
    if seal.status not in allowed:
        raise _refuse(
            ErrorCode.STATUS_TRANSITION,
            _("印章当前状态为“%(status)s”,不能执行该操作。")
            % {"status": seal.get_status_display()},
            status=409,
        )
    reason = (reason or "").strip()
    if action in {"suspend", "revoke"} and not reason:
        raise _refuse(ErrorCode.REASON_REQUIRED, _("请填写原因。"))
    previous = seal.status
    seal.status = target
    seal.status_reason = reason[:500]
    seal.save(update_fields=["status", "status_reason"])
    SealStatusChange.objects.create(
        seal=seal,
        from_status=previous,
        to_status=target,
        reason=reason[:500],
        actor=_user(actor),
        at=timezone.now(),
    )
    if target == SealStatus.REVOKED:
        for key in (seal.sm2_key, seal.pades_key):
            kernel_services.disable_signing_key(actor=actor, key=key)
    audit.record(
        f"seals.{action}",
        actor=actor,
        target=seal,
        details={"from": previous, "to": target, "reason": reason},
    )
    return seal


@transaction.atomic
def grant_use(*, actor: Any, seal: Seal, user: Any) -> SealPermission:
    _require_manage(actor, seal.department)
    permission, created = SealPermission.objects.get_or_create(
        seal=seal, user=user, revoked_at=None, defaults={"granted_by": _user(actor)}
    )
    if created:
        audit.record("seals.use_granted", actor=actor, target=seal, details={"user": user.pk})
    return permission


@transaction.atomic
def withdraw_use(*, actor: Any, seal: Seal, user: Any) -> int:
    _require_manage(actor, seal.department)
    count = SealPermission.objects.filter(seal=seal, user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if count:
        audit.record("seals.use_withdrawn", actor=actor, target=seal, details={"user": user.pk})
    return count


@transaction.atomic
def set_keeper(*, actor: Any, seal: Seal, keeper: Any) -> Seal:
    """Name the person who keeps the seal (保管人): an active staff member, answerable for it."""
    _require_manage(actor, seal.department)
    if keeper is None or not (keeper.is_active and keeper.is_staff):
        raise _refuse(
            ErrorCode.INVALID,
            _("保管人须为在岗的工作人员。"),
            status=422,
            errors=[
                {"field": "keeper", "code": "invalid", "message": _("保管人须为在岗的工作人员。")}
            ],
        )
    previous = seal.keeper_id
    seal.keeper = keeper
    seal.save(update_fields=["keeper"])
    audit.record(
        "seals.keeper_changed",
        actor=actor,
        target=seal,
        details={"from": previous, "to": keeper.pk},
    )
    return seal


@transaction.atomic
def set_automatic_purposes(*, actor: Any, seal: Seal, purposes: list[str]) -> Seal:
    _require_manage(actor, seal.department)
    unknown = [p for p in purposes if p not in AUTOMATIC_PURPOSES]
    if unknown:
        raise _refuse(
            ErrorCode.INVALID, _("不认识的自动用章事项:%(items)s") % {"items": ", ".join(unknown)}
        )
    seal.automatic_purposes = sorted(set(purposes))
    seal.save(update_fields=["automatic_purposes"])
    audit.record(
        "seals.automatic_purposes",
        actor=actor,
        target=seal,
        details={"purposes": seal.automatic_purposes},
    )
    return seal


# --- Sealing. ---


def usable_at(seal: Seal, when: dt.datetime) -> tuple[bool, str]:
    """Was the seal usable at ``when``: inside its validity, and active by its history."""
    if not seal.valid_from <= when <= seal.valid_until:
        return False, "outside_validity"
    last = seal.status_changes.filter(at__lte=when).order_by("-at", "-pk").first()
    state = last.to_status if last is not None else SealStatus.ACTIVE
    return state == SealStatus.ACTIVE, "" if state == SealStatus.ACTIVE else str(state)


def may_use(actor: Any, seal: Seal, purpose: str) -> bool:
    user = _user(actor)
    if user is not None:
        return SealPermission.objects.filter(seal=seal, user=user, revoked_at=None).exists()
    return purpose in (seal.automatic_purposes or [])


def _log_refusal(
    seal: Seal, actor: Any, purpose: str, reference: str, fmt: str, error: DomainError
) -> DomainError:
    # Written in its own transaction when the caller has none, so the refusal stays on record.
    with transaction.atomic():
        SealUse.objects.create(
            seal=seal,
            at=timezone.now(),
            user=_user(actor),
            actor_label=_label(actor),
            purpose=purpose[:64],
            reference=reference[:120],
            format=fmt,
            outcome=SealUseOutcome.REFUSED,
            refusal_code=str(error.code),
        )
        audit.record(
            "seals.use_refused",
            actor=actor,
            target=seal,
            details={"purpose": purpose, "reference": reference, "code": str(error.code)},
        )
    return error


def max_pdf_bytes() -> int:
    """The largest PDF sealed or verified (``YIWANG_SEAL_MAX_PDF_BYTES``, 20 MB)."""
    return int(getattr(settings, "YIWANG_SEAL_MAX_PDF_BYTES", 20 * 1024 * 1024))


def seal_pdf(
    pdf: bytes,
    *,
    actor: Any,
    seal: Seal,
    purpose: str,
    reference: str = "",
    fmt: str = SealFormat.SM2,
    placement: pdfseal.Placement | None = None,
) -> bytes:
    """Seal a PDF with ``seal`` (visible, with its image): an SM2 seal record, or PAdES.
    Refused, logged and raised when the actor may not use the seal, the seal is not usable
    now, or the PDF cannot be read."""
    if fmt not in SealFormat.values:
        raise _refuse(ErrorCode.FORMAT_INVALID, _("签章格式须为 sm2 或 pades。"))
    seal = Seal.objects.select_related("department", "sm2_key", "pades_key").get(pk=seal.pk)
    now = timezone.now()
    if not may_use(actor, seal, purpose):
        raise _log_refusal(
            seal,
            actor,
            purpose,
            reference,
            fmt,
            _refuse(
                ErrorCode.NOT_PERMITTED,
                _("您没有使用“%(seal)s”的用章授权。") % {"seal": seal.name},
                status=403,
            ),
        )
    usable, why = usable_at(seal, now)
    if not usable:
        raise _log_refusal(
            seal,
            actor,
            purpose,
            reference,
            fmt,
            _refuse(
                ErrorCode.NOT_USABLE,
                _("印章“%(seal)s”当前不可用(%(why)s)。")
                % {"seal": seal.name, "why": _status_words(why)},
                status=409,
                reason=why,
            ),
        )
    if len(pdf) > max_pdf_bytes():
        raise _log_refusal(
            seal,
            actor,
            purpose,
            reference,
            fmt,
            _refuse(
                ErrorCode.PDF_TOO_LARGE,
                _("文件过大,不能超过%(mb)d MB。") % {"mb": max_pdf_bytes() // (1024 * 1024)},
                status=413,
            ),
        )
    with transaction.atomic():
        use = SealUse.objects.create(
            seal=seal,
            at=now,
            user=_user(actor),
            actor_label=_label(actor),
            purpose=purpose[:64],
            reference=reference[:120],
            format=fmt,
            outcome=SealUseOutcome.SEALED,
            input_sm3=certs.fingerprint(pdf),
        )
        try:
            sealed = _apply(
                pdf,
                seal=seal,
                use=use,
                when=now,
                fmt=fmt,
                placement=placement or pdfseal.Placement(),
                purpose=purpose,
                reference=reference,
            )
        except pdfseal.PdfInvalid as exc:
            transaction.set_rollback(True)
            error = _refuse(ErrorCode.PDF_INVALID, _("文件不是可读取的PDF文档。"), reason=str(exc))
        except KeyUnavailable as exc:
            transaction.set_rollback(True)
            error = _refuse(
                ErrorCode.KEY_UNAVAILABLE,
                _("印章密钥不可用,请联系管理员。"),
                status=503,
                reason=str(exc),
            )
        else:
            use.sealed_sm3 = certs.fingerprint(sealed)
            use.save(update_fields=["sealed_sm3"])
            audit.record(
                "seals.used",
                actor=actor,
                target=seal,
                details={
                    "use": use.pk,
                    "purpose": purpose,
                    "reference": reference,
                    "format": fmt,
                    "sealed_sm3": use.sealed_sm3,
                },
            )
            return sealed
    raise _log_refusal(seal, actor, purpose, reference, fmt, error)


def _status_words(why: str) -> str:
    return {
        "outside_validity": _("不在有效期内"),
        SealStatus.SUSPENDED: _("已暂停"),
        SealStatus.REVOKED: _("已注销"),
    }.get(why, why)


def _apply(
    pdf: bytes,
    *,
    seal: Seal,
    use: SealUse,
    when: dt.datetime,
    fmt: str,
    placement: pdfseal.Placement,
    purpose: str,
    reference: str,
) -> bytes:
    if fmt == SealFormat.PADES:
        ca = platform_ca(ECDSA_P256)
        signer = pdfseal.StoreSigner(
            sign=lambda data: key_store().sign(seal.pades_key, data),
            certificate=certs.load(seal.pades_certificate),
            chain=[certs.load(ca.certificate)],
        )
        return pdfseal.seal_pades(
            pdf,
            picture=bytes(seal.image),
            seal_name=seal.name,
            when=when,
            placement=placement,
            signer=signer,
            reason=purpose,
            location=seal.department.name,
        )
    certificate = certs.load(seal.sm2_certificate).dump()

    def make_record(data_hash: bytes) -> bytes:
        tbs = record.to_sign(
            es_id=seal.code,
            kind=seal.kind,
            name=seal.name,
            department=seal.department.name,
            department_code=seal.department.code,
            valid_start=seal.valid_from,
            valid_end=seal.valid_until,
            picture=bytes(seal.image),
            time=when,
            data_hash=data_hash,
            property_info=f"{purpose};{reference}",
            use_id=str(use.pk),
        )
        signature = key_store().sign(seal.sm2_key, tbs.dump())
        return record.assemble(tbs, certificate=certificate, signature=signature)

    return pdfseal.seal_sm2(
        pdf,
        picture=bytes(seal.image),
        seal_name=seal.name,
        when=when,
        placement=placement,
        make_record=make_record,
    )


def automatic_seal(department_code: str, purpose: str) -> Seal | None:
    """The department's seal the system uses for ``purpose``, if one is authorised."""
    now = timezone.now()
    candidates = [
        s
        for s in Seal.objects.filter(
            department__code=department_code,
            status=SealStatus.ACTIVE,
            valid_from__lte=now,
            valid_until__gte=now,
        )
        if purpose in (s.automatic_purposes or [])
    ]
    order = _PREFERRED_KIND.get(purpose, (SealKind.OFFICIAL,))
    candidates.sort(key=lambda s: (order.index(s.kind) if s.kind in order else len(order), s.pk))
    return candidates[0] if candidates else None


def seal_for_department(
    pdf: bytes, *, department_code: str, purpose: str, reference: str, actor: Any = "system"
) -> bytes:
    """Seal a document the system issues for a department (acceptance notices, decisions,
    licences) with the seal the department authorised for ``purpose``. A department without
    one gets its document back unsealed (logged): issuing is not held up by a missing seal."""
    seal = automatic_seal(department_code, purpose)
    if seal is None:
        log.warning(
            "no seal authorised for %s at %s; %s left unsealed", purpose, department_code, reference
        )
        return pdf
    return seal_pdf(pdf, actor=actor, seal=seal, purpose=purpose, reference=reference)


# --- Verification. ---


@dataclass
class SignatureReport:
    format: str
    field_name: str
    intact: bool = False
    covers_whole_file: bool = False
    certificate_trusted: bool = False
    seal_code: str = ""
    seal_name: str = ""
    seal_kind: str = ""
    department: str = ""
    signed_at: dt.datetime | None = None
    seal_valid_at_signing: bool = False
    seal_status_now: str = ""
    logged: bool = False
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return (
            self.intact
            and self.covers_whole_file
            and self.certificate_trusted
            and self.seal_valid_at_signing
            and self.logged
            and not self.problems
        )


@dataclass
class VerificationReport:
    signatures: list[SignatureReport]
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return bool(self.signatures) and not self.problems and all(s.valid for s in self.signatures)


def _problem(report: SignatureReport | VerificationReport, code: str, message: str) -> None:
    report.problems.append({"code": code, "message": message})


def _seal_facts(report: SignatureReport, seal: Seal | None, signed_at: dt.datetime | None) -> None:
    if seal is None:
        _problem(report, "seal_unknown", _("签章所用印章不在本平台登记。"))
        return
    report.seal_code, report.seal_name, report.seal_kind = (
        seal.code,
        seal.name,
        seal.get_kind_display(),
    )
    report.department = seal.department.name
    report.seal_status_now = seal.get_status_display()
    if signed_at is not None:
        usable, why = usable_at(seal, signed_at)
        report.seal_valid_at_signing = usable
        if not usable:
            _problem(
                report,
                "seal_not_valid_at_signing",
                _("盖章时印章不可用(%(why)s)。") % {"why": _status_words(why)},
            )


def _verify_sm2(found: pdfseal.FoundSignature) -> SignatureReport:
    report = SignatureReport(
        format=SealFormat.SM2,
        field_name=found.field_name,
        covers_whole_file=found.covers_whole_file,
    )
    try:
        parsed = record.parse(found.contents)
    except record.RecordError:
        _problem(report, "record_unreadable", _("签章数据无法读取。"))
        return report
    report.signed_at = parsed.time
    seal = Seal.objects.select_related("department").filter(code=parsed.es_id).first()
    try:
        cert = certs.load(parsed.certificate)
    except certs.CertificateError:
        _problem(report, "certificate_unreadable", _("签章证书无法读取。"))
        return report
    ca = platform_ca(SM2)
    report.certificate_trusted = certs.signed_by(cert, ca.signing_key) and (
        seal is not None and certs.load(seal.sm2_certificate).dump() == cert.dump()
    )
    if not report.certificate_trusted:
        _problem(report, "certificate_untrusted", _("签章证书不是本平台为该印章签发的。"))
    from yiwang.kernel import sm2 as sm2_module

    signature_ok = sm2_module.PublicKey.from_point(certs.public_key_point(cert)).verify(
        parsed.signature, parsed.signed_bytes
    )
    report.intact = signature_ok and parsed.data_hash == found.covered_sm3
    if not report.intact:
        _problem(report, "document_altered", _("文件在盖章后被修改,或签章数据被篡改。"))
    if not found.covers_whole_file:
        _problem(report, "content_after_seal", _("盖章后文件又被追加了内容。"))
    _seal_facts(report, seal, parsed.time)
    if seal is not None and parsed.use_id.isdigit():
        report.logged = SealUse.objects.filter(
            pk=int(parsed.use_id), seal=seal, outcome=SealUseOutcome.SEALED
        ).exists()
    if not report.logged:
        _problem(report, "use_not_logged", _("平台用章记录中没有这次盖章。"))
    return report


def _verify_pades(pdf: bytes) -> list[SignatureReport]:
    ca = platform_ca(ECDSA_P256)
    reports = []
    for result in pdfseal.validate_pades(pdf, trust_roots=[certs.load(ca.certificate)]):
        report = SignatureReport(
            format=SealFormat.PADES,
            field_name=result["field_name"],
            intact=result["intact"] and result["valid"],
            covers_whole_file=result["covers_whole_file"],
            certificate_trusted=result["trusted"],
            signed_at=result["signing_time"],
        )
        seal = _seal_of_pades_certificate(result["certificate"])
        if not report.intact:
            _problem(report, "document_altered", _("文件在盖章后被修改,或签章数据被篡改。"))
        if not report.covers_whole_file:
            _problem(report, "content_after_seal", _("盖章后文件又被追加了内容。"))
        if not report.certificate_trusted:
            _problem(report, "certificate_untrusted", _("签章证书不是本平台签发的。"))
        use = None
        if seal is not None:
            # The time that counts is the platform's log of the use, not the signer's clock.
            use = SealUse.objects.filter(
                seal=seal,
                outcome=SealUseOutcome.SEALED,
                format=SealFormat.PADES,
                sealed_sm3=certs.fingerprint(pdf),
            ).first()
        report.logged = use is not None
        if use is not None:
            report.signed_at = use.at
        elif report.intact:
            _problem(report, "use_not_logged", _("平台用章记录中没有这次盖章。"))
        _seal_facts(report, seal, report.signed_at)
        reports.append(report)
    return reports


def _seal_of_pades_certificate(cert: Any) -> Seal | None:
    """The seal a PAdES signer certificate was issued for: its code is in the subject's
    common name (``<name> (<code>)``, see ``_certify``); the DER must be that seal's."""
    if cert is None:
        return None
    common_name = str(cert.subject.native.get("common_name", ""))
    code = common_name.rsplit("(", 1)[-1].rstrip(")") if common_name.endswith(")") else ""
    seal = Seal.objects.select_related("department").filter(code=code).first() if code else None
    if seal is None or certs.load(seal.pades_certificate).dump() != cert.dump():
        return None
    return seal


@audit.refusals_recorded("seals.verify")
def verify_pdf(pdf: bytes, *, actor: Any = None) -> VerificationReport:
    """Check every seal in a PDF: intact, covering the whole file, certified by the platform,
    the seal usable when it was applied, the use on the platform's log."""
    if len(pdf) > max_pdf_bytes():
        raise _refuse(
            ErrorCode.PDF_TOO_LARGE,
            _("文件过大,不能超过%(mb)d MB。") % {"mb": max_pdf_bytes() // (1024 * 1024)},
            status=413,
        )
    try:
        found = pdfseal.signatures(pdf)
    except pdfseal.PdfInvalid as exc:
        raise _refuse(
            ErrorCode.PDF_INVALID, _("文件不是可读取的PDF文档。"), reason=str(exc)
        ) from None
    reports = [_verify_sm2(f) for f in found if f.filter == pdfseal.SM2_FILTER]
    if any(f.filter != pdfseal.SM2_FILTER for f in found):
        try:
            reports.extend(_verify_pades(pdf))
        except Exception as exc:  # pyHanko refuses some damaged files late: report, never 500
            log.info("PAdES validation failed: %s", exc)
            report = VerificationReport(signatures=reports)
            _problem(report, "signature_unreadable", _("文件中的数字签名无法验证。"))
            return report
    result = VerificationReport(signatures=reports)
    if not found:
        _problem(result, "no_seal", _("文件中没有电子印章。"))
    audit.record(
        "seals.verified",
        actor=actor,
        target_type="seals.document",
        target_id=certs.fingerprint(pdf)[:32],
        details={
            "valid": result.valid,
            "signatures": len(reports),
            "problems": sorted(
                {p["code"] for s in reports for p in s.problems}
                | {p["code"] for p in result.problems}
            ),
        },
    )
    return result
