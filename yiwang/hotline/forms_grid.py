"""The grid worker's form (网格员上报网格事件): what was found on patrol, where (the grid, the
address and — always, for a grid event — its coordinates) and one to six photos of it.

The form checks what a phone can get wrong (no coordinates, a number out of range, no photo,
too many, an empty description); the service checks the rest and its refusal comes back onto
the field it names. The photos' types are checked by their first bytes before any is kept
(:mod:`yiwang.hotline.uploads`)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.hotline.forms_common import (
    MAX_PHOTOS,
    Choices,
    PhotosField,
    coordinate_field,
    offer_topics_and_regions,
)
from yiwang.hotline.models import Category, Urgency
from yiwang.kernel.forms import SummaryForm

#: What a grid worker reports: what they found (举报), someone who needs help (求助), a
#: complaint or a suggestion heard on patrol. Consultations and praise come by phone or web.
GRID_CATEGORIES = (Category.REPORT, Category.HELP, Category.COMPLAINT, Category.SUGGESTION)
#: The longest grid code the work order keeps.
GRID_CODE_MAX = 40


def _coordinate(
    low: int, high: int, label: Any, *, hint: Any, required: Any, between: Any
) -> forms.DecimalField:
    invalid = gettext_lazy("请输入数字，例如 30.543100。")
    return coordinate_field(
        low, high, label, invalid=invalid, between=between, required=required, hint=hint
    )


class GridPhotosField(PhotosField):
    """One to six photos from one file input."""

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        photos = super().clean(data, initial)
        if not photos:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return photos


class GridReportForm(SummaryForm):
    """上报网格事件. ``topics`` and ``regions`` are the choices offered: the active topics,
    and the regions the worker takes grid events for."""

    field_aliases: ClassVar[dict[str, str]] = {
        "topic_code": "topic",
        "region_code": "region",
        "photo_ids": "photos",
    }
    default_field = "content"

    category = forms.ChoiceField(
        label=gettext_lazy("事件类型"),
        choices=[(c.value, c.label) for c in GRID_CATEGORIES],
        initial=Category.REPORT,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择事件类型。"),
            "invalid_choice": gettext_lazy("请从列出的事件类型中选择。"),
        },
    )
    topic = forms.ChoiceField(
        label=gettext_lazy("诉求分类（选填）"),
        required=False,
        help_text=gettext_lazy("不选则由系统按内容建议分类和承办部门。"),
        error_messages={"invalid_choice": gettext_lazy("诉求分类 %(value)s 不存在或已停用。")},
    )
    content = forms.CharField(
        label=gettext_lazy("事件描述"),
        max_length=5000,
        help_text=gettext_lazy("写清发现了什么、从什么时候开始、有无安全隐患，最多 5000 字。"),
        error_messages={
            "required": gettext_lazy("请填写事件描述。"),
            "max_length": gettext_lazy("事件描述最多 %(limit_value)d 字。"),
        },
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("紧急程度"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择紧急程度。"),
            "invalid_choice": gettext_lazy("请从列出的紧急程度中选择。"),
        },
    )
    region = forms.ChoiceField(
        label=gettext_lazy("所属区划"),
        error_messages={
            "required": gettext_lazy("请选择所属区划。"),
            "invalid_choice": gettext_lazy("区划 %(value)s 不在您负责的范围内。"),
        },
    )
    grid_code = forms.CharField(
        label=gettext_lazy("网格编号"),
        max_length=GRID_CODE_MAX,
        help_text=gettext_lazy("您负责的网格，例如 420106-001-05。"),
        error_messages={
            "required": gettext_lazy("请填写网格编号。"),
            "max_length": gettext_lazy("网格编号最多 %(limit_value)d 个字符。"),
        },
    )
    address = forms.CharField(
        label=gettext_lazy("详细地址（选填）"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("街道、小区、门牌号或附近的标志性建筑。"),
        error_messages={"max_length": gettext_lazy("地址最多 %(limit_value)d 字。")},
    )
    latitude = _coordinate(
        -90,
        90,
        gettext_lazy("纬度"),
        hint=gettext_lazy("例如 30.543100。"),
        required=gettext_lazy("网格事件须有位置坐标：请填写纬度，或点“使用当前位置”。"),
        between=gettext_lazy("纬度应在 -90 至 90 之间。"),
    )
    longitude = _coordinate(
        -180,
        180,
        gettext_lazy("经度"),
        hint=gettext_lazy("例如 114.316200。"),
        required=gettext_lazy("网格事件须有位置坐标：请填写经度，或点“使用当前位置”。"),
        between=gettext_lazy("经度应在 -180 至 180 之间。"),
    )
    photos = GridPhotosField(
        label=gettext_lazy("现场照片"),
        error_messages={"required": gettext_lazy("请至少上传 1 张现场照片。")},
    )

    def __init__(self, *args: Any, topics: Choices, regions: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_topics_and_regions(self, topics, regions)
        self.fields["photos"].help_text = _(
            "1 至 %(max)d 张，JPG 或 PNG 格式，每张不超过 %(size)s；"
            "手机上可直接拍照。页面出错需重填时，请重新选择照片。"
        ) % {"max": MAX_PHOTOS, "size": filesizeformat(settings.YIWANG_UPLOAD_MAX_BYTES)}

    def clean_grid_code(self) -> str:
        return "".join(str(self.cleaned_data.get("grid_code", "")).split())
