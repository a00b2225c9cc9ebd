"""Exchange pages (see views.py)."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
