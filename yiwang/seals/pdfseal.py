"""Putting seals into PDFs and reading them back (no database here; services.py decides who
may seal and records it).

Both formats are PDF signature fields with a visible appearance — the seal's image — placed
on a page, written as an incremental update, with a ``/ByteRange`` that covers the whole file
but the signature value:

* **SM2** (``/Filter /Yiwang.ESeal``, ``/SubFilter /GBT38540.SM2``): the value is a seal
  record (``record.py``) whose ``dataHash`` is the SM3 of the byte range. Ordinary readers
  show the field but cannot check it; our verifier can.
* **PAdES** (``/ETSI.CAdES.detached``, through pyHanko): a CMS signature by the seal's ECDSA
  key with its certificate from the platform's ECDSA CA, which any PDF reader can check
  against that CA.

A document changed after sealing no longer matches the hash its seal signed; bytes appended
after the seal leave the byte range short of the file's end, which the verifier reports.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from PIL import Image
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.cms_embedder import (
    PdfCMSEmbedder,
    SigAppearanceSetup,
    SigIOSetup,
    SigObjSetup,
)
from pyhanko.sign.signers.pdf_byterange import PdfSignedData
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from yiwang.kernel import sm2

SM2_FILTER = "/Yiwang.ESeal"
SM2_SUBFILTER = "/GBT38540.SM2"
#: Room for the seal record in the file: picture (a seal PNG is a few kB) plus certificate.
_RESERVED = 96 * 1024
#: The seal's printed size: 40 mm, the usual diameter of an official seal.
SEAL_POINTS = 113


class PdfInvalid(ValueError):
    """Bytes that are not a PDF we can read or write."""


@dataclass(frozen=True)
class Placement:
    """Where the seal goes: a page (negative counts from the end) and the seal's centre."""

    page: int = -1
    x: float | None = None  # points from the left; default: right third of the page
    y: float | None = None  # points from the bottom; default: lower quarter


@dataclass(frozen=True)
class FoundSignature:
    """A signature field read from a PDF."""

    field_name: str
    filter: str
    subfilter: str
    contents: bytes
    byte_range: tuple[int, ...]
    covered_sm3: bytes  # SM3 over the byte range
    covers_whole_file: bool


class _SealRecordObject(PdfSignedData):
    """The signature dictionary of an SM2 seal: our filter, the record in /Contents."""

    def __init__(self, timestamp: dt.datetime, bytes_reserved: int) -> None:
        super().__init__(
            obj_type=pdf_name("/Sig"), timestamp=timestamp, bytes_reserved=bytes_reserved
        )
        self[pdf_name("/Filter")] = pdf_name(SM2_FILTER)
        self[pdf_name("/SubFilter")] = pdf_name(SM2_SUBFILTER)


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise PdfInvalid("not a PDF file")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        writer.root  # noqa: B018 — read the catalogue now: a damaged file fails here
        if not len(writer.prev.root["/Pages"]["/Kids"]):
            raise PdfInvalid("the PDF has no pages")
    except PdfInvalid:
        raise
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise PdfInvalid(f"the PDF cannot be read: {exc}") from None
    return writer


def _box(
    writer: IncrementalPdfFileWriter, placement: Placement
) -> tuple[int, tuple[int, int, int, int]]:
    pages = writer.prev.root["/Pages"]
    count = int(pages["/Count"])
    index = placement.page if placement.page >= 0 else count + placement.page
    if not 0 <= index < count:
        raise PdfInvalid(f"the PDF has no page {placement.page}")
    page = writer.prev.find_page_for_modification(index)[0].get_object()  # type: ignore[no-untyped-call]
    inherited = pages.get("/MediaBox", [0, 0, 595, 842])
    media = [float(v) for v in page.get("/MediaBox", inherited)]
    width, height = media[2] - media[0], media[3] - media[1]
    cx = placement.x if placement.x is not None else media[0] + width * 0.72
    cy = placement.y if placement.y is not None else media[1] + height * 0.22
    half = SEAL_POINTS / 2
    return index, (int(cx - half), int(cy - half), int(cx + half), int(cy + half))


def _style(picture: bytes) -> StaticStampStyle:
    image = Image.open(io.BytesIO(picture))
    image.load()
    return StaticStampStyle(background=PdfImage(image), border_width=0, background_opacity=1.0)


