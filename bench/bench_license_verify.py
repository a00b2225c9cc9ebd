"""E-licence QR verification per second — what a clerk's scanner or the public verification
page costs: ``licenses.services.verify_qr`` (parse the payload, check the identifier's check
character, read the licence version, SM2-verify the issuer's signature over the stored
canonical data, decide the status, write the audit entry) — against the floor it cannot go
below, measured in the same run: one SM2 verification of the same signature over the same
bytes with a key already in memory.

Prints ``license_verify: ratio R (ours X/s, baseline Y/s)``; the ratio shows how much the
database look-up, the status rules and the audit trail add to the cryptography.
"""

from __future__ import annotations

import itertools

import harness  # first: it sets up Django, so yiwang can be imported after it
from django.db import transaction
from stdnum.cn import uscc

from yiwang.kernel import keystore
from yiwang.kernel.models import Department, Region
from yiwang.licenses import services, signing
from yiwang.licenses.models import LicenseVersion

LICENCES = 200


def _credit_code(n: int) -> str:
    base = f"91420106MA4K{n:05d}"
    return base + uscc.calc_check_digit(base)


def _setup() -> list[str]:
    with transaction.atomic():
        province = Region.objects.create(code="42", name="湖北省", level="province")
        city = Region.objects.create(code="4201", name="武汉市", level="city", parent=province)
        Department.objects.create(code="4201-SCJG", name="武汉市市场监督管理局", region=city)
        services.create_type(
            actor="bench",
            code="food_business_licence",
            identifier_code="SPJY",
            name="食品经营许可证",
            fields_schema={
                "type": "object",
                "required": ["business_name", "address"],
                "properties": {
                    "business_name": {"type": "string", "title": "经营者名称"},
                    "address": {"type": "string", "title": "经营场所"},
                },
            },
            layout=[
                {"field": "business_name", "label": "经营者名称"},
                {"field": "address", "label": "经营场所"},
            ],
            validity_years=5,
        )
    payloads = []
    for n in range(LICENCES):
        with transaction.atomic():
            licence = services.issue(
                actor="bench",
                type_code="food_business_licence",
                issuer_department_code="4201-SCJG",
                holder_kind="entity",
                holder_name=f"武汉某某餐饮有限公司{n}",
                holder_credit_code=_credit_code(n),
                data={"business_name": f"某某餐饮{n}", "address": f"武昌区中北路{n}号"},
            )
        version = LicenseVersion.objects.get(license=licence, version=licence.version)
        payloads.append(signing.qr_payload(version.identifier, version.signature))
    return payloads


def main() -> None:
    with harness.test_database():
        payloads = _setup()
        harness.log(f"bench: {len(payloads)} licences issued")
        version = (
            LicenseVersion.objects.select_related("signing_key", "license__license_type")
            .order_by("pk")
            .first()
        )
        assert version is not None
        public = keystore.public_key_of(version.signing_key)
        signature = bytes.fromhex(version.signature)
        canonical = services._canonical_of(version.license, version)
        if not public.verify(signature, canonical):
            raise RuntimeError("the stored signature does not verify over the canonical data")
        result = services.verify_qr(payloads[0])
        if not (result.authentic and result.current):
            raise RuntimeError(f"a fresh licence does not verify: {result}")
        cycle = itertools.cycle(payloads)
        harness.compare(
            "license_verify",
            lambda: services.verify_qr(next(cycle)),
            lambda: public.verify(signature, canonical),
            ops_per_round=100,
        )


if __name__ == "__main__":
    main()
