"""What the seal services refuse or report as not genuine: altered documents, seals that are
suspended or revoked, people without a grant, files that are not PDFs, bad registrations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import StaffFactory
from tests.seals.support import flip_byte, page_content_offset, sealed
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry
from yiwang.seals import services
from yiwang.seals.models import Seal, SealPermission, SealUse

pytestmark = pytest.mark.django_db


def refusal(call: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def problem_codes(report: services.VerificationReport) -> set[str]:
    return {p["code"] for s in report.signatures for p in s.problems} | {
        p["code"] for p in report.problems
    }


# --- altered documents ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sm2", "pades"])
def test_a_byte_changed_in_the_page_is_document_altered(
    seal: Any, seal_admin: Any, one_page_pdf: bytes, fmt: str
) -> None:
    document = sealed(seal, seal_admin, one_page_pdf, fmt)
    assert services.verify_pdf(document).valid

    tampered = flip_byte(document, page_content_offset(document))
    report = services.verify_pdf(tampered)

    assert not report.valid
    [signature] = report.signatures
    assert not signature.intact
    assert "document_altered" in problem_codes(report)


@pytest.mark.parametrize("fmt", ["sm2", "pades"])
def test_bytes_after_the_seal_are_content_after_seal(
    seal: Any, seal_admin: Any, one_page_pdf: bytes, fmt: str
) -> None:
    document = sealed(seal, seal_admin, one_page_pdf, fmt)

    report = services.verify_pdf(document + b"\n1 0 obj\n(added later)\nendobj\n")

    assert not report.valid
    assert "content_after_seal" in problem_codes(report)


# --- the seal's state -----------------------------------------------------------------------


def test_revoked_seal_refuses_but_earlier_documents_still_verify(
    seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    before = sealed(seal, seal_admin, one_page_pdf)
    services.change_status(actor=seal_admin, seal=seal, action="revoke", reason="印章更换")

    refused = refusal(services.seal_pdf, one_page_pdf, actor=seal_admin, seal=seal, purpose="test")
    report = services.verify_pdf(before)

    assert refused.code == "seal_not_usable"
    assert SealUse.objects.filter(seal=seal, outcome="refused", refusal_code="seal_not_usable")
    [signature] = report.signatures
    assert signature.intact
    assert signature.seal_valid_at_signing is True
    assert signature.seal_status_now == "已注销"
    assert report.valid


def test_revoked_seal_pades_document_still_verifies(
    seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    before = sealed(seal, seal_admin, one_page_pdf, "pades")
    services.change_status(actor=seal_admin, seal=seal, action="revoke", reason="印章更换")

    [signature] = services.verify_pdf(before).signatures

    assert signature.seal_valid_at_signing is True
    assert signature.seal_status_now == "已注销"


def test_suspended_seal_is_refused_and_logged(
    seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    services.change_status(actor=seal_admin, seal=seal, action="suspend", reason="保管人调岗")

    refused = refusal(services.seal_pdf, one_page_pdf, actor=seal_admin, seal=seal, purpose="test")

    assert refused.code == "seal_not_usable"
    assert refused.status == 409
    assert not SealUse.objects.filter(seal=seal, outcome="sealed").exists()
    assert SealUse.objects.filter(seal=seal, outcome="refused").count() == 1


def test_system_seals_nothing_with_a_suspended_seal(
    seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    services.change_status(actor=seal_admin, seal=seal, action="suspend", reason="检查")

    out = services.seal_for_department(
        one_page_pdf, department_code=seal.department.code, purpose="cases.decision", reference="X"
    )

    assert out == one_page_pdf  # issued unsealed, not held up


def test_suspend_needs_a_reason(seal: Any, seal_admin: Any) -> None:
    refused = refusal(services.change_status, actor=seal_admin, seal=seal, action="suspend")

    assert refused.code == "seal_reason_required"
    seal.refresh_from_db()
    assert seal.status == "active"
    assert seal.status_changes.count() == 1


def test_enabling_an_active_seal_is_a_transition_error(seal: Any, seal_admin: Any) -> None:
    refused = refusal(services.change_status, actor=seal_admin, seal=seal, action="enable")

    assert refused.code == "seal_status_transition_invalid"


# --- who may use it -------------------------------------------------------------------------


def test_user_without_permission_is_refused_logged_and_audited(
    seal: Any, clerk: Any, one_page_pdf: bytes
) -> None:
    refused = refusal(
        services.seal_pdf, one_page_pdf, actor=clerk, seal=seal, purpose="test", reference="R-9"
    )

    assert refused.code == "seal_use_not_permitted"
    use = SealUse.objects.get(seal=seal)
    assert (use.outcome, use.user, use.reference) == ("refused", clerk, "R-9")
    entry = AuditEntry.objects.get(action="seals.use_refused", target_id=str(seal.pk))
    assert entry.actor_id == clerk.pk
    assert entry.details["code"] == "seal_use_not_permitted"


def test_withdrawn_grant_is_refused(
    seal: Any, seal_admin: Any, clerk: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=clerk)
    services.withdraw_use(actor=seal_admin, seal=seal, user=clerk)

    refused = refusal(services.seal_pdf, one_page_pdf, actor=clerk, seal=seal, purpose="test")

    assert refused.code == "seal_use_not_permitted"


def test_another_departments_admin_cannot_manage(
    seal: Any, other_department: Any, clerk: Any
) -> None:
    stranger = StaffFactory(
        username="yichangadmin", role="department_admin", department=other_department
    )

    for call, kwargs in [
        (services.change_status, {"action": "suspend", "reason": "x"}),
        (services.grant_use, {"user": clerk}),
        (services.set_automatic_purposes, {"purposes": []}),
    ]:
        assert refusal(call, actor=stranger, seal=seal, **kwargs).code == "seal_use_not_permitted"

    seal.refresh_from_db()
    assert seal.status == "active"
    assert seal.automatic_purposes
    assert not SealPermission.objects.filter(seal=seal).exists()


# --- bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"just some text, not a PDF at all",
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<<>>\n%%EOF\n",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    ],
    ids=["empty", "text", "corrupt", "png"],
)
@pytest.mark.parametrize("fmt", ["sm2", "pades"])
def test_unreadable_pdf_is_refused(seal: Any, seal_admin: Any, content: bytes, fmt: str) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)

    refused = refusal(
        services.seal_pdf, content, actor=seal_admin, seal=seal, purpose="test", fmt=fmt
    )

    assert refused.code == "seal_pdf_invalid"
    assert refused.status == 400
    assert not SealUse.objects.filter(outcome="sealed").exists()
    assert SealUse.objects.filter(outcome="refused", refusal_code="seal_pdf_invalid").exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"plain text", b"%PDF-1.7\n1 0 obj\n<< /Broken\n%%EOF\n"],
    ids=["empty", "text", "corrupt"],
)
def test_verifying_an_unreadable_pdf_is_refused_and_logged(db: None, content: bytes) -> None:
    from yiwang.kernel.models import AuditEntry

    assert refusal(services.verify_pdf, content, actor=None).code == "seal_pdf_invalid"
    logged = AuditEntry.objects.get(action="seals.verify_refused")
    assert logged.details["code"] == "seal_pdf_invalid"


def test_too_large_is_refused(
    settings: Any, seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    settings.YIWANG_SEAL_MAX_PDF_BYTES = len(one_page_pdf) - 1
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)

    sealing = refusal(services.seal_pdf, one_page_pdf, actor=seal_admin, seal=seal, purpose="t")
    verifying = refusal(services.verify_pdf, one_page_pdf)

    assert (sealing.code, sealing.status) == ("seal_pdf_too_large", 413)
    assert verifying.code == "seal_pdf_too_large"


def test_wrong_format_is_refused(seal: Any, seal_admin: Any, one_page_pdf: bytes) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)

    refused = refusal(
        services.seal_pdf, one_page_pdf, actor=seal_admin, seal=seal, purpose="t", fmt="ofd"
    )

    assert refused.code == "seal_format_invalid"


# --- registering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [b"", b"GIF89a not really", b"\x89PNG\r\n\x1a\n broken"],
    ids=["empty", "gif-header", "broken-png"],
)
def test_registering_with_a_bad_image(
    seal_admin: Any, owning_department: Any, image: bytes
) -> None:
    refused = refusal(
        services.register_seal,
        actor=seal_admin,
        department=owning_department,
        name="公章",
        kind="official",
        image=image,
    )

    assert refused.code == "seal_image_invalid"
    assert not Seal.objects.exists()


def test_registering_with_a_tiny_image(seal_admin: Any, owning_department: Any) -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, format="PNG")
    refused = refusal(
        services.register_seal,
        actor=seal_admin,
        department=owning_department,
        name="公章",
        kind="official",
        image=out.getvalue(),
    )

    assert refused.code == "seal_image_invalid"


def test_registering_with_bad_fields_points_at_each(
    seal_admin: Any, owning_department: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    refused = refusal(
        services.register_seal,
        actor=seal_admin,
        department=owning_department,
        name=" ",
        kind="stamp",
        valid_until=timezone.now() - dt.timedelta(days=1),
        automatic_purposes=["everything"],
    )

    assert refused.code == "seal_invalid"
    assert {e["field"] for e in refused.details["errors"]} == {
        "name",
        "kind",
        "valid_until",
        "automatic_purposes",
    }


def test_a_clerk_cannot_register(clerk: Any, owning_department: Any) -> None:
    refused = refusal(
        services.register_seal,
        actor=clerk,
        department=owning_department,
        name="公章",
        kind="official",
    )

    assert refused.code == "seal_use_not_permitted"
    assert not Seal.objects.exists()
