"""The seal certificates are X.509 that OpenSSL accepts: an SM2 seal certificate verifies
against the platform SM2 root (OpenSSL 3.0 needs the SM2 distinguishing ID given), an ECDSA one
against the ECDSA root."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from yiwang.seals import services

pytestmark = pytest.mark.django_db
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")


def openssl_verify(tmp_path: Path, ca: str, cert: str, *options: str) -> str:
    (tmp_path / "ca.pem").write_text(ca)
    (tmp_path / "seal.pem").write_text(cert)
    result = subprocess.run(
        [str(OPENSSL), "verify", *options, "-CAfile", "ca.pem", "seal.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout + result.stderr


@needs_openssl
def test_openssl_verifies_the_sm2_seal_certificate(seal: Any, tmp_path: Path) -> None:
    ca = services.platform_ca("sm2").certificate

    output = openssl_verify(
        tmp_path, ca, seal.sm2_certificate, "-vfyopt", "distid:1234567812345678"
    )

    assert output.strip() == "seal.pem: OK", output


@needs_openssl
def test_openssl_verifies_the_ecdsa_seal_certificate(seal: Any, tmp_path: Path) -> None:
    ca = services.platform_ca("ecdsa-p256").certificate

    output = openssl_verify(tmp_path, ca, seal.pades_certificate)

    assert output.strip() == "seal.pem: OK", output


@needs_openssl
def test_openssl_refuses_a_certificate_against_the_wrong_root(seal: Any, tmp_path: Path) -> None:
    ca = services.platform_ca("ecdsa-p256").certificate

    output = openssl_verify(tmp_path, ca, seal.sm2_certificate)

    assert "OK" not in output.splitlines()[-1]
