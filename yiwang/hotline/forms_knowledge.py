"""Forms of the knowledge-base editor's pages: the list's filter, an article (new or a new
version), publishing with a review date, archiving, and a term's synonyms.

They check only what a browser can get wrong (a choice not offered, a malformed date, a review
date already past); the title's and body's rules are the service's, and its refusal comes back
onto the field it names."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.hotline.forms_common import Choices, set_choices
from yiwang.hotline.models import ArticleStatus
from yiwang.kernel.forms import SummaryForm

#: The list's status filter: the three statuses and the published articles due for review.
DUE = "due"
STATUS_FILTERS: list[tuple[str, Any]] = [
    ("", gettext_lazy("全部")),
    (ArticleStatus.DRAFT, gettext_lazy("草稿")),
    (ArticleStatus.PUBLISHED, gettext_lazy("已发布")),
    (DUE, gettext_lazy("已到复核日期")),
    (ArticleStatus.ARCHIVED, gettext_lazy("已归档")),
]
#: Synonyms are separated by commas (half or full width), 、 or spaces.
_SEPARATORS = re.compile(r"[,，、;；\s]+")
#: A term and each synonym (the service's limit).
WORD_MAX = 50


class ManageFilterForm(forms.Form):
    """The editor's list (GET): by status and by owner department."""

    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False, choices=STATUS_FILTERS)
    owner = forms.ChoiceField(label=gettext_lazy("责任部门"), required=False)

    def __init__(self, *args: Any, owners: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["owner"], [("", _("全部部门")), *owners])


def review_date_field(help_text: Any) -> forms.DateField:
    return forms.DateField(
        label=gettext_lazy("复核日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=help_text,
        error_messages={"invalid": gettext_lazy("请按 2025-12-31 的格式填写日期。")},
    )


class _ReviewDate(SummaryForm):
    """A review date that, when given or changed, is not already past. The initial date is
    given as ``YYYY-MM-DD`` (as typed, whatever the language's date format)."""

    def clean_review_due_on(self) -> date | None:
        value: date | None = self.cleaned_data.get("review_due_on")
        kept = str(self.initial.get("review_due_on") or "")
        if value is not None and value.isoformat() != kept and value < timezone.localdate():
            raise forms.ValidationError(_("复核日期不能早于今天。"))
        return value


class ArticleForm(_ReviewDate):
    """An article: a new draft (with its owner) or a new version of one (``owners=None``)."""

    field_aliases: ClassVar[dict[str, str]] = {"topic_code": "topic"}
    default_field = "body"

    title = forms.CharField(
        label=gettext_lazy("标题"),
        required=False,
        help_text=gettext_lazy("写成来电人会问的问题，例如：物业费怎么收？最多 200 个字。"),
    )
    body = forms.CharField(
        label=gettext_lazy("正文"),
        required=False,
        help_text=gettext_lazy("坐席将照此答复来电人，也公开给市民查询。最多 20000 个字。"),
    )
    topic = forms.ChoiceField(
        label=gettext_lazy("诉求分类"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("诉求分类 %(value)s 不存在或已停用。")},
    )
    owner = forms.ChoiceField(
        label=gettext_lazy("责任部门"),
        error_messages={
            "required": gettext_lazy("请选择责任部门。"),
            "invalid_choice": gettext_lazy("您不能为该部门编写知识。"),
        },
    )
    review_due_on = review_date_field(
        gettext_lazy("到期后需复核内容是否过时。例如 2025-12-31；不填则为发布后半年。")
    )

    def __init__(self, *args: Any, topics: Choices, owners: Choices | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["topic"], [("", _("不分类")), *topics])
        if owners is None:
            del self.fields["owner"]
            self.fields["review_due_on"].help_text = _(
                "到期后需复核内容是否过时。例如 2025-12-31。"
            )
        else:
            set_choices(self.fields["owner"], [("", _("请选择")), *owners])


class PublishForm(_ReviewDate):
    default_field = "review_due_on"

    review_due_on = review_date_field(gettext_lazy("可不填，保留当前复核日期。例如 2025-12-31。"))


class ArchiveForm(SummaryForm):
    """归档 (no fields: a refusal shows above the form)."""


class SynonymsForm(SummaryForm):
    """A term and the words that mean the same (replaces the term's group)."""

    default_field = "synonyms"

    term = forms.CharField(
        label=gettext_lazy("词语"),
        max_length=WORD_MAX,
        help_text=gettext_lazy("例如：物业。已有的词语将被新的同义词替换。"),
        error_messages={
            "required": gettext_lazy("请填写词语。"),
            "max_length": gettext_lazy("词语不能超过 %(limit_value)d 个字。"),
        },
    )
    synonyms = forms.CharField(
        label=gettext_lazy("同义词"),
        required=False,
        help_text=gettext_lazy("用逗号或顿号分隔，例如：物业公司、物管。"),
    )

    def clean_synonyms(self) -> list[str]:
        text: str = self.cleaned_data.get("synonyms") or ""
        return [w for w in _SEPARATORS.split(text) if w]
