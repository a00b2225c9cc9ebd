"""Catalogue import and export endpoints (Excel and JSON; the formats are described in
:mod:`yiwang.catalog.transfer`). The catalogue router mounts this one, so the paths are
``/api/v1/catalog/export.xlsx``, ``/export.json`` and ``/import``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router
from ninja.files import UploadedFile

from yiwang.catalog import transfer
from yiwang.catalog.schemas import ImportOut
from yiwang.kernel.schemas import ERRORS

router = Router(tags=["catalog"])


def _download(content: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{transfer.export_filename(extension)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _binary(content_type: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": "OK",
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@router.get(
    "/export.xlsx",
    response={200: None, **ERRORS},
    openapi_extra=_binary(transfer.XLSX_CONTENT_TYPE),
)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The catalogue the caller may view as an Excel workbook (items, materials and the
    latest version of each implementation), in the import format."""
    return _download(transfer.export_workbook(request.user), transfer.XLSX_CONTENT_TYPE, "xlsx")


@router.get(
    "/export.json",
    response={200: None, **ERRORS},
    openapi_extra=_binary("application/json"),
)
def export_json(request: HttpRequest) -> HttpResponse:
    """The same as JSON (lists of ItemIn and ImplementationIn), in the import format."""
    body = json.dumps(transfer.export_json(request.user), ensure_ascii=False, indent=2)
    return _download(body.encode(), "application/json; charset=utf-8", "json")


@router.post("/import", response={200: ImportOut, **ERRORS})
def import_catalog(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Import an Excel workbook (.xlsx) or a JSON file, all or nothing (platform admins).

    A refusal is ``catalog_import_refused`` with ``details.errors`` naming the sheet, row and
    column (or JSON path) of every error; nothing is written then."""
    transfer.check_import_allowed(request.user)
    transfer.check_size(file.size or 0)  # before reading it
    return transfer.import_file(actor=request.user, data=file.read(), filename=file.name or "")
