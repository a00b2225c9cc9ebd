"""Paperless materials (免提交): a material requirement met by an e-licence the applicant holds.

When a requirement names a licence type (``Material.license_type``) and the applicant (or the
entity the case is for) holds a valid licence of that type, the materials page offers it; with
the applicant's consent (:func:`use_licence`) the material is marked exempt with the licence's
identifier. At submission (and resubmission) the licence is checked again — still valid? — and
the use is recorded on the licence (:func:`yiwang.licenses.services.use_for_case`), where the
holder sees it and the "materials saved" figure counts it. Without a valid licence, or without
consent, the requirement is an ordinary upload.

Requirements met by shared data (``shared_data``) stay exempt at submission as before: the data
exchange (a later module) will fetch and verify them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import Case, CaseMaterial, MaterialStatus
from yiwang.kernel.errors import DomainError

PREFIX = "licence:"


def _licences() -> Any:
    from yiwang.licenses import services

    return services


def offer(case: Case, license_type: str) -> dict[str, Any] | None:
    """The valid licence of ``license_type`` the case's applicant holds (a summary), if any."""
    if not license_type:
        return None
    return _licences().valid_license_for(  # type: ignore[no-any-return]
        holder_user_id=case.applicant_id,
        entity_credit_code=case.entity_credit_code,
        type_code=license_type,
    )


def licence_of(material: CaseMaterial) -> str:
    """The identifier of the licence a material was met by ('' when none)."""
    return material.exempt_by[len(PREFIX) :] if material.exempt_by.startswith(PREFIX) else ""


def licence_check(material: CaseMaterial) -> dict[str, Any] | None:
    """For the staff case page: the licence a material was met by, checked now (type name,
    identifier, ``current``, and ``message`` naming a problem such as "证照已注销。") without
    recording a verification; None for a material not met by a licence (or by one the
    licences module does not know: the page shows its basis as recorded)."""
    identifier = licence_of(material)
    if not identifier:
        return None
    return _licences().check_identifier(identifier)  # type: ignore[no-any-return]


@transaction.atomic
def use_licence(*, actor: Any, case: Case, code: str) -> CaseMaterial:
    """The applicant consents to their e-licence standing in for the material ``code``."""
    from yiwang.cases import services

    case = services._locked(case)
    services._require_applicant(actor, case)
    if case.status not in ("draft", "supplement"):
        raise services._transition(case, _("使用电子证照"))
    material = case.materials.filter(code=code).first()
    requirement = (
        services.version_of(case).materials.filter(code=code).first() if material else None
    )
    return consent(
        actor=actor,
        case=case,
        material=material,
        license_type=requirement.license_type if requirement is not None else "",
        code=code,
    )


def unavailable(code: str) -> DomainError:
    return DomainError(
        ErrorCode.LICENCE_UNAVAILABLE,
        _("您没有可用于该材料的有效电子证照,请上传材料。"),
        status=409,
        material=code,
    )


def consent(
    *, actor: Any, case: Case, material: CaseMaterial | None, license_type: str, code: str
) -> CaseMaterial:
    """Mark ``material`` as met by the applicant's valid licence of ``license_type`` (in the
    caller's transaction, the case locked); 409 when they hold none."""
    from yiwang.cases import services

    found = offer(case, license_type)
    if material is None or found is None:
        raise unavailable(code)
    material.status = MaterialStatus.EXEMPT
    material.exempt_by = f"{PREFIX}{found['identifier']}"
    material.file = None
    material.save(update_fields=["status", "exempt_by", "file"])
    services._event(
        case,
        actor,
        "licence_consented",
        material=code,
        identifier=found["identifier"],
        license_type=license_type,
    )
    return material


def recheck(case: Case, material: CaseMaterial, license_type: str) -> dict[str, Any] | None:
    """A consented licence checked again as the case is submitted: the error for the material
    when the licence is no longer valid, else None (a newer version of the same licence takes
    the consented one's place)."""
    identifier = licence_of(material)
    if not identifier:
        return None
    found = offer(case, license_type)
    if found is None:
        return {
            "field": f"materials.{material.code}",
            "code": "licence_not_valid",
            "message": _("用于“%(name)s”的电子证照已不再有效,请上传材料。")
            % {"name": material.name},
        }
    if found["identifier"] != identifier:
        material.exempt_by = f"{PREFIX}{found['identifier']}"
        material.save(update_fields=["exempt_by"])
    return None


def record_uses(case: Case) -> int:
    """Record on each licence that this (now numbered) case used it in place of a material."""
    from yiwang.cases import services

    requirements = {m.code: m for m in services.version_of(case).materials.all()}
    count = 0
    for material in case.materials.filter(
        status=MaterialStatus.EXEMPT, exempt_by__startswith=PREFIX
    ):
        requirement = requirements.get(material.code)
        found = offer(case, requirement.license_type) if requirement is not None else None
        if found is None:
            continue
        _licences().use_for_case(
            actor=case.applicant if case.applicant_id else "system",
            license_id=found["license_id"],
            case_no=case.case_no,
            department_code=case.department.code,
            material_code=material.code,
        )
        count += 1
    return count
