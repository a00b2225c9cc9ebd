"""The shared field partial shows a date as the date fields accept it, in every language."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class _Dated(forms.Form):
    valid_until = forms.DateField(label="有效期至", input_formats=["%Y-%m-%d"])
    note = forms.CharField(label="备注", required=False)


def test_an_initial_date_is_shown_in_iso_form_and_is_accepted_back() -> None:
    form = _Dated(initial={"valid_until": dt.date(2099, 6, 30)})
    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = render_to_string("forms/_field.html", {"field": form["valid_until"]})
        assert 'value="2099-06-30"' in html, language
    assert _Dated({"valid_until": "2099-06-30"}).is_valid()


def test_an_empty_value_is_an_empty_input() -> None:
    html = render_to_string("forms/_field.html", {"field": _Dated()["note"]})
    assert 'value=""' in html
