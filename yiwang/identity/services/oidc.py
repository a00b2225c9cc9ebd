"""Single sign-on: the audit trail of what the OpenID Connect provider grants and refuses.

Tokens themselves are written by django-oauth-toolkit; our validator calls
:func:`record_token_granted` and :func:`record_code_issued` inside the same transaction as
that write, and the views call :func:`record_oidc_refusal` for every refused request.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yiwang.kernel import audit


def record_code_issued(*, actor: Any, client_id: str, scopes: list[str]) -> None:
    """The user consented and an authorization code was issued (caller's transaction)."""
    audit.record(
        "identity.oidc_code_issued",
        actor=actor,
        target=actor,
        details={"client_id": client_id, "scopes": scopes},
    )


def record_token_granted(*, actor: Any, client_id: str, grant_type: str, scopes: list[str]) -> None:
    """Tokens were issued (caller's transaction, the one that saved them)."""
    audit.record(
        "identity.token_granted",
        actor=actor,
        target=actor,
        details={"client_id": client_id, "grant_type": grant_type, "scopes": scopes},
    )


@transaction.atomic
def record_oidc_refusal(
    *, actor: Any, endpoint: str, error: str, client_id: str = "", description: str = ""
) -> None:
    """A request to the provider was refused: nothing was created, only this row."""
    audit.record(
        "identity.oidc_refused",
        actor=actor,
        details={
            "endpoint": endpoint,
            "error": error[:64],
            "client_id": client_id[:100],
            "description": description[:300],
        },
    )


@transaction.atomic
def record_consent_denied(*, actor: Any, client_id: str) -> None:
    audit.record("identity.oidc_consent_denied", actor=actor, details={"client_id": client_id})


@transaction.atomic
def record_oidc_logout(*, actor: Any, client_id: str) -> None:
    """An RP-initiated logout ended the user's tokens for that client's kind."""
    audit.record(
        "identity.oidc_logout", actor=actor, target=actor, details={"client_id": client_id}
    )


@transaction.atomic
def record_signing_key_change(*, actor: Any, change: str, kids: list[str]) -> None:
    """The provider's signing keys changed (``rotated`` or ``retired``)."""
    audit.record("identity.oidc_signing_key_" + change, actor=actor, details={"kids": kids})
