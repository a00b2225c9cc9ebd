"""Sealing PDFs with SM2 seal records and PAdES, and verifying them."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.kernel.errors import DomainError
from yiwang.seals import services
from yiwang.seals.models import SealUse


def test_sm2_seal_verifies_and_names_the_seal(
    seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    sealed = services.seal_pdf(
        one_page_pdf, actor=seal_admin, seal=seal, purpose="test", reference="T-1"
    )
    report = services.verify_pdf(sealed)
    assert report.valid, report
    [signature] = report.signatures
    assert signature.seal_name == seal.name
    assert signature.department == "武昌区市场监督管理局"
    assert signature.format == "sm2"


def test_pades_seal_verifies(seal: Any, seal_admin: Any, one_page_pdf: bytes) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    sealed = services.seal_pdf(
        one_page_pdf, actor=seal_admin, seal=seal, purpose="test", fmt="pades"
    )
    report = services.verify_pdf(sealed)
    assert report.valid, report
    assert report.signatures[0].format == "pades"


def test_user_without_permission_is_refused_and_logged(
    seal: Any, clerk: Any, one_page_pdf: bytes
) -> None:
    with pytest.raises(DomainError) as refused:
        services.seal_pdf(one_page_pdf, actor=clerk, seal=seal, purpose="test")
    assert refused.value.code == "seal_use_not_permitted"
    assert SealUse.objects.filter(seal=seal, outcome="refused", user=clerk).exists()
