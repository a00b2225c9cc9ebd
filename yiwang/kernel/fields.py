"""Model fields for personal data at rest.

:class:`SensitiveField` stores its value SM4-GCM encrypted; a companion :class:`BlindIndexField`
(added automatically, named ``<field>_index``) holds the keyed SM3 HMAC so code can find a row
by exact value without the database ever holding the plaintext::

    class Person(models.Model):
        id_number = SensitiveField(kind=SensitiveKind.ID_NUMBER)

    Person.objects.filter(**lookup(Person, "id_number", "4201..."))

Values are masked for display with :func:`mask`; unmasked values are shown only to callers
holding a grant (the permission gate decides).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import models

from yiwang.kernel import crypto


class SensitiveKind(StrEnum):
    ID_NUMBER = "id_number"
    MOBILE = "mobile"
    TEXT = "text"


def mask(value: str | None, kind: SensitiveKind | str = SensitiveKind.TEXT) -> str:
    """Mask a personal identifier for display: 4201**********1234, 138****5678, 张*."""
    if not value:
        return ""
    if kind == SensitiveKind.ID_NUMBER and len(value) >= 8:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if kind == SensitiveKind.MOBILE and len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


class BlindIndexField(models.CharField[str, str]):
    """The SM3-HMAC of a :class:`SensitiveField`'s value; maintained by that field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


class SensitiveField(models.TextField[str, str]):
    """A text field stored encrypted (SM4-GCM) with a blind index beside it."""

    def __init__(
        self, *args: Any, kind: SensitiveKind | str = SensitiveKind.TEXT, **kwargs: Any
    ) -> None:
        self.kind = SensitiveKind(kind)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = str(self.kind)
        return name, path, args, kwargs

    @property
    def purpose(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def contribute_to_class(self, cls: Any, name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        # Historical models built by migrations ("__fake__") carry the index field
        # explicitly, so it is added only to real model classes.
        if not cls._meta.abstract and cls.__module__ != "__fake__":
            BlindIndexField().contribute_to_class(cls, f"{name}_index")

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        index = crypto.blind_index(value, purpose=self.purpose) if value else ""
        setattr(model_instance, f"{self.name}_index", index)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), purpose=self.purpose)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, purpose=self.purpose)

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertexts are randomised; comparing them finds nothing. Refuse loudly instead.
        if lookup_name not in {"isnull"}:
            raise TypeError(
                f"{self.purpose} is encrypted; filter on {self.name}_index "
                f"with yiwang.kernel.fields.lookup()"
            )
        return super().get_lookup(lookup_name)


def lookup(model: type[models.Model], field_name: str, value: str) -> dict[str, str]:
    """Filter kwargs that find rows whose sensitive field equals ``value``."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, SensitiveField):
        raise TypeError(f"{model.__name__}.{field_name} is not a SensitiveField")
    return {f"{field_name}_index": crypto.blind_index(value, purpose=field.purpose)}
