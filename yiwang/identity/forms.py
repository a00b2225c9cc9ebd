"""Forms of the identity pages. Each field says in Chinese what is missing when it is empty;
the services do the real checks and the views put their refusals on the field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def required_text(
    label: StrOrPromise, missing: StrOrPromise, *, max_length: int, **kwargs: Any
) -> forms.CharField:
    """A required text field whose 'required' error names what to enter."""
    return forms.CharField(
        label=label, max_length=max_length, error_messages={"required": missing}, **kwargs
    )


def password_field(
    label: StrOrPromise, missing: StrOrPromise, *, max_length: int = 128
) -> forms.CharField:
    return required_text(label, missing, max_length=max_length, strip=False)


class StaffLoginForm(forms.Form):
    username = required_text(gettext_lazy("用户名"), gettext_lazy("请输入用户名。"), max_length=150)
    password = password_field(gettext_lazy("密码"), gettext_lazy("请输入密码。"))


class CitizenLoginForm(forms.Form):
    username = required_text(
        gettext_lazy("用户名或手机号码"),
        gettext_lazy("请输入用户名或手机号码。"),
        max_length=150,
    )
    password = password_field(gettext_lazy("密码"), gettext_lazy("请输入密码。"))


class MobileForm(forms.Form):
    mobile = required_text(
        gettext_lazy("手机号码"), gettext_lazy("请输入手机号码。"), max_length=20
    )


class SmsCodeForm(forms.Form):
    code = required_text(
        gettext_lazy("短信验证码"), gettext_lazy("请输入短信验证码。"), max_length=6
    )


class TotpForm(forms.Form):
    code = required_text(
        gettext_lazy("动态口令"),
        gettext_lazy("请输入身份验证器上显示的6位动态口令。"),
        max_length=8,
    )


class CodePasswordForm(forms.Form):
    code = required_text(
        gettext_lazy("短信验证码"), gettext_lazy("请输入短信验证码。"), max_length=12
    )
    password = password_field(
        gettext_lazy("设置密码"), gettext_lazy("请设置密码。"), max_length=200
    )


class PasswordChangeForm(forms.Form):
    new_password = password_field(
        gettext_lazy("新密码"), gettext_lazy("请输入新密码。"), max_length=200
    )
    new_password_again = password_field(
        gettext_lazy("再次输入新密码"), gettext_lazy("请再次输入新密码。"), max_length=200
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, again = cleaned.get("new_password"), cleaned.get("new_password_again")
        if first and again and first != again:
            self.add_error("new_password_again", gettext_lazy("两次输入的密码不一致。"))
        return cleaned


class VerifyForm(forms.Form):
    name = required_text(gettext_lazy("姓名"), gettext_lazy("请输入姓名。"), max_length=50)
    id_number = required_text(
        gettext_lazy("居民身份证号码"), gettext_lazy("请输入居民身份证号码。"), max_length=30
    )


class BindForm(forms.Form):
    credit_code = required_text(
        gettext_lazy("统一社会信用代码"), gettext_lazy("请输入统一社会信用代码。"), max_length=30
    )
