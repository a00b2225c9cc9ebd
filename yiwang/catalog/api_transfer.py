"""Catalogue import and export endpoints (Excel and JSON) — being written."""

from ninja import Router

router = Router(tags=["catalog"])
