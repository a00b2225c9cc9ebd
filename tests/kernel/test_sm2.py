"""SM2/SM3 against the standards' published vectors and the openssl command line; signing
keys at rest in the key store."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from yiwang.kernel import keystore, services, sm2
from yiwang.kernel.models import AuditEntry, SigningKey

# GB/T 32905-2016 (SM3) Appendix A: "abc" and the 512-bit message "abcd" * 16.
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
SM3_512 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"

# GB/T 32918.5-2017 (GM/T 0003.5-2012) Appendix A: signature on the recommended curve,
# user id 1234567812345678, message "message digest".
STD_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
STD_X = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
STD_Y = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
STD_Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
STD_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
STD_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
STD_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"

# GB/T 32918.2-2016 (GM/T 0003.2-2012) Appendix A: Z on the example curve over Fp-256 for
# user id ALICE123@YAHOO.COM (ENTL 0x0090).
EXAMPLE_CURVE = sm2.Curve(
    a=bytes.fromhex("787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498"),
    b=bytes.fromhex("63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A"),
    gx=bytes.fromhex("421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D"),
    gy=bytes.fromhex("0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2"),
)
EXAMPLE_POINT = bytes.fromhex(
    "0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A"
    "7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857"
)
EXAMPLE_Z = "F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A"

MESSAGE = "电子证照 1.2.156.3005.2 测试".encode()

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="no openssl command")


def _der_signature(r: str, s: str) -> bytes:
    def integer(hex_value: str) -> bytes:
        raw = bytes.fromhex(hex_value).lstrip(b"\x00")
        if raw[0] & 0x80:
            raw = b"\x00" + raw
        return b"\x02" + bytes([len(raw)]) + raw

    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


def _standard_key() -> sm2.PublicKey:
    return sm2.PublicKey.from_point(bytes.fromhex("04" + STD_X + STD_Y))


# --- Published vectors. ---


def test_sm3_matches_the_standard_vectors() -> None:
    assert sm2.sm3(b"abc").hex() == SM3_ABC
    assert sm2.sm3(b"abcd" * 16).hex() == SM3_512


def test_z_value_of_the_standard_key_with_the_default_user_id() -> None:
    point = bytes.fromhex(STD_X + STD_Y)
    assert sm2.z_value(point).hex().upper() == STD_Z
    assert sm2.signed_digest(b"\x04" + point, b"message digest").hex().upper() == STD_E


def test_z_value_on_the_example_curve_with_another_user_id() -> None:
    z = sm2.z_value(EXAMPLE_POINT, b"ALICE123@YAHOO.COM", EXAMPLE_CURVE)
    assert z.hex().upper() == EXAMPLE_Z


def test_the_standards_signature_verifies() -> None:
    signature = _der_signature(STD_R, STD_S)
    assert _standard_key().verify(signature, b"message digest")


def test_the_standard_private_key_gives_the_standard_public_key() -> None:
    private = sm2.PrivateKey.from_scalar(bytes.fromhex(STD_D))
    assert private.public_key == _standard_key()


def test_the_standards_signature_is_refused_for_another_message_or_user_id() -> None:
    signature = _der_signature(STD_R, STD_S)
    assert not _standard_key().verify(signature, b"message digesT")
    assert not _standard_key().verify(signature, b"message digest", user_id=b"ALICE123@YAHOO.COM")


# --- Our own signatures. ---


def test_a_signature_round_trips_as_der() -> None:
    private = sm2.PrivateKey.generate()
    signature = private.sign(MESSAGE)
    assert signature[0] == 0x30  # DER SEQUENCE of r, s
    assert private.public_key.verify(signature, MESSAGE)


def test_two_signatures_of_one_message_differ() -> None:
    private = sm2.PrivateKey.generate()
    assert private.sign(MESSAGE) != private.sign(MESSAGE)  # a fresh nonce each time


def test_a_tampered_message_or_signature_is_refused() -> None:
    private = sm2.PrivateKey.generate()
    signature = private.sign(MESSAGE)
    assert not private.public_key.verify(signature, MESSAGE + b"!")
    tampered = bytearray(signature)
    tampered[10] ^= 1
    assert not private.public_key.verify(bytes(tampered), MESSAGE)
    assert not private.public_key.verify(b"\x30\x02\x01", MESSAGE)  # not even DER
    assert not sm2.PrivateKey.generate().public_key.verify(signature, MESSAGE)


def test_a_wrong_user_id_is_refused() -> None:
    private = sm2.PrivateKey.generate()
    signature = private.sign(MESSAGE, user_id=b"issuer-420106")
    assert private.public_key.verify(signature, MESSAGE, user_id=b"issuer-420106")
    assert not private.public_key.verify(signature, MESSAGE)
    assert not private.public_key.verify(signature, MESSAGE, user_id=b"issuer-420107")


def test_public_keys_export_and_load_in_every_form() -> None:
    public = sm2.PrivateKey.generate().public_key
    assert len(public.point) == 65
    assert public.point[0] == 4
    assert public.pem().startswith("-----BEGIN PUBLIC KEY-----")
    # id-ecPublicKey with the sm2p256v1 OID 1.2.156.10197.1.301
    assert bytes.fromhex("06082a811ccf5501822d") in public.der()
    assert sm2.PublicKey.from_der(public.der()) == public
    assert sm2.PublicKey.from_pem(public.pem()) == public
    assert sm2.PublicKey.from_point(public.point[1:]) == public


def test_a_point_off_the_curve_is_refused() -> None:
    with pytest.raises(sm2.SM2Error):
        sm2.PublicKey.from_point(b"\x04" + b"\x01" * 64)


def test_a_private_key_repr_shows_no_secret() -> None:
    private = sm2.PrivateKey.generate()
    assert private.scalar().hex() not in repr(private)


# --- Interoperability with the openssl command line (OpenSSL 3). ---


def _openssl(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, check=False)


@needs_openssl
def test_openssl_verifies_our_signature(tmp_path: Path) -> None:
    private = sm2.PrivateKey.generate()
    (tmp_path / "pub.pem").write_text(private.public_key.pem())
    (tmp_path / "msg").write_bytes(MESSAGE)
    (tmp_path / "sig").write_bytes(private.sign(MESSAGE))
    verify = (
        "pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "pub.pem", "-rawin",
        "-digest", "sm3", "-in", tmp_path / "msg", "-sigfile", tmp_path / "sig",
    )  # fmt: skip
    result = _openssl(*verify, "-pkeyopt", "distid:1234567812345678")
    assert result.returncode == 0, result.stderr
    assert b"Signature Verified Successfully" in result.stdout
    assert _openssl(*verify, "-pkeyopt", "distid:someone-else").returncode != 0


@needs_openssl
def test_we_verify_a_signature_openssl_makes(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    made = _openssl("genpkey", "-algorithm", "SM2", "-out", key)
    assert made.returncode == 0, made.stderr
    public_pem = _openssl("pkey", "-in", key, "-pubout")
    (tmp_path / "msg").write_bytes(MESSAGE)
    signed = _openssl(
        "pkeyutl", "-sign", "-inkey", key, "-rawin", "-digest", "sm3",
        "-pkeyopt", "distid:1234567812345678", "-in", tmp_path / "msg",
        "-out", tmp_path / "sig",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    public = sm2.PublicKey.from_pem(public_pem.stdout)
    signature = (tmp_path / "sig").read_bytes()
    assert public.verify(signature, MESSAGE)
    assert not public.verify(signature, MESSAGE, user_id=b"someone-else")


# --- Keys at rest. ---


@pytest.mark.django_db
def test_a_created_key_signs_through_the_store_and_is_audited() -> None:
    key = services.create_signing_key(actor="system", owner_type="seal", owner_id="S-1")
    signature = keystore.key_store().sign(key, MESSAGE)
    assert keystore.public_key_of(key).verify(signature, MESSAGE)
    entry = AuditEntry.objects.get(action="kernel.signing_key_created")
    assert entry.details["fingerprint"] == key.fingerprint
    assert key.private_key not in str(entry.details)


@pytest.mark.django_db
def test_the_stored_private_key_is_not_the_plaintext_key() -> None:
    key = services.create_signing_key(actor="system", owner_type="issuer", owner_id="420106")
    token = key.private_key
    scalar = keystore._unwrap(keystore.wrapping_key(), token, _aad(key))
    assert sm2.PrivateKey.from_scalar(scalar).public_key.fingerprint() == key.fingerprint
    stored = SigningKey.objects.values_list("private_key", flat=True).get(pk=key.pk)
    for form in (scalar.hex(), scalar.hex().upper(), str(int.from_bytes(scalar, "big"))):
        assert form not in stored
    assert scalar not in stored.encode("latin-1")


@pytest.mark.django_db
def test_a_wrong_data_dir_key_cannot_use_the_stored_key(tmp_path: Path) -> None:
    key = services.create_signing_key(actor="system", owner_type="seal", owner_id="S-2")
    (tmp_path / "keys").mkdir(mode=0o700)  # another data dir, with its own key
    keystore._unwrap.cache_clear()
    keystore.wrapping_key.cache_clear()
    try:
        with override_settings(DATA_DIR=tmp_path), pytest.raises(keystore.KeyUnavailable):
            keystore.key_store().sign(key, MESSAGE)
    finally:
        keystore.wrapping_key.cache_clear()
    assert keystore.key_store().sign(key, MESSAGE)  # the right key still opens it


@pytest.mark.django_db
def test_a_wrapped_key_copied_to_another_row_does_not_open() -> None:
    first = services.create_signing_key(actor="system", owner_type="seal", owner_id="S-3")
    second = services.create_signing_key(actor="system", owner_type="seal", owner_id="S-4")
    second.private_key = first.private_key
    with pytest.raises(keystore.KeyUnavailable):
        keystore.key_store().sign(second, MESSAGE)


@pytest.mark.django_db
def test_a_disabled_key_no_longer_signs() -> None:
    key = services.create_signing_key(actor="system", owner_type="seal", owner_id="S-5")
    services.disable_signing_key(actor="system", key=key)
    with pytest.raises(keystore.KeyUnavailable):
        keystore.key_store().sign(key, MESSAGE)
    assert AuditEntry.objects.filter(action="kernel.signing_key_disabled").count() == 1


def _aad(key: SigningKey) -> bytes:
    return keystore._associated_data(key.owner_type, key.owner_id, key.fingerprint)


@pytest.mark.django_db
def test_the_store_keeps_ecdsa_keys_for_pades_the_same_way() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = services.create_signing_key(
        actor="system", owner_type="seal", owner_id="S-9", algorithm="ecdsa-p256"
    )
    assert key.algorithm == "ecdsa-p256" and len(key.public_key) == 130
    signature = keystore.key_store().sign(key, b"document")
    # An ordinary ECDSA P-256 / SHA-256 signature: cryptography checks it without us.
    keystore.ecdsa_public_key_of(key).verify(signature, b"document", ec.ECDSA(hashes.SHA256()))
    assert keystore.verify_with(key, signature, b"document")
    assert not keystore.verify_with(key, signature, b"documenT")
    with pytest.raises(ValueError):
        keystore.public_key_of(key)  # not an SM2 key
    scalar = keystore._unwrap(keystore.wrapping_key(), key.private_key, _aad(key))
    assert scalar.hex() not in key.private_key
