"""Forms of the centre's pages: the analytics filter, the supervision (督办) form and the
callback (回访) form.

They check only what a browser can get wrong (a date that is not one, a region or score not
offered); the rules (a supervision needs a note, an order is called back once per round) are the
services', and a refusal comes back onto the field it names."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.hotline import analytics
from yiwang.hotline.forms_common import resolved_field
from yiwang.hotline.models import Satisfaction
from yiwang.kernel.forms import SummaryForm


class AnalyticsForm(SummaryForm):
    """The analytics page's filter (a GET form): a date range and a region of the user's
    centre reach; blank fields mean the last 30 days and the whole reach."""

    date_from = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=gettext_lazy("格式：2026-01-31"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=gettext_lazy("格式：2026-01-31"),
    )
    region = forms.ChoiceField(label=gettext_lazy("区域"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("全部辖区")), *regions]
        cast(forms.ChoiceField, self.fields["region"]).choices = choices
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _("请输入有效的日期，格式如 2026-01-31。")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.date | None = data.get("date_from")
        end: dt.date | None = data.get("date_to")
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        default = analytics.default_window()
        if end is None:
            end = max(default.end, start) if start else default.end
        if start is None:
            start = end - dt.timedelta(days=analytics.DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        elif (end - start).days + 1 > analytics.MAX_DAYS:
            self.add_error(
                "date_to",
                _("统计范围最长 %(days)d 天。") % {"days": analytics.MAX_DAYS},
            )
        data["window"] = analytics.Window(start, end)
        return data


class SuperviseForm(SummaryForm):
    """督办 one order: the note to the departments, and whether to raise it to the higher
    level."""

    default_field = "note"

    note = forms.CharField(
        label=gettext_lazy("督办意见"),
        required=False,
        widget=forms.Textarea,
        max_length=100_000,
    )
    escalate = forms.BooleanField(
        label=gettext_lazy("提级督办（报上级热线）"),
        required=False,
    )


class CallbackForm(SummaryForm):
    """回访: what the citizen said when called back."""

    default_field = "score"
    field_aliases: ClassVar[dict[str, str]] = {}

    score = forms.TypedChoiceField(
        label=gettext_lazy("满意度"),
        choices=[],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择满意度。"),
            "invalid_choice": gettext_lazy("满意度应为 1 至 5 的整数。"),
        },
    )
    resolved = resolved_field(
        gettext_lazy("问题是否已解决"),
        required=gettext_lazy("请选择问题是否已解决。"),
        invalid=gettext_lazy("请选择问题是否已解决。"),
    )
    comment = forms.CharField(
        label=gettext_lazy("回访记录"),
        required=False,
        widget=forms.Textarea,
        max_length=100_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["score"]).choices = [
            (value, f"{value} {label}")
            for value, label in sorted(Satisfaction.choices, reverse=True)
        ]
