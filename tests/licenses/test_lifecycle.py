"""Suspend, resume, revoke, change and expire; verification reports the status each time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.cases.support import refusal
from tests.licenses.conftest import FOOD_DATA, issue_food
from yiwang.kernel.models import AuditEntry
from yiwang.licenses import identifiers, services, signing
from yiwang.licenses.models import LicenseStatus, LicenseStatusChange, LicenseVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(food_type: Any, approver: Any, owning_department: Any) -> Any:
    return issue_food(approver, owning_department)


def _qr(license: Any) -> str:
    version = license.current()
    return signing.qr_payload(version.identifier, version.signature)


def test_a_suspended_licence_is_authentic_but_not_current(licence: Any, approver: Any) -> None:
    services.suspend(actor=approver, license=licence, reason="检查发现问题,责令整改")

    result = services.verify_qr(_qr(licence))

    assert result.authentic and not result.current
    assert result.reason == "suspended"
    assert LicenseStatusChange.objects.filter(license=licence, to_status="suspended").exists()
    assert AuditEntry.objects.filter(action="licenses.suspended").exists()

    services.resume(actor=approver, license=licence)
    assert services.verify_qr(_qr(licence)).current


def test_a_revoked_licence_is_not_current(licence: Any, approver: Any) -> None:
    services.revoke(actor=approver, license=licence, reason="申请人申请注销")

    result = services.verify_identifier(licence.current().identifier)

    assert result.authentic and not result.current
    assert result.reason == "revoked" and result.status == "revoked"


def test_revoking_needs_a_reason_and_changes_nothing_without_one(
    licence: Any, approver: Any
) -> None:
    exc = refusal(services.revoke, actor=approver, license=licence, reason="  ")
    assert exc.code == "license_reason_required"
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.VALID


def test_an_outsider_cannot_suspend(licence: Any, outsider: Any) -> None:
    exc = refusal(services.suspend, actor=outsider, license=licence, reason="x")
    assert exc.status == 403
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.VALID


def test_resuming_a_valid_licence_is_refused(licence: Any, approver: Any) -> None:
    exc = refusal(services.resume, actor=approver, license=licence)
    assert exc.code == "license_status_transition_invalid" and exc.status == 409


def test_a_past_validity_is_expired_before_the_job_runs(licence: Any) -> None:
    LicenseVersion.objects.filter(license=licence).update(
        valid_until=services.today() - dt.timedelta(days=1)
    )
    # the stored validity is signed: moving it breaks the signature, so re-sign as issued
    version = licence.current()
    key = version.signing_key
    canonical = services.canonical_of(licence, version)
    LicenseVersion.objects.filter(pk=version.pk).update(signature=signing.sign(key, canonical))
    licence.refresh_from_db()

    result = services.verify_qr(_qr(licence))

    assert result.authentic and not result.current and result.reason == "expired"
    # the job marks it, once
    assert services.expire_due() == 1
    assert services.expire_due() == 0
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.EXPIRED


def test_a_change_makes_a_new_version_and_supersedes_the_old(licence: Any, approver: Any) -> None:
    old = licence.current()
    old_qr = _qr(licence)

    version = services.change(
        actor=approver,
        license=licence,
        data={**FOOD_DATA, "address": "武昌区中北路2号"},
        reason="经营场所变更",
    )

    assert version.version == 2
    assert version.identifier != old.identifier
    assert identifiers.is_valid(version.identifier)
    assert identifiers.base_of(version.identifier) == identifiers.base_of(old.identifier)
    assert version.pdf_id != old.pdf_id
    licence.refresh_from_db()
    new = services.verify_qr(_qr(licence))
    assert new.current and new.version == 2
    stale = services.verify_qr(old_qr)
    assert stale.authentic and not stale.current and stale.reason == "superseded"


def test_a_change_failing_the_schema_is_refused(licence: Any, approver: Any) -> None:
    exc = refusal(
        services.change, actor=approver, license=licence, data={"address": ""}, reason="变更"
    )
    assert exc.code == "license_data_invalid"
    assert LicenseVersion.objects.filter(license=licence).count() == 1


def test_the_expire_command_is_safe_to_run_again(licence: Any) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("licenses", "expire", stdout=out)
    call_command("licenses", "expire", stdout=out)
    assert out.getvalue().count("licences expired: 0") == 2
