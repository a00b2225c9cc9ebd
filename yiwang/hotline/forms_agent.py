"""Forms of the agent's pages: phone intake, the caller look-up, knowledge search, answering
from an article, reviewing a send-back and deciding an extension.

They check only what a browser can get wrong (a choice not offered, a missing field); the
rules (content length, coordinates, phone numbers, an order in the wrong state) are the
services', and a refusal comes back onto the field it names."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.hotline.forms_common import Choices, offer_topics_and_regions, set_choices
from yiwang.hotline.models import Category, Urgency
from yiwang.kernel.forms import SummaryForm

#: The longest number typed into the caller look-up.
CALLER_MAX = 20
_CALLER = re.compile(r"^[0-9+\-]{3,20}$")


# --- phone intake -------------------------------------------------------------------------------


class IntakeForm(SummaryForm):
    """One phone call (来电登记). ``topics`` and ``regions`` are the choices offered: the
    active topics, and the regions the agent takes calls for."""

    field_aliases: ClassVar[dict[str, str]] = {
        "topic_code": "topic",
        "region_code": "region",
        "longitude": "latitude",
    }
    default_field = "content"

    caller_number = forms.CharField(
        label=gettext_lazy("来电号码"),
        required=False,
        max_length=CALLER_MAX,
        help_text=gettext_lazy("手机号11位，或区号加座机号，例如 027-12345678。"),
    )
    recording_ref = forms.CharField(label=gettext_lazy("录音编号"), required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("诉求类型"),
        choices=Category.choices,
        initial=Category.CONSULTATION,
        widget=forms.RadioSelect,
    )
    topic = forms.ChoiceField(
        label=gettext_lazy("诉求分类"),
        required=False,
        help_text=gettext_lazy("不选则由系统按内容建议分类和承办部门。"),
        error_messages={"invalid_choice": gettext_lazy("诉求分类 %(value)s 不存在或已停用。")},
    )
    region = forms.ChoiceField(
        label=gettext_lazy("所属区划"),
        error_messages={
            "required": gettext_lazy("请选择所属区划。"),
            "invalid_choice": gettext_lazy("区划 %(value)s 不在您受理的范围内。"),
        },
    )
    address = forms.CharField(label=gettext_lazy("地址"), required=False)
    latitude = forms.CharField(
        label=gettext_lazy("纬度"),
        required=False,
        help_text=gettext_lazy("可不填；填写时经纬度都要填，例如 30.5431。"),
    )
    longitude = forms.CharField(
        label=gettext_lazy("经度"), required=False, help_text=gettext_lazy("例如 114.3162。")
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("紧急程度"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    contact_name = forms.CharField(label=gettext_lazy("联系人"), required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        required=False,
        help_text=gettext_lazy("与来电号码不同时填写。"),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"),
        required=False,
        help_text=gettext_lazy("不填则取诉求内容的前 30 个字。"),
    )
    content = forms.CharField(
        label=gettext_lazy("诉求内容"),
        error_messages={"required": gettext_lazy("请填写诉求内容。")},
        help_text=gettext_lazy("记录来电人所说的事情、时间、地点和诉求，最多 5000 字。"),
    )
    agent_notes = forms.CharField(
        label=gettext_lazy("坐席备注"),
        required=False,
        help_text=gettext_lazy("仅工作人员可见。"),
    )
    confidential = forms.BooleanField(
        label=gettext_lazy("来电人要求保密"),
        required=False,
        help_text=gettext_lazy("承办部门将看不到来电人的姓名和电话。"),
    )

    def __init__(self, *args: Any, topics: Choices, regions: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_topics_and_regions(self, topics, regions)


class CallerForm(forms.Form):
    """The caller look-up (GET ``?caller=``): a number to find earlier orders by."""

    caller = forms.CharField(
        label=gettext_lazy("来电号码"),
        max_length=CALLER_MAX,
        help_text=gettext_lazy("查询该号码以前的来电工单，看是否重复来电。"),
        error_messages={"required": gettext_lazy("请输入要查询的号码。")},
    )

    def clean_caller(self) -> str:
        number = re.sub(r"\s", "", self.cleaned_data["caller"])
        if not _CALLER.match(number):
            raise forms.ValidationError(_("号码只能包含数字和连字符。"))
        return number


# --- knowledge ----------------------------------------------------------------------------------


class KnowledgeSearchForm(forms.Form):
    """Knowledge search (GET). Unknown topics are an error on the field, not a page."""

    q = forms.CharField(label=gettext_lazy("关键词"), required=False, max_length=200)
    topic = forms.ChoiceField(
        label=gettext_lazy("诉求分类"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("诉求分类 %(value)s 不存在或已停用。")},
    )

    def __init__(self, *args: Any, topics: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["topic"], [("", _("全部分类")), *topics])


class AnswerForm(SummaryForm):
    """以此答复并办结: the note is what the agent adds to the completion step."""

    field_aliases: ClassVar[dict[str, str]] = {"order_id": "note", "article_id": "note"}
    default_field = "note"

    note = forms.CharField(
        label=gettext_lazy("办结说明"),
        required=False,
        help_text=gettext_lazy("可不填，例如：已电话告知来电人。"),
    )


# --- send-backs and extensions ------------------------------------------------------------------


class ReviewApproveForm(SummaryForm):
    """同意退单: a lead's order goes to ``lead`` (a supporting department is released)."""

    field_aliases: ClassVar[dict[str, str]] = {"lead_code": "lead"}
    default_field = "note"

    lead = forms.ChoiceField(
        label=gettext_lazy("改派至"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("请从列表中选择承办部门。")},
    )
    note = forms.CharField(label=gettext_lazy("审核意见"), required=False)

    def __init__(self, *args: Any, departments: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["lead"], [("", _("请选择")), *departments])


class NoteRequiredForm(SummaryForm):
    """A refusal (驳回退单, 不同意延期): the department reads why."""

    default_field = "note"

    note = forms.CharField(
        label=gettext_lazy("理由"),
        error_messages={"required": gettext_lazy("请填写理由，部门将看到。")},
    )


class NoteForm(SummaryForm):
    default_field = "note"

    note = forms.CharField(label=gettext_lazy("审核意见"), required=False)
