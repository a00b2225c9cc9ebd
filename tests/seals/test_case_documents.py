"""Case documents come out sealed when the department authorised a seal for them: the decision
document of a completed case verifies as sealed by the department's seal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.test_documents import decide, submit
from tests.factories import StaffFactory
from yiwang.cases.models import Case, CaseStatus
from yiwang.kernel import files
from yiwang.seals import services
from yiwang.seals.models import SealUse

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(owning_department: Any) -> Any:
    return StaffFactory(username="approver", role="approver", department=owning_department)


def stored(record: Any) -> bytes:
    with files.open_file(record) as handle:
        return bytes(handle.read())


def test_completed_case_decision_is_sealed(
    seal: Any, published: Any, citizen: Any, clerk: Any, approver: Any
) -> None:
    from yiwang.cases import services as cases

    case: Case = cases.accept(actor=clerk, case=submit(published, citizen))
    case = decide(case, approver)

    assert case.status == CaseStatus.COMPLETED
    report = services.verify_pdf(stored(case.result_document))
    assert report.valid, report
    [signature] = report.signatures
    assert signature.seal_code == seal.code
    assert signature.department == "武昌区市场监督管理局"
    notice = services.verify_pdf(stored(case.acceptance_notice))
    assert notice.valid
    purposes = set(SealUse.objects.filter(seal=seal).values_list("purpose", "reference"))
    assert purposes == {("cases.acceptance", case.case_no), ("cases.decision", case.case_no)}


def test_without_an_authorised_seal_the_decision_is_issued_unsealed(
    seal: Any, seal_admin: Any, published: Any, citizen: Any, clerk: Any, approver: Any
) -> None:
    from yiwang.cases import services as cases

    services.set_automatic_purposes(actor=seal_admin, seal=seal, purposes=["cases.acceptance"])
    case = decide(cases.accept(actor=clerk, case=submit(published, citizen)), approver)

    report = services.verify_pdf(stored(case.result_document))
    assert report.signatures == []
    assert [p["code"] for p in report.problems] == ["no_seal"]