def _field_name(writer: IncrementalPdfFileWriter, prefix: str) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev, filled_status=None)}
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def seal_sm2(
    pdf: bytes,
    *,
    picture: bytes,
    seal_name: str,
    when: dt.datetime,
    placement: Placement,
    make_record: Callable[[bytes], bytes],
) -> bytes:
    """Seal with an SM2 seal record. ``make_record(sm3_of_byte_range)`` returns the record's
    DER (it signs inside the key store)."""
    writer = _writer(pdf)
    page, box = _box(writer, placement)
    name = _field_name(writer, "YiwangSeal")
    embedder = PdfCMSEmbedder(
        new_field_spec=fields.SigFieldSpec(sig_field_name=name, on_page=page, box=box)
    ).write_cms(field_name=name, writer=writer)
    next(embedder)
    embedder.send(
        SigObjSetup(
            sig_placeholder=_SealRecordObject(when, _RESERVED),
            appearance_setup=SigAppearanceSetup(
                style=_style(picture), timestamp=when, name=seal_name
            ),
        )
    )
    prepared, output = embedder.send(SigIOSetup(md_algorithm="sha256", in_place=False))
    buffer = output.getbuffer()
    digest = _sm3_ranges(
        buffer, (0, prepared.reserved_region_start, prepared.reserved_region_end, len(buffer))
    )
    buffer.release()
    embedder.send(make_record(digest))
    return bytes(output.getvalue())


class StoreSigner(signers.Signer):
    """A pyHanko signer whose ECDSA private key stays in the key store."""

    def __init__(
        self,
        *,
        sign: Callable[[bytes], bytes],
        certificate: asn1_x509.Certificate,
        chain: list[asn1_x509.Certificate],
    ) -> None:
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),  # type: ignore[no-untyped-call]
            embed_roots=True,
        )
        self._sign = sign

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if digest_algorithm != "sha256":
            raise ValueError(f"the seal's ECDSA key signs with SHA-256, not {digest_algorithm}")
        if dry_run:
            return bytes(72)
        return self._sign(data)


def seal_pades(
    pdf: bytes,
    *,
    picture: bytes,
    seal_name: str,
    when: dt.datetime,
    placement: Placement,
    signer: StoreSigner,
    reason: str,
    location: str,
) -> bytes:
    """Seal as a PAdES baseline signature (ETSI.CAdES.detached) with the seal's image."""
    writer = _writer(pdf)
    page, box = _box(writer, placement)
    name = _field_name(writer, "YiwangPAdES")
    metadata = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=seal_name,
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer,
        stamp_style=_style(picture),
        new_field_spec=fields.SigFieldSpec(sig_field_name=name, on_page=page, box=box),
    )
    output = io.BytesIO()
    asyncio.run(
        pdf_signer.async_sign_pdf(writer, output=output, appearance_text_params={"ts": str(when)})
    )
    return output.getvalue()


def _sm3_ranges(buffer: Any, byte_range: tuple[int, ...]) -> bytes:
    data = bytearray()
    for start, length in zip(byte_range[0::2], byte_range[1::2], strict=True):
        data += buffer[start : start + length]
    return sm2.sm3(bytes(data))


def signatures(pdf: bytes) -> list[FoundSignature]:
    """Every filled signature field, in file order, with the SM3 of what it covers."""
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise PdfInvalid("not a PDF file")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        found = []
        for name, value, _ in fields.enumerate_sig_fields(reader, filled_status=True):
            sig = value.get_object()
            byte_range = tuple(int(v) for v in sig["/ByteRange"])
            if len(byte_range) != 4 or byte_range[0] != 0:
                raise PdfInvalid(f"signature {name} has an unusual byte range")
            contents = sig["/Contents"]
            found.append(
                FoundSignature(
                    field_name=str(name),
                    filter=str(sig.get("/Filter", "")),
                    subfilter=str(sig.get("/SubFilter", "")),
                    contents=bytes(
                        contents.original_bytes if hasattr(contents, "original_bytes") else contents
                    ),
                    byte_range=byte_range,
                    covered_sm3=_sm3_ranges(
                        pdf, (byte_range[0], byte_range[1], byte_range[2], byte_range[3])
                    ),
                    covers_whole_file=byte_range[2] + byte_range[3] == len(pdf),
                )
            )
    except PdfInvalid:
        raise
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise PdfInvalid(f"the PDF cannot be read: {exc}") from None
    return found


def validate_pades(pdf: bytes, *, trust_roots: list[asn1_x509.Certificate]) -> list[dict[str, Any]]:
    """pyHanko's validation of each PAdES signature against our CA: intact, valid, covers."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    context = ValidationContext(
        trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    results = []
    for embedded in reader.embedded_signatures:
        if str(embedded.sig_object.get("/Filter", "")) == SM2_FILTER:
            continue
        status = validate_pdf_signature(embedded, signer_validation_context=context)
        results.append(
            {
                "field_name": embedded.field_name,
                "intact": bool(status.intact),
                "valid": bool(status.valid),
                "trusted": bool(status.trusted),
                "covers_whole_file": status.coverage is not None
                and status.coverage.name == "ENTIRE_FILE",
                "signing_time": status.signer_reported_dt,
                "certificate": status.signing_cert,
            }
        )
    return results
