"""Stored files: one storage abstraction (Django's storage API: a local directory in the data
dir by default; an object-store backend plugs in through ``STORAGES`` when one is needed),
size and type limits, content hashes.

The type is decided by the file's first bytes, not by its name or the client's claim.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError, ErrorCode
from yiwang.kernel.models import StoredFile

# (magic prefix, content type). ZIP covers OFD, DOCX and XLSX, which are ZIP containers;
# the container is told apart by its name's extension only when the bytes say ZIP.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"PK\x03\x04", "application/zip"),
]
_ZIP_KINDS = {
    ".ofd": "application/ofd",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff_type(head: bytes, name: str) -> str | None:
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            if content_type == "application/zip":
                suffix = name[name.rfind(".") :].lower() if "." in name else ""
                return _ZIP_KINDS.get(suffix, content_type)
            return content_type
    return None


def store_file(
    stream: IO[bytes],
    *,
    name: str,
    actor: Any,
    max_bytes: int | None = None,
    allowed_types: list[str] | None = None,
) -> StoredFile:
    """Check and keep a file; returns its record. Nothing is kept if a limit is broken."""
    limit = max_bytes if max_bytes is not None else settings.YIWANG_UPLOAD_MAX_BYTES
    allowed = allowed_types if allowed_types is not None else settings.YIWANG_UPLOAD_TYPES
    clean_name = (name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"

    head = stream.read(16)
    if not head:
        raise DomainError(ErrorCode.FILE_EMPTY, _("文件是空的,请重新选择。"))
    content_type = sniff_type(head, clean_name)
    if content_type is None or content_type not in allowed:
        raise DomainError(
            ErrorCode.FILE_TYPE_NOT_ALLOWED,
            _("不支持此文件类型。可上传:%(types)s。") % {"types": ", ".join(allowed)},
            detected=content_type,
            allowed=allowed,
        )
    digest = hashlib.sha256()
    size = 0
    chunks: list[bytes] = []
    chunk = head
    while chunk:
        size += len(chunk)
        if size > limit:  # stop reading at once: an oversized upload is never buffered whole
            raise DomainError(
                ErrorCode.FILE_TOO_LARGE,
                _("文件超过大小上限 %(limit)s 字节。") % {"limit": limit},
                status=413,
                limit=limit,
            )
        digest.update(chunk)
        chunks.append(chunk)
        chunk = stream.read(64 * 1024)
    sha256 = digest.hexdigest()

    record = StoredFile(
        name=clean_name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor if _is_user(actor) else None,
    )
    record.storage_path = default_storage.save(
        f"{sha256[:2]}/{record.id.hex}", File(BytesIO(b"".join(chunks)))
    )
    try:
        with transaction.atomic():
            record.save()
            audit.record(
                "kernel.file_stored",
                actor=actor,
                target=record,
                details={
                    "name": clean_name,
                    "size": size,
                    "sha256": sha256,
                    "content_type": content_type,
                },
            )
    except BaseException:
        default_storage.delete(record.storage_path)
        raise
    return record


def _is_user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def open_file(record: StoredFile) -> IO[bytes]:
    """Open a stored file for reading, refusing one whose content no longer matches."""
    handle = default_storage.open(record.storage_path, "rb")
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(64 * 1024), b""):
        digest.update(chunk)
    if digest.hexdigest() != record.sha256:
        handle.close()
        raise OSError(f"stored file {record.pk} does not match its hash")
    handle.seek(0)
    return handle
