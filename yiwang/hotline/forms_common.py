"""What the hotline's forms share: choices set at run time (the active topics, the regions a
person takes orders for), photos from one file input, a coordinate field, and the
"was it solved" question of a rating or a callback."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.hotline.models import Topic
from yiwang.kernel.models import Region, RegionLevel

Choices = list[tuple[str, str]]

#: Photos one request may carry (the API takes at most 20 file ids; a phone form keeps it
#: smaller so an upload over a mobile network finishes).
MAX_PHOTOS = 6
#: Photo types: the kernel tells a file's type by its first bytes.
PHOTO_TYPES = ("image/jpeg", "image/png")
#: Regions offered to staff: down to townships (villages would make the list long).
STAFF_REGION_LEVELS = (
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWNSHIP,
)


def set_choices(field: forms.Field, choices: Choices) -> None:
    cast(forms.ChoiceField, field).choices = choices


def in_regions(regions: Iterable[str], field: str = "region__code") -> Q:
    """Rows whose ``field`` lies in one of ``regions`` (region codes are prefixes)."""
    condition = Q(pk__in=[])
    for code in regions:
        condition |= Q(**{f"{field}__startswith": code})
    return condition


def topic_choices() -> Choices:
    """The active topics, a sub-topic after its parent's name."""
    rows = Topic.objects.filter(is_active=True).select_related("parent").order_by("code")
    return [
        (t.code, f"{t.code} {t.parent.name} › {t.name}" if t.parent else f"{t.code} {t.name}")
        for t in rows
    ]


def region_choices(regions: Iterable[str]) -> Choices:
    """The regions within ``regions`` a staff member picks from (down to townships)."""
    rows = Region.objects.filter(in_regions(regions, "code"), level__in=STAFF_REGION_LEVELS)
    return [(r.code, f"{r.name}（{r.code}）") for r in rows.order_by("code")]


def offer_topics_and_regions(form: forms.Form, topics: Choices, regions: Choices) -> None:
    """Offer a staff form's ``topic`` (optional: the system proposes one) and ``region``."""
    set_choices(form.fields["topic"], [("", _("不选，由系统建议")), *topics])
    set_choices(form.fields["region"], [("", _("请选择")), *regions])


class PhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one file input (``multiple``)."""

    widget = PhotoInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [f for f in files if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("最多上传 %(max)d 张照片，您选择了 %(n)d 张。")
                % {"max": MAX_PHOTOS, "n": len(files)}
            )
        limit = settings.YIWANG_UPLOAD_MAX_BYTES
        for photo in files:
            if photo.size is not None and photo.size > limit:
                raise forms.ValidationError(
                    _("照片“%(name)s”超过 %(size)s。")
                    % {"name": photo.name, "size": filesizeformat(limit)}
                )
        return files


def coordinate_field(
    low: int,
    high: int,
    label: Any,
    *,
    invalid: Any,
    between: Any,
    required: Any = None,
    hint: Any = None,
) -> forms.DecimalField:
    """A latitude (-90..90) or longitude (-180..180) with six decimals; ``required`` is the
    message when it must be given (None: optional)."""
    messages = {
        "invalid": invalid,
        "min_value": between,
        "max_value": between,
        "max_decimal_places": gettext_lazy("最多保留 6 位小数。"),
        "max_digits": gettext_lazy("数字过长。"),
    }
    if required is not None:
        messages["required"] = required
    return forms.DecimalField(
        label=label,
        required=required is not None,
        min_value=Decimal(low),
        max_value=Decimal(high),
        max_digits=10,
        decimal_places=6,
        help_text="" if hint is None else hint,
        error_messages=messages,
    )


def resolved_field(label: Any, *, required: Any, invalid: Any) -> forms.TypedChoiceField:
    """Whether the problem was solved: 已解决 / 未解决 radios, cleaned to a bool."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", gettext_lazy("已解决")), ("no", gettext_lazy("未解决"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": invalid},
    )
