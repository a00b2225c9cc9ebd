"""Forms of the seal pages.

They check only what a browser can get wrong (a choice not offered, a missing file, a text too
long); the rules of seals (a suspension needs a reason, an image must be a usable picture, a
PDF must be readable) are the services', and a refusal comes back onto the field it names
through :meth:`SealForm.apply_error`, listed in the error summary by :meth:`SealForm.summary`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.kernel.errors import DomainError
from yiwang.kernel.forms import SummaryForm
from yiwang.seals.models import SealFormat, SealKind
from yiwang.seals.services import AUTOMATIC_PURPOSES

PURPOSE_LABELS: dict[str, Any] = {
    "cases.acceptance": gettext_lazy("受理通知书"),
    "cases.decision": gettext_lazy("办件决定书"),
    "licenses.issue": gettext_lazy("电子证照签发"),
}
PURPOSE_CHOICES = [(p, PURPOSE_LABELS.get(p, p)) for p in AUTOMATIC_PURPOSES]
#: A service error's field name → the page field that shows it.
FIELD_ALIASES = {"department_code": "department", "user_id": "username"}


class SealForm(SummaryForm):
    """A form whose service refusals land on its fields."""

    #: Where a refusal that names no field of this form is linked from the summary.
    summary_fallback = "main"
    field_aliases: ClassVar[dict[str, str]] = FIELD_ALIASES


class RegisterForm(SealForm):
    department = forms.TypedChoiceField(label=gettext_lazy("所属部门"), coerce=int)
    name = forms.CharField(
        label=gettext_lazy("印章名称"),
        max_length=100,
        help_text=gettext_lazy("例如：武昌区市场监督管理局行政审批专用章。"),
        error_messages={"required": gettext_lazy("请填写印章名称。")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("印章类型"),
        choices=SealKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择印章类型。")},
    )
    valid_until = forms.DateField(
        label=gettext_lazy("失效日期"),
        required=False,
        help_text=gettext_lazy("格式：2030-12-31。不填则自今日起五年有效。"),
        error_messages={"invalid": gettext_lazy("请按 2030-12-31 的格式填写日期。")},
    )
    image = forms.FileField(
        label=gettext_lazy("印模图片（可选）"),
        required=False,
        help_text=gettext_lazy(
            "PNG或JPEG，不超过512KB，边长100至2000像素。不上传则按部门名称自动生成印模。"
        ),
    )
    automatic_purposes = forms.MultipleChoiceField(
        label=gettext_lazy("自动用章事项"),
        choices=PURPOSE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("勾选后，系统出具这些文书时自动加盖本印章（部门的常设授权）。"),
    )

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["department"]
        field.choices = [("", _("请选择")), *((d.pk, d.name) for d in departments)]
        field.error_messages = {
            "required": _("请选择所属部门。"),
            "invalid_choice": _("请从列表中选择部门。"),
        }


class ReasonForm(SealForm):
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        required=False,
        max_length=500,
        widget=forms.Textarea,
        help_text=gettext_lazy("暂停或注销时必须填写，将记入印章的状态历史。"),
    )

    def apply_error(self, error: DomainError) -> None:
        # Every refusal of a state change is about this one form: show it on the reason.
        self.add_error("reason", str(error.message))


class GrantForm(SealForm):
    username = forms.CharField(
        label=gettext_lazy("工作人员用户名"),
        max_length=150,
        error_messages={"required": gettext_lazy("请填写工作人员的用户名。")},
    )
    default_field = "username"


class KeeperForm(SealForm):
    username = forms.CharField(
        label=gettext_lazy("保管人用户名"),
        max_length=150,
        error_messages={"required": gettext_lazy("请填写保管人的用户名。")},
    )
    default_field = "username"


class PurposesForm(SealForm):
    automatic_purposes = forms.MultipleChoiceField(
        label=gettext_lazy("自动用章事项"),
        choices=PURPOSE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    default_field = "automatic_purposes"


class SealDocumentForm(SealForm):
    file = forms.FileField(
        label=gettext_lazy("PDF文件"),
        help_text=gettext_lazy("选择要盖章的PDF文件。"),
        error_messages={
            "required": gettext_lazy("请选择要盖章的PDF文件。"),
            "empty": gettext_lazy("所选文件是空的。"),
        },
    )
    format = forms.ChoiceField(
        label=gettext_lazy("签章格式"),
        choices=SealFormat.choices,
        initial=SealFormat.SM2,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择签章格式。")},
    )
    reference = forms.CharField(
        label=gettext_lazy("关联业务（可选）"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("例如文号或办件编号，记入用章记录。"),
    )
    default_field = "file"


class VerifyForm(SealForm):
    file = forms.FileField(
        label=gettext_lazy("PDF文件"),
        help_text=gettext_lazy("选择要查验的、加盖了电子印章的PDF文件。"),
        error_messages={
            "required": gettext_lazy("请选择要查验的PDF文件。"),
            "empty": gettext_lazy("所选文件是空的。"),
        },
    )
    default_field = "file"
