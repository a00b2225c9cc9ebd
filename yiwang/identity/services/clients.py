"""Service clients of the OAuth server: machine clients that get tokens with the
client-credentials grant (no user, no redirect), e.g. the exchange's consumer applications.

The secret is generated here and returned once; django-oauth-toolkit keeps only its hash
(``CLIENT_SECRET_HASHER``)."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from oauth2_provider.models import get_application_model

from yiwang.kernel import audit


@transaction.atomic
def create_service_client(*, actor: Any, name: str) -> tuple[str, str]:
    """A confidential client-credentials client; returns (client_id, client_secret)."""
    application_model = get_application_model()
    secret = secrets.token_urlsafe(32)
    client = application_model(
        name=name[:255],
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        redirect_uris="",
        skip_authorization=True,
    )
    client.save()
    audit.record(
        "identity.service_client_created",
        actor=actor,
        target_type="oauth2_provider.application",
        target_id=str(client.pk),
        details={"client_id": client.client_id, "name": client.name},
    )
    return str(client.client_id), secret


@transaction.atomic
def disable_service_client(*, actor: Any, client_id: str) -> bool:
    """Delete a service client and its tokens (a deactivated application gets no more)."""
    application_model = get_application_model()
    client = application_model.objects.filter(client_id=client_id).first()
    if client is None:
        return False
    pk = client.pk
    client.delete()
    audit.record(
        "identity.service_client_deleted",
        actor=actor,
        target_type="oauth2_provider.application",
        target_id=str(pk),
        details={"client_id": client_id},
    )
    return True
