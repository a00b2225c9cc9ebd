"""Photos sent with a request (a citizen's, a grid worker's), kept through the kernel's file
store: every photo is checked before any is stored, and what was stored for an order that is
then refused is removed again, so a refusal leaves nothing behind — no record, no bytes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.hotline.services_intake import PHOTO_TYPES
from yiwang.kernel import files
from yiwang.kernel.errors import DomainError, ErrorCode
from yiwang.kernel.models import StoredFile

#: Bytes read to tell a photo's type (the kernel's signatures are shorter).
HEAD = 16


def _refused(photo: Any, why: str, code: StrEnum, field: str) -> DomainError:
    message = _("照片“%(name)s”：%(why)s") % {"name": photo.name, "why": why}
    return DomainError(code, message, status=422, errors={field: [message]})


def check_photos(photos: Sequence[Any], *, field: str = "photos") -> None:
    """Refuse (on ``field``) the first photo that is empty or not a JPEG or PNG image, told
    by its first bytes as the kernel's store tells them; nothing is stored."""
    for photo in photos:
        head = photo.read(HEAD)
        photo.seek(0)
        if not head:
            raise _refused(photo, _("文件是空的，请重新选择。"), ErrorCode.FILE_EMPTY, field)
        if files.sniff_type(head, str(photo.name or "")) not in PHOTO_TYPES:
            why = _("只能上传 JPG 或 PNG 格式的照片。")
            raise _refused(photo, why, ErrorCode.FILE_TYPE_NOT_ALLOWED, field)


def discard(stored: Sequence[StoredFile]) -> None:
    """Remove the bytes of files whose records are being rolled back."""
    for record in stored:
        default_storage.delete(record.storage_path)


def store_photos(user: Any, photos: Sequence[Any], *, field: str = "photos") -> list[StoredFile]:
    """Check every photo, then keep each through the kernel's store; a refused photo is
    refused on ``field`` and the ones stored before it are removed."""
    check_photos(photos, field=field)
    stored: list[StoredFile] = []
    for photo in photos:
        try:
            stored.append(
                files.store_file(
                    photo, name=photo.name, actor=user, allowed_types=list(PHOTO_TYPES)
                )
            )
        except DomainError as exc:
            discard(stored)
            raise _refused(photo, str(exc.message), exc.code, field) from exc
    return stored


@contextmanager
def photos_kept(user: Any, photos: Sequence[Any], *, field: str = "photos") -> Iterator[list[Any]]:
    """``with photos_kept(user, photos) as stored: create_order(..., photos=stored)``: the
    photos and the order stand or fall together (one transaction), and when the block is
    refused the stored photos' bytes are removed as their records roll back."""
    with transaction.atomic():
        stored = store_photos(user, photos, field=field)
        try:
            yield stored
        except BaseException:
            discard(stored)
            raise
