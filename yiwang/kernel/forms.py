"""What every staff and public form shares: the error summary that links each problem to its
field (GOV.UK-style, see the templates' ``_error_summary.html``)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext as _

from yiwang.kernel.errors import DomainError

#: Widgets rendered as a group of inputs: the summary links to the first one.
MULTI_INPUT_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def anchor(bound: forms.BoundField) -> str:
    """The id an error summary links to: the input itself, or a group's first option."""
    if isinstance(bound.field.widget, MULTI_INPUT_WIDGETS):
        return f"{bound.auto_id}_0"
    return str(bound.id_for_label or bound.auto_id)


class SummaryForm(forms.Form):
    """A form with an error summary: every problem, each linked to the field that has it; a
    service's refusal (a :class:`DomainError` whose ``details["errors"]`` name fields) lands on
    the fields it names."""

    #: Where a problem that belongs to no field (a non-field error) is linked from.
    summary_fallback = "main"
    #: The field that shows a refusal naming no field of this form (None: above the form).
    default_field: str | None = None
    #: A service's field names that this form calls otherwise (``department_code`` → ...).
    field_aliases: ClassVar[dict[str, str]] = {}

    def field_for(self, name: str) -> str | None:
        """The form field that shows a refusal of the service field ``name``."""
        target = self.field_aliases.get(name, name)
        return target if target in self.fields else None

    def describe(self, error: dict[str, Any]) -> str:
        """The message shown for one listed error."""
        return str(error.get("message", ""))

    def place(self, error: dict[str, Any], fallback: str) -> tuple[str | None, str]:
        """Where one listed error goes, and what it says."""
        field = self.field_for(str(error.get("field", "")))
        return (field or self.default_field), (self.describe(error) or fallback)

    def apply_error(self, error: DomainError) -> None:
        """Put a service's refusal on the fields it names (the rest on ``default_field``).
        The fields come as a list of ``{"field", "message"}`` rows or as a mapping of field
        names to their messages (``{"content": ["..."]}``)."""
        listed = error.details.get("errors") if isinstance(error.details, dict) else None
        if isinstance(listed, dict):
            listed = [
                {"field": name, "message": str(message)}
                for name, messages in listed.items()
                for message in (messages if isinstance(messages, list | tuple) else [messages])
            ]
        if not listed:
            self.add_error(self.default_field, str(error.message))
            return
        for item in listed:
            self.add_error(*self.place(item, str(error.message)))

    def summary(self) -> list[dict[str, str]]:
        rows = [
            {"href": f"#{self.summary_fallback}", "message": str(message)}
            for message in self.non_field_errors()
        ]
        for bound in self:
            for message in bound.errors:
                rows.append(
                    {
                        "href": f"#{anchor(bound)}",
                        "message": _("%(label)s：%(message)s")
                        % {"label": bound.label, "message": message},
                    }
                )
        return rows
