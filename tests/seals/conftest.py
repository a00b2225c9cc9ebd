"""Seal fixtures: the owning department's administrator, a seal, a one-page PDF."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import StaffFactory
from yiwang.kernel import pdf as kernel_pdf


@pytest.fixture
def seal_admin(owning_department: Any) -> Any:
    return StaffFactory(username="sealadmin", role="department_admin", department=owning_department)


@pytest.fixture
def seal(seal_admin: Any, owning_department: Any) -> Any:
    from yiwang.seals import services

    return services.register_seal(
        actor=seal_admin,
        department=owning_department,
        name="武昌区市场监督管理局行政审批专用章",
        kind="business",
        automatic_purposes=["cases.decision", "cases.acceptance", "licenses.issue"],
    )


@pytest.fixture
def one_page_pdf() -> bytes:
    style = kernel_pdf.styles()
    return kernel_pdf.build_a4(
        [kernel_pdf.paragraph("准予行政许可决定书", style.title)], title="决定书", subject="test"
    )
