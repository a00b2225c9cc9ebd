"""Forms of the work-order pages: the queue's filters and one form per action on an order.

They check only what a browser can get wrong (a choice not offered, a number that is not one);
the rules (a reason is required, a reply may not be empty, an order in the wrong state) are
the services', and a refusal comes back onto the field it names. Every action form has its
action as prefix, so the order page can carry all of them with distinct ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.models import (
    AssignmentRole,
    AssignmentStatus,
    Category,
    DeadlineState,
    DeadlineUnit,
    OrderStatus,
    Satisfaction,
    Urgency,
)
from yiwang.kernel.forms import SummaryForm

#: A field's choices: (value, label); labels may be lazy.
Choices = Sequence[tuple[str, Any]]

#: The longest order number a person types into the search box.
NUMBER_MAX = 20


def _any(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("全部")), *[(str(value), label) for value, label in choices]]


def set_choices(field: forms.Field, choices: Choices) -> None:
    cast(forms.ChoiceField, field).choices = list(choices)


# --- the queue ------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters (GET). Unknown values are dropped, never an error page."""

    q = forms.CharField(label=_("工单编号"), required=False, max_length=NUMBER_MAX)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_any(OrderStatus.choices))
    deadline = forms.ChoiceField(
        label=_("时限"), required=False, choices=_any(DeadlineState.choices)
    )
    category = forms.ChoiceField(
        label=_("诉求类型"), required=False, choices=_any(Category.choices)
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), required=False, choices=_any(Urgency.choices))
    role = forms.ChoiceField(
        label=_("本部门角色"), required=False, choices=_any(AssignmentRole.choices)
    )
    assignment = forms.ChoiceField(
        label=_("本部门办理状态"), required=False, choices=_any(AssignmentStatus.choices)
    )

    def __init__(self, *args: Any, department: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not department:  # the department filters mean nothing to the centre alone
            del self.fields["role"]
            del self.fields["assignment"]

    def filters(self) -> dict[str, str]:
        """The valid filters, each as given (invalid ones left out)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: str(data[name]).strip() for name in self.fields if data.get(name)}


# --- actions on one order -------------------------------------------------------------------


class OrderActionForm(SummaryForm):
    """One action's form on the order page; a refusal naming no field of the form (a wrong
    state, for one) shows above the form's button, linked from the summary."""

    action: ClassVar[str] = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.summary_fallback = f"{self.action}-form"


def _reason(label: Any, hint: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=5000, widget=forms.Textarea, help_text=hint
    )


class SignForForm(OrderActionForm):
    action = "sign-for"


class SendBackForm(OrderActionForm):
    action = "send-back"
    field_aliases: ClassVar[dict[str, str]] = {"reason_text": "reason"}

    reason = _reason(_("退单理由"), _("说明为什么不属于本部门职责，热线中心审核后改派。"))
    suggested_code = forms.ChoiceField(label=_("建议承办部门"), required=False)
    default_field = "reason"

    def __init__(self, *args: Any, departments: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["suggested_code"], [("", _("不指定")), *departments])


class ExtensionForm(OrderActionForm):
    action = "extension"
    field_aliases: ClassVar[dict[str, str]] = {"reason_text": "reason"}

    amount = forms.IntegerField(
        label=_("延长时限"),
        min_value=1,
        max_value=60,
        error_messages={
            "required": _("请填写延长多少。"),
            "invalid": _("延长时限应为整数。"),
            "min_value": _("延长时限应为 1 至 60。"),
            "max_value": _("延长时限应为 1 至 60。"),
        },
    )
    unit = forms.ChoiceField(
        label=_("单位"),
        choices=DeadlineUnit.choices,
        initial=DeadlineUnit.WORKING_DAYS,
        error_messages={"required": _("请选择单位。")},
    )
    reason = _reason(_("延期理由"))
    default_field = "reason"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReplyForm(OrderActionForm):
    action = "reply"

    content = _reason(_("答复内容"), _("写明办理情况和结果；主办部门的答复即工单的答复。"))
    attachments = MultipleFileField(
        label=_("附件"),
        required=False,
        allow_empty_file=True,  # the kernel's store_file says "empty" in its own words
        help_text=_("可选，PDF 或图片，可多选。"),
    )
    default_field = "content"


class DispatchForm(OrderActionForm):
    action = "dispatch"

    topic_code = forms.ChoiceField(
        label=_("诉求分类"), error_messages={"required": _("请选择诉求分类。")}
    )
    lead_code = forms.ChoiceField(
        label=_("主办部门"),
        required=False,
        help_text=_("选“按派单目录”则按分类的派单规则确定主办和协办部门。"),
    )
    supporting_codes = forms.MultipleChoiceField(
        label=_("协办部门"), required=False, widget=forms.CheckboxSelectMultiple
    )
    default_field = "topic_code"

    def __init__(
        self,
        *args: Any,
        topics: Choices = (),
        departments: Choices = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["topic_code"], [("", _("请选择")), *topics])
        set_choices(self.fields["lead_code"], [("", _("按派单目录")), *departments])
        set_choices(self.fields["supporting_codes"], list(departments))


class CompleteForm(OrderActionForm):
    action = "complete"

    note = forms.CharField(label=_("办结说明"), required=False, max_length=2000)


class SuperviseForm(OrderActionForm):
    action = "supervise"

    note = _reason(_("督办意见"))
    escalate = forms.BooleanField(
        label=_("提级督办（报上级热线中心）"),
        required=False,
    )
    default_field = "note"


class MergeForm(OrderActionForm):
    action = "merge"

    order_ids = forms.MultipleChoiceField(
        label=_("并入本工单的工单"), required=False, widget=forms.CheckboxSelectMultiple
    )
    default_field = "order_ids"

    def __init__(self, *args: Any, suggestions: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["order_ids"], list(suggestions))


class CallbackForm(OrderActionForm):
    action = "callback"

    score = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意度。")},
    )
    resolved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("已解决")), ("no", _("未解决"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择问题是否解决。")},
    )
    comment = _reason(_("回访记录"))
    default_field = "score"


#: Every action of the order page and its form.
ACTIONS: dict[str, type[OrderActionForm]] = {
    form.action: form
    for form in (
        SignForForm,
        SendBackForm,
        ExtensionForm,
        ReplyForm,
        DispatchForm,
        CompleteForm,
        SuperviseForm,
        MergeForm,
        CallbackForm,
    )
}
