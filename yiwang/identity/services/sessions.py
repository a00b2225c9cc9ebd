"""Signing in and out: a new session id at every sign-in, a server-side record of each
session (so it can be listed, timed out and ended), and the audit trail.

A sign-in may take two steps. After the first factor (password or SMS code) an account that
needs a second factor is *pending*: the session remembers who passed which factor for a few
minutes, but nobody is logged in until the second factor is verified.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from yiwang.identity.models import Account, AccountSession
from yiwang.kernel import audit

#: Session key holding the factors this sign-in used, e.g. ["password", "totp"].
FACTORS_KEY = "yiwang_factors"
#: Session key holding the time (epoch seconds) of the last authentication on this session.
AUTH_AT_KEY = "yiwang_auth_at"
#: Session key holding a half-finished sign-in: {"account": pk, "factors": [...], "at": epoch}.
PENDING_KEY = "yiwang_pending"
#: A half-finished sign-in must be completed within this many seconds.
PENDING_TTL = 300
#: Changing the phone number or second factors needs an authentication this recent.
REAUTH_WINDOW = 300
#: Factors that are cryptographic; every staff sign-in needs one of them.
CRYPTO_FACTORS = frozenset({"totp", "passkey"})
#: last_seen_at is written at most this often (seconds), to keep requests read-only.
TOUCH_INTERVAL = 60


def sign_in(request: HttpRequest, account: Account, factors: list[str]) -> AccountSession:
    """Log ``account`` in on this request with the given factors (Django's login() cycles the
    session key), and record the session."""
    with transaction.atomic():
        login(request, account, backend="django.contrib.auth.backends.ModelBackend")
        request.session.pop(PENDING_KEY, None)
        request.session[FACTORS_KEY] = list(factors)
        request.session[AUTH_AT_KEY] = int(time.time())
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


def has_crypto_factor(factors: list[str]) -> bool:
    return bool(CRYPTO_FACTORS.intersection(factors))


# ---- Half-finished sign-ins -----------------------------------------------------------------


def set_pending(request: HttpRequest, account: Account, factors: list[str]) -> None:
    """Remember that ``account`` passed ``factors`` on this browser; cycle the session key so a
    key seen before the first factor is worth nothing after it."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "account": account.pk,
        "factors": list(factors),
        "at": int(time.time()),
    }


def pending_sign_in(request: HttpRequest) -> tuple[Account, list[str]] | None:
    """The account and factors of this browser's half-finished sign-in, if still fresh."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_TTL:
        request.session.pop(PENDING_KEY, None)
        return None
    account = Account.objects.filter(pk=int(pending.get("account", 0)), is_active=True).first()
    if account is None:
        return None
    return account, list(pending.get("factors", []))


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


# ---- Re-authentication ----------------------------------------------------------------------


def mark_reauthenticated(request: HttpRequest) -> None:
    request.session[AUTH_AT_KEY] = int(time.time())


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(AUTH_AT_KEY)
    return isinstance(at, int) and int(time.time()) - at <= REAUTH_WINDOW


# ---- Server-side session life ---------------------------------------------------------------


def _delete_django_sessions(keys: list[str]) -> None:
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    for key in keys:
        store(session_key=key).delete()


def check_session(request: HttpRequest) -> AccountSession | None:
    """The live record of this request's signed-in session, or None when the session is
    unknown, ended, idle too long or too old (then it is ended here, on the server)."""
    key = request.session.session_key
    record = (
        AccountSession.objects.filter(session_key=key, ended_at__isnull=True).first()
        if key
        else None
    )
    if record is None:
        return None
    now = timezone.now()
    reason = ""
    if now - record.created_at > dt.timedelta(seconds=settings.YIWANG_SESSION_MAX_AGE):
        reason = "expired"
    elif now - record.last_seen_at > dt.timedelta(seconds=settings.YIWANG_SESSION_IDLE):
        reason = "idle"
    if reason:
        with transaction.atomic():
            AccountSession.objects.filter(pk=record.pk, ended_at__isnull=True).update(
                ended_at=now, end_reason=reason
            )
            audit.record(
                "identity.session_ended",
                actor="system",
                target=record.account,
                details={"session": record.pk, "reason": reason},
            )
        return None
    if now - record.last_seen_at > dt.timedelta(seconds=TOUCH_INTERVAL):
        AccountSession.objects.filter(pk=record.pk).update(last_seen_at=now)
        record.last_seen_at = now
    return record


def live_sessions(account: Account) -> list[AccountSession]:
    """The account's sessions that have not ended, newest first."""
    now = timezone.now()
    rows = AccountSession.objects.filter(account=account, ended_at__isnull=True).filter(
        created_at__gt=now - dt.timedelta(seconds=settings.YIWANG_SESSION_MAX_AGE),
        last_seen_at__gt=now - dt.timedelta(seconds=settings.YIWANG_SESSION_IDLE),
    )
    return list(rows.order_by("-created_at"))


def end_sessions(*, actor: Any, account: Account, reason: str, keep_key: str | None = None) -> int:
    """End every live session of ``account`` (but ``keep_key``) at once: the Django session is
    deleted, so the next request with its cookie is anonymous. Call inside a transaction."""
    rows = AccountSession.objects.select_for_update().filter(account=account, ended_at__isnull=True)
    if keep_key:
        rows = rows.exclude(session_key=keep_key)
    keys = list(rows.values_list("session_key", flat=True))
    if not keys:
        return 0
    AccountSession.objects.filter(session_key__in=keys).update(
        ended_at=timezone.now(), end_reason=reason
    )
    transaction.on_commit(lambda: _delete_django_sessions(keys))
    audit.record(
        "identity.sessions_ended",
        actor=actor,
        target=account,
        details={"count": len(keys), "reason": reason},
    )
    return len(keys)


@transaction.atomic
def end_other_sessions(*, actor: Any, request: HttpRequest) -> int:
    """ "Log out other devices": end every session of the signed-in account but this one."""
    account: Any = request.user
    return end_sessions(
        actor=actor,
        account=account,
        reason="ended_by_user",
        keep_key=request.session.session_key,
    )


def keep_this_session(request: HttpRequest, account: Account) -> None:
    """After a password change: keep this device signed in. Django gives the session a new
    key (and a new password hash); the server-side record follows the key."""
    old_key = request.session.session_key
    update_session_auth_hash(request, account)
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        AccountSession.objects.filter(session_key=old_key).update(session_key=new_key)
