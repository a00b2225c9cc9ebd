"""Finding a person's account for staff who serve them in person: a window clerk applying on
a citizen's behalf at the hall (窗口代办) looks the applicant up by the mobile number or the
resident ID number the citizen gives.

Read-only. Only an exact match counts (through the blind index, as every lookup of an
encrypted identifier): nothing is listed, nothing is matched by part of a number, so the
lookup cannot be used to browse accounts. Only active citizen accounts whose real name has
been verified are found: an application at the window is made in a verified person's name."""

from __future__ import annotations

import re
from typing import Any

from yiwang.identity.models import Account, VerificationLevel
from yiwang.kernel import audit, ratelimit
from yiwang.kernel.fields import lookup
from yiwang.kernel.validators import validate_id_number, validate_mobile


def _looks_like_id_number(text: str) -> bool:
    """18 characters, or anything ending in X, is meant as a resident ID number."""
    cleaned = re.sub(r"[\s-]", "", text).upper()
    return len(cleaned) >= 15 or cleaned.endswith("X")


#: Look-ups a staff member may make in ten minutes: a window serves people one at a time.
LOOKUP_LIMIT = 30


def find_verified_account(identifier: str, *, actor: Any = None) -> Account | None:
    """The active, real-name-verified citizen account whose mobile number or resident ID
    number is exactly ``identifier``; None when there is none.

    Every look-up by a staff member (``actor``) is rate-limited and written to the audit
    trail (what kind of number, whether someone was found; never the number itself).
    A text that is neither a mainland mobile number nor a valid resident ID number raises
    the kernel validator's ``DomainError`` (``mobile_format``, ``id_number_format``, ...)."""
    if actor is not None:
        ratelimit.hit("account-lookup", str(actor.pk), limit=LOOKUP_LIMIT, window_seconds=600)
    by_id = _looks_like_id_number(identifier)
    if by_id:
        where = lookup(Account, "id_number", validate_id_number(identifier))
    else:
        where = lookup(Account, "mobile", validate_mobile(identifier))
    found: Account | None = Account.objects.filter(
        **where,
        is_active=True,
        is_staff=False,
        verification_level__gte=VerificationLevel.REAL_NAME,
    ).first()
    if actor is not None:
        audit.record(
            "identity.account_looked_up",
            actor=actor,
            target=found,
            details={"by": "id_number" if by_id else "mobile", "found": found is not None},
        )
    return found
