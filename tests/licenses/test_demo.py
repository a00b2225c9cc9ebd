"""The demo data load, and load again without change."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.licenses.models import License, LicenseType

pytestmark = pytest.mark.django_db


def test_demo_licences_load_twice(db: None) -> None:
    from yiwang.identity import demo as identity_demo
    from yiwang.kernel import demo as kernel_demo
    from yiwang.licenses import demo, services

    said: list[str] = []
    kernel_demo.load(actor="demo", say=said.append)
    identity_demo.load(actor="demo", say=said.append)
    demo.load(actor="demo", say=said.append)
    counts = (LicenseType.objects.count(), License.objects.count())
    demo.load(actor="demo", say=said.append)

    assert counts == (5, 5)
    assert (LicenseType.objects.count(), License.objects.count()) == counts
    from django.contrib.auth import get_user_model

    zhang: Any = get_user_model().objects.get(username="zhangwei")
    # his marriage certificate by account, his household register by ID number (imported)
    assert {lic.license_type.code for lic in services.licenses_of_person(zhang)} == {
        "marriage_certificate",
        "household_register",
        "resident_id_card",
    }
    assert {lic.license_type.code for lic in services.licenses_of_holder(zhang)} >= {
        "business_licence",
        "food_business_licence",
    }
