"""What every staff and public form shares: the error summary that links each problem to its
field (GOV.UK-style, see the templates' ``_error_summary.html``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

#: Widgets rendered as a group of inputs: the summary links to the first one.
MULTI_INPUT_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def anchor(bound: forms.BoundField) -> str:
    """The id an error summary links to: the input itself, or a group's first option."""
    if isinstance(bound.field.widget, MULTI_INPUT_WIDGETS):
        return f"{bound.auto_id}_0"
    return str(bound.id_for_label or bound.auto_id)


class SummaryForm(forms.Form):
    """A form with an error summary: every problem, each linked to the field that has it."""

    #: Where a problem that belongs to no field (a non-field error) is linked from.
    summary_fallback = "main"

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
