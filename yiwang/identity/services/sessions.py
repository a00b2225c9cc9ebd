"""Signing in and out: a new session id at every sign-in, a server-side record of each
session (so it can be listed and ended), and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login, logout
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from yiwang.identity.models import Account, AccountSession
from yiwang.kernel import audit

#: Session key holding the factors this sign-in used, e.g. ["password", "totp"].
FACTORS_KEY = "yiwang_factors"


def sign_in(request: HttpRequest, account: Account, factors: list[str]) -> AccountSession:
    """Log ``account`` in on this request with the given factors (Django's login() cycles the
    session key), and record the session."""
    with transaction.atomic():
        login(request, account, backend="django.contrib.auth.backends.ModelBackend")
        request.session[FACTORS_KEY] = list(factors)
        request.session.save()
        session_key = request.session.session_key or ""
        record = AccountSession.objects.create(
            account=account,
            session_key=session_key,
            factors=list(factors),
            user_agent=request.headers.get("User-Agent", "")[:300],
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
        Account.objects.filter(pk=account.pk).update(failed_logins=0, locked_until=None)
        audit.record(
            "identity.signed_in",
            actor=account,
            target=account,
            details={"factors": list(factors), "session": record.pk},
        )
    return record


def sign_out(request: HttpRequest, *, reason: str = "logout") -> None:
    """End this request's session on the server at once."""
    user: Any = request.user
    key = request.session.session_key
    with transaction.atomic():
        if key:
            AccountSession.objects.filter(session_key=key, ended_at__isnull=True).update(
                ended_at=timezone.now(), end_reason=reason
            )
        if getattr(user, "is_authenticated", False):
            audit.record("identity.signed_out", actor=user, target=user, details={"reason": reason})
    logout(request)


def session_factors(session: SessionBase) -> list[str]:
    factors: list[str] = session.get(FACTORS_KEY, [])
    return factors
