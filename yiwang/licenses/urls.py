"""Pages of the licence module (added later); the API lives in api.py."""

from __future__ import annotations

urlpatterns: list = []  # type: ignore[type-arg]
