"""Identity persistence: accounts, second factors, one-time codes, sessions, legal entities and
their agents. One file per concern; import models from here."""

from yiwang.identity.models.account import Account, VerificationLevel
from yiwang.identity.models.enterprise import Delegation, EntityBinding
from yiwang.identity.models.factors import OneTimeCode, OneTimeCodePurpose, Passkey, TotpDevice
from yiwang.identity.models.sessions import AccountSession

__all__ = [
    "Account",
    "AccountSession",
    "Delegation",
    "EntityBinding",
    "OneTimeCode",
    "OneTimeCodePurpose",
    "Passkey",
    "TotpDevice",
    "VerificationLevel",
]
