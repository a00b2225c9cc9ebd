"""Second factors: authenticator apps (TOTP, RFC 6238) and passkeys (WebAuthn).

Adding or removing a factor is a service with its audit row; the caller has re-authenticated
the account holder within the last few minutes. A staff account keeps at least one factor.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

import pyotp
import segno
import webauthn
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from yiwang.identity.errors import ErrorCode
from yiwang.identity.models import Account, Passkey, TotpDevice
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError

ISSUER = "一网通办"
STEP_SECONDS = 30
#: Codes of the step before and after the current one are accepted too (clock drift).
DRIFT_STEPS = 1


# ---- TOTP -----------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=account.username, issuer_name=ISSUER
    )


def totp_qr(uri: str) -> str:
    """The otpauth URI as a QR code (an SVG data URI), for scanning with an authenticator."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing into an authenticator app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, *, after: int = 0) -> int | None:
    """The time step (after ``after``) whose code is ``code``, within the drift window."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(time.time()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(device: TotpDevice, code: str) -> bool:
    """Accept ``code`` for ``device`` once: its step must be later than the last one used."""
    step = matching_step(device.secret, code, after=device.last_step)
    if step is None:
        return False
    # Conditional update: of two concurrent uses of one code, only one wins.
    return bool(TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step))


def _refuse_code() -> DomainError:
    return DomainError(
        ErrorCode.SECOND_FACTOR_INVALID, _("动态口令不正确或已使用，请重新输入。"), status=400
    )


@transaction.atomic
def enrol_totp(
    *, actor: Any, account: Account, secret: str, code: str, name: str = ""
) -> TotpDevice:
    """Add an authenticator app, once the holder proved it shows the right codes."""
    step = matching_step(secret, code)
    if step is None:
        raise _refuse_code()
    device = TotpDevice.objects.create(
        account=account,
        name=(name or _("身份验证器")).strip()[:64],
        secret=secret,
        confirmed_at=timezone.now(),
        last_step=step,  # the code just shown cannot sign in again
    )
    audit.record(
        "identity.factor_added",
        actor=actor,
        target=account,
        details={"kind": "totp", "device": device.pk},
    )
    return device


def _factor_count(account: Account) -> int:
    return (
        TotpDevice.objects.filter(account=account, confirmed_at__isnull=False).count()
        + Passkey.objects.filter(account=account).count()
    )


def _check_not_last(account: Account) -> None:
    if account.is_staff and _factor_count(account) <= 1:
        raise DomainError(
            ErrorCode.LAST_SECOND_FACTOR,
            _("工作人员账号至少要保留一种第二因素，请先添加新的再删除。"),
            status=409,
        )


@transaction.atomic
def remove_totp(*, actor: Any, account: Account, device_id: int) -> None:
    device = TotpDevice.objects.select_for_update().filter(account=account, pk=device_id).first()
    if device is None:
        raise DomainError(ErrorCode.SECOND_FACTOR_INVALID, _("未找到该设备。"), status=404)
    _check_not_last(account)
    device.delete()
    audit.record(
        "identity.factor_removed",
        actor=actor,
        target=account,
        details={"kind": "totp", "device": device_id},
    )


# ---- Passkeys -------------------------------------------------------------------------------


def passkey_registration_options(account: Account, *, rp_id: str) -> tuple[str, bytes]:
    """WebAuthn creation options (JSON for the browser) and the challenge to keep."""
    options = webauthn.generate_registration_options(
        rp_id=rp_id,
        rp_name=ISSUER,
        user_name=account.username,
        user_id=str(account.pk).encode(),
        user_display_name=account.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(p.credential_id))
            for p in account.passkeys.all()
        ],
    )
    return webauthn.options_to_json(options), options.challenge


def _refuse_passkey() -> DomainError:
    return DomainError(ErrorCode.PASSKEY_INVALID, _("通行密钥验证未通过，请重试。"), status=400)


@transaction.atomic
def register_passkey(
    *,
    actor: Any,
    account: Account,
    credential: str,
    challenge: bytes,
    rp_id: str,
    origin: str,
    name: str = "",
) -> Passkey:
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
        raise _refuse_passkey() from None
    transports: list[str] = []
    try:
        transports = list(json.loads(credential).get("response", {}).get("transports", []))
    except (ValueError, AttributeError):
        transports = []
    passkey = Passkey.objects.create(
        account=account,
        name=(name or _("通行密钥")).strip()[:64],
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports[:8],
    )
    audit.record(
        "identity.factor_added",
        actor=actor,
        target=account,
        details={"kind": "passkey", "passkey": passkey.pk},
    )
    return passkey


def passkey_authentication_options(account: Account, *, rp_id: str) -> tuple[str, bytes]:
    options = webauthn.generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(p.credential_id))
            for p in account.passkeys.all()
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return webauthn.options_to_json(options), options.challenge


def verify_passkey(
    *, account: Account, credential: str, challenge: bytes, rp_id: str, origin: str
) -> bool:
    """Check a passkey assertion for ``account``; the signature counter must move forward
    (when the authenticator keeps one), or the key may have been cloned."""
    try:
        credential_id = str(json.loads(credential)["id"])
    except (ValueError, KeyError, TypeError):
        return False
    passkey = Passkey.objects.filter(account=account, credential_id=credential_id).first()
    if passkey is None:
        return False
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        return False
    updated = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now()
    )
    return bool(updated)


@transaction.atomic
def remove_passkey(*, actor: Any, account: Account, passkey_id: int) -> None:
    passkey = Passkey.objects.select_for_update().filter(account=account, pk=passkey_id).first()
    if passkey is None:
        raise DomainError(ErrorCode.PASSKEY_INVALID, _("未找到该通行密钥。"), status=404)
    _check_not_last(account)
    passkey.delete()
    audit.record(
        "identity.factor_removed",
        actor=actor,
        target=account,
        details={"kind": "passkey", "passkey": passkey_id},
    )
