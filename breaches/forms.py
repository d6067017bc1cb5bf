"""The breach register's form: it parses what was typed; the service holds the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _moment(label, *, required: bool = False) -> forms.DateTimeField:
    # A day and a time in the association's time zone (Riyadh), as phones and browsers pick them.
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=MOMENT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _text(label, *, required: bool = True, rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class BreachForm(forms.Form):
    summary = _text(_("What happened"), rows=4)
    happened_at = _moment(_("When it happened"), required=True)
    found_at = _moment(_("When it was found"), required=True)
    found_by = forms.CharField(label=_("Who found it"), max_length=200)
    data_kinds = _text(
        _("Kinds of personal data affected"),
        rows=2,
        help_text=_("For example: names and national IDs, health details, income."),
    )
    people_affected = forms.IntegerField(
        label=_("How many people are affected"),
        required=False,
        min_value=0,
        max_value=100_000_000,
        help_text=_("Leave empty while it is not known."),
        widget=forms.NumberInput(attrs={"dir": "ltr", "inputmode": "numeric"}),
    )
    containment = _text(_("Containment taken"), required=False)
    regulator_notified_at = _moment(_("When the regulator (SDAIA) was told"))
    regulator_notice = forms.CharField(
        label=_("How the regulator was told, and its reference"),
        required=False,
        max_length=300,
    )
    people_notified_at = _moment(_("When the people affected were told"))
    others_notified = _text(_("Who else was told, and when"), required=False, rows=2)
    closed = forms.BooleanField(label=_("The breach is closed"), required=False)
