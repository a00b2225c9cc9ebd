"""One-page PDF sealing per second through ``seals.services.seal_pdf`` (the use log row, the
audit entry, the key store, the platform CA's certificate) against the raw cost a seal cannot
avoid, measured side by side in the same run:

* ``seal_pdf_sm2``: the baseline is the same incremental update with the same visible seal
  image and the same GB/T 38540-style seal record (``pdfseal.seal_sm2`` + ``record``), signed
  by a bare in-memory SM2 key — no database, no key store.
* ``seal_pdf_pades``: the baseline is pyHanko signing the same page with the same stamp image
  through its own ``SimpleSigner`` holding an in-memory ECDSA P-256 key and a self-signed
  certificate — none of our code.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import harness  # first: it sets up Django, so yiwang can be imported after it
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from yiwang.kernel import pdf as kernel_pdf
from yiwang.kernel import services as kernel_services
from yiwang.kernel import sm2
from yiwang.kernel.models import Department, Region
from yiwang.seals import pdfseal, record, services
from yiwang.seals.models import Seal

OPS = 10
ROUNDS = 7


def one_page_pdf() -> bytes:
    style = kernel_pdf.styles()
    return kernel_pdf.build_a4(
        [kernel_pdf.paragraph("准予行政许可决定书", style.title)], title="决定书", subject="bench"
    )


def a_seal() -> tuple[Seal, Any]:
    with transaction.atomic():
        region = Region.objects.create(code="42", name="湖北省", level="province")
        department = Department.objects.create(
            code="42-SCJG", name="湖北省市场监督管理局", region=region
        )
        user = get_user_model().objects.create(username="sealbench", is_staff=True)
        kernel_services.assign_role(
            actor="bench", user=user, role="department_admin", region=region, department=department
        )
        seal = services.register_seal(
            actor=user, department=department, name="湖北省市场监督管理局公章", kind="official"
        )
        services.grant_use(actor=user, seal=seal, user=user)
    return seal, user


def sm2_baseline(seal: Seal, pdf: bytes) -> Callable[[], bytes]:
    """The same seal record and incremental update, signed by a bare in-memory key."""
    key = sm2.PrivateKey.generate()
    certificate = services.certs.load(seal.sm2_certificate).dump()
    picture = bytes(seal.image)

    def make_record(data_hash: bytes) -> bytes:
        now = timezone.now()
        tbs = record.to_sign(
            es_id=seal.code,
            kind=seal.kind,
            name=seal.name,
            department=seal.department.name,
            department_code=seal.department.code,
            valid_start=seal.valid_from,
            valid_end=seal.valid_until,
            picture=picture,
            time=now,
            data_hash=data_hash,
            property_info="bench;",
            use_id="1",
        )
        return record.assemble(tbs, certificate=certificate, signature=key.sign(tbs.dump()))

    def seal_once() -> bytes:
        return pdfseal.seal_sm2(
            pdf,
            picture=picture,
            seal_name=seal.name,
            when=timezone.now(),
            placement=pdfseal.Placement(),
            make_record=make_record,
        )

    return seal_once


def _self_signed_ecdsa() -> signers.SimpleSigner:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench seal")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    certificate = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    private = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=private,
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )


def pades_baseline(seal: Seal, pdf: bytes) -> Callable[[], bytes]:
    """pyHanko alone: the same page, the same stamp image, an in-memory ECDSA key."""
    signer = _self_signed_ecdsa()
    picture = bytes(seal.image)

    def seal_once() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        metadata = signers.PdfSignatureMetadata(
            field_name="Bench1", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
        )
        pdf_signer = signers.PdfSigner(
            metadata,
            signer=signer,
            stamp_style=pdfseal._style(picture),
            new_field_spec=fields.SigFieldSpec(
                sig_field_name="Bench1", on_page=0, box=(372, 128, 485, 241)
            ),
        )
        output = io.BytesIO()
        asyncio.run(pdf_signer.async_sign_pdf(writer, output=output))
        return output.getvalue()

    return seal_once


def main() -> None:
    pdf = one_page_pdf()
    seal, user = a_seal()

    def ours(fmt: str) -> Callable[[], bytes]:
        return lambda: services.seal_pdf(pdf, actor=user, seal=seal, purpose="bench", fmt=fmt)

    sm2_base = sm2_baseline(seal, pdf)
    pades_base = pades_baseline(seal, pdf)
    # Check the outcome first: each side makes a PDF our verifier (or pyHanko) reads as sealed.
    for fmt in ("sm2", "pades"):
        report = services.verify_pdf(ours(fmt)())
        if not report.valid:
            raise RuntimeError(f"our {fmt} seal does not verify: {report}")
    if not pdfseal.signatures(sm2_base()):
        raise RuntimeError("the SM2 baseline wrote no signature")
    if not pdfseal.signatures(pades_base()):
        raise RuntimeError("the PAdES baseline wrote no signature")

    harness.compare("seal_pdf_sm2", ours("sm2"), sm2_base, ops_per_round=OPS, rounds=ROUNDS)
    harness.compare("seal_pdf_pades", ours("pades"), pades_base, ops_per_round=OPS, rounds=ROUNDS)


if __name__ == "__main__":
    with harness.test_database():
        main()
