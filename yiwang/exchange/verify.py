"""Verification (多源核验): yes/no answers about the base data that disclose nothing else.

* :func:`name_matches_id` — does this name go with this resident ID number?
* :func:`licence_valid` — is the e-licence this identifier names authentic, valid and current?
* :func:`entity_in_good_standing` — does the entity exist, is it active (存续), and is it free of
  an unexpired serious-dishonesty listing (严重失信名单)? The reason code says which, not the
  data behind it.

A malformed ID number, credit code or licence identifier raises
:class:`~yiwang.exchange.sources.InvalidKey`. Lookups of personal keys go through the blind index.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.db.models import Q
from django.utils import timezone

from yiwang.exchange.sources import valid_credit_code, valid_id_number, valid_licence_identifier
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import BaseCreditRecord, BaseLegalEntity, BasePerson


class Standing(StrEnum):
    """Reason codes of :func:`entity_in_good_standing`; part of the API, never rename one."""

    GOOD = "good_standing"
    NOT_FOUND = "not_found"
    NOT_ACTIVE = "not_active"  # 注销 or 吊销
    BLACKLISTED = "blacklisted"  # an unexpired black-list record


def name_matches_id(name: str, id_number: str) -> bool:
    """True when a person with this ID number has exactly this name."""
    number = valid_id_number(id_number)
    wanted = (name or "").strip()
    if not wanted:
        return False
    return any(
        found == wanted
        for found in BasePerson.objects.filter(**lookup(BasePerson, "id_number", number))
        .values_list("name", flat=True)
        .iterator()
    )


def licence_valid(identifier: str) -> bool:
    """True when the licence version ``identifier`` names is authentic, in force today and the
    latest version (licences' ``check_identifier``, which records nothing)."""
    from yiwang.licenses import services as licences

    checked = licences.check_identifier(valid_licence_identifier(identifier))
    return bool(checked and checked["current"])


def entity_in_good_standing(credit_code: str, *, on: dt.date | None = None) -> tuple[bool, str]:
    """(good, reason code) for the entity with this unified social credit code."""
    code = valid_credit_code(credit_code)
    day = on or timezone.localdate()
    status = BaseLegalEntity.objects.filter(credit_code=code).values_list("status", flat=True)
    found = status.first()
    if found is None:
        return False, Standing.NOT_FOUND.value
    if found != "active":
        return False, Standing.NOT_ACTIVE.value
    listed = BaseCreditRecord.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=day),
        credit_code=code,
        kind="black",
        decided_on__lte=day,
    ).exists()
    if listed:
        return False, Standing.BLACKLISTED.value
    return True, Standing.GOOD.value
