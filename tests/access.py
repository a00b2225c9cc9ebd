"""The shared checks every API resource gets (CONVENTIONS.md §9): anonymous → 401, a
caller without the right → 403 or 404 with nothing changed, permitted → 2xx with an audit
row. Later modules call :func:`check_access` for each resource they add."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from yiwang.kernel.models import AuditEntry


def _call(client: Client, method: str, url: str, data: Any) -> Any:
    if method == "get":
        return client.get(url)
    if isinstance(data, dict) and not any(hasattr(v, "read") for v in data.values()):
        return getattr(client, method)(url, data, content_type="application/json")
    return getattr(client, method)(url, data)


def check_access(
    *,
    method: str,
    url: str,
    data: Callable[[], Any] | None = None,
    denied: Any,
    denied_status: int,
    permitted: Any,
    permitted_status: int,
    audit_action: str | None = None,
    state: Callable[[], Any] = lambda: None,
) -> Any:
    """Run the three personas against one endpoint; return the permitted response.

    ``data`` builds a fresh request body per call (files can be read once only); ``state``
    snapshots what the call may change, so a refused call is shown to change nothing.
    """
    body = data or (lambda: None)
    before = state()
    audit_before = AuditEntry.objects.count()

    anonymous = _call(Client(), method, url, body())
    assert anonymous.status_code == 401, anonymous.content
    assert anonymous.json()["code"] == "not_authenticated"

    outsider = Client()
    outsider.force_login(denied)
    refused = _call(outsider, method, url, body())
    assert refused.status_code == denied_status, refused.content
    assert refused.json()["code"] in {"permission_denied", "not_found"}

    assert state() == before, "a refused call changed state"
    assert AuditEntry.objects.count() == audit_before, "a refused call wrote an audit row"

    allowed = Client()
    allowed.force_login(permitted)
    response = _call(allowed, method, url, body())
    assert response.status_code == permitted_status, response.content
    if audit_action:
        assert AuditEntry.objects.filter(action=audit_action, seq__gt=audit_before).exists(), (
            f"no {audit_action} audit row"
        )
    return response
