"""The seal record: what an SM2 seal leaves in a document, in the spirit of GB/T 38540.

GB/T 38540-2020 (安全电子签章密码技术规范) defines the e-seal data (``SESeal``) and the
signature made with it (``SES_Signature``): the seal's information and picture, the time, the
hash of the signed data, the signer's certificate, and an SM2 signature over all of it. This
is our encoding of those parts (DER, asn1crypto):

    SealInfo ::= SEQUENCE {
        version      INTEGER,          -- 4, as GB/T 38540's current version
        esID         UTF8String,       -- the seal's code
        kind         UTF8String,       -- official, license, business...
        name         UTF8String,
        department   UTF8String,       -- department name
        departmentCode UTF8String,
        validStart   GeneralizedTime,
        validEnd     GeneralizedTime,
        pictureType  IA5String,        -- "PNG"
        picture      OCTET STRING }
    TBSSign ::= SEQUENCE {
        version      INTEGER,          -- 4
        eseal        SealInfo,
        timeInfo     GeneralizedTime,  -- when the seal was applied
        dataHash     OCTET STRING,     -- SM3 over the PDF's /ByteRange
        propertyInfo UTF8String,       -- purpose and business reference
        useId        UTF8String }      -- the platform's use-log entry
    SealRecord ::= SEQUENCE {
        toSign       TBSSign,
        cert         OCTET STRING,     -- the seal's SM2 certificate (DER), from the platform CA
        signatureAlg OBJECT IDENTIFIER,-- 1.2.156.10197.1.501, SM2 with SM3
        signature    BIT STRING }      -- DER SM2 signature over toSign, default user id

Differences from the standard, on purpose: the seal data is not separately signed by a seal
maker (the platform CA's certificate of the seal key stands for it), and ``useId`` ties the
record to the platform's log so a verifier can confirm the use was recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from asn1crypto import core

from yiwang.kernel.certs import SM2_WITH_SM3

VERSION = 4


class SealInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto has no types
    _fields = [
        ("version", core.Integer),
        ("es_id", core.UTF8String),
        ("kind", core.UTF8String),
        ("name", core.UTF8String),
        ("department", core.UTF8String),
        ("department_code", core.UTF8String),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
        ("picture_type", core.IA5String),
        ("picture", core.OctetString),
    ]


class TBSSign(core.Sequence):  # type: ignore[misc]  # asn1crypto has no types
    _fields = [
        ("version", core.Integer),
        ("eseal", SealInfo),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetString),
        ("property_info", core.UTF8String),
        ("use_id", core.UTF8String),
    ]


class SealRecord(core.Sequence):  # type: ignore[misc]  # asn1crypto has no types
    _fields = [
        ("to_sign", TBSSign),
        ("cert", core.OctetString),
        ("signature_alg", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
    ]


class RecordError(ValueError):
    """Bytes that are not a seal record."""


@dataclass(frozen=True)
class Parsed:
    """A seal record read back, with the exact bytes its signature covers."""

    es_id: str
    kind: str
    name: str
    department: str
    department_code: str
    valid_start: dt.datetime
    valid_end: dt.datetime
    picture: bytes
    time: dt.datetime
    data_hash: bytes
    property_info: str
    use_id: str
    certificate: bytes
    signature: bytes
    signed_bytes: bytes


def to_sign(
    *,
    es_id: str,
    kind: str,
    name: str,
    department: str,
    department_code: str,
    valid_start: dt.datetime,
    valid_end: dt.datetime,
    picture: bytes,
    time: dt.datetime,
    data_hash: bytes,
    property_info: str,
    use_id: str,
) -> TBSSign:
    utc = dt.UTC
    return TBSSign(
        {
            "version": VERSION,
            "eseal": {
                "version": VERSION,
                "es_id": es_id,
                "kind": kind,
                "name": name,
                "department": department,
                "department_code": department_code,
                "valid_start": valid_start.astimezone(utc),
                "valid_end": valid_end.astimezone(utc),
                "picture_type": "PNG",
                "picture": picture,
            },
            "time_info": time.astimezone(utc),
            "data_hash": data_hash,
            "property_info": property_info,
            "use_id": use_id,
        }
    )


def assemble(tbs: TBSSign, *, certificate: bytes, signature: bytes) -> bytes:
    return bytes(
        SealRecord(
            {
                "to_sign": tbs,
                "cert": certificate,
                "signature_alg": SM2_WITH_SM3,
                "signature": signature,
            }
        ).dump()
    )


def parse(data: bytes) -> Parsed:
    """Read a record (trailing zero padding from the PDF placeholder is ignored: the DER
    header gives the record's length)."""
    try:
        record = SealRecord.load(data, strict=False)
        if record["signature_alg"].dotted != SM2_WITH_SM3:
            raise RecordError("unexpected signature algorithm")
        tbs = record["to_sign"]
        seal = tbs["eseal"]
        return Parsed(
            es_id=seal["es_id"].native,
            kind=seal["kind"].native,
            name=seal["name"].native,
            department=seal["department"].native,
            department_code=seal["department_code"].native,
            valid_start=seal["valid_start"].native,
            valid_end=seal["valid_end"].native,
            picture=seal["picture"].native,
            time=tbs["time_info"].native,
            data_hash=tbs["data_hash"].native,
            property_info=tbs["property_info"].native,
            use_id=tbs["use_id"].native,
            certificate=record["cert"].native,
            signature=record["signature"].native,
            signed_bytes=tbs.dump(force=False),
        )
    except RecordError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RecordError(f"not a seal record: {exc}") from None
