"""The admin's forms: a period to preview and publish, a year to report on, and the board's
decisions. They parse what was typed; reporting.services holds the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

QUARTER_CHOICES = [
    ("", _("The whole year")),
    ("1", _("First quarter (January to March)")),
    ("2", _("Second quarter (April to June)")),
    ("3", _("Third quarter (July to September)")),
    ("4", _("Fourth quarter (October to December)")),
]


class PeriodForm(forms.Form):
    # Text, not a number field: the service words every problem, in both languages.
    year = forms.CharField(
        label=_("Year"),
        max_length=10,
        widget=forms.TextInput({"inputmode": "numeric", "dir": "ltr"}),
    )
    quarter = forms.CharField(
        label=_("Period"), required=False, widget=forms.Select(choices=QUARTER_CHOICES)
    )


class ReportYearForm(forms.Form):
    year = forms.CharField(
        label=_("Year"),
        max_length=10,
        widget=forms.TextInput({"inputmode": "numeric", "dir": "ltr"}),
    )


class BoardDecisionsForm(forms.Form):
    meeting = forms.CharField(label=_("Board meeting (number)"), required=False, max_length=50)
    meeting_date = forms.DateField(
        label=_("Meeting date"),
        required=False,
        widget=forms.DateInput({"type": "date", "dir": "ltr"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    decisions = forms.CharField(
        label=_("The board's decisions on the report"),
        required=False,
        widget=forms.Textarea({"rows": 6}),
    )
