"""The audit page's filters (GET). An invalid filter is shown and ignored."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AccessAction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccessFilterForm(forms.Form):
    member = forms.CharField(
        label=_("Member"),
        required=False,
        max_length=254,
        help_text=_("E-mail address, or a part of it."),
        widget=forms.TextInput(attrs={"dir": "ltr", "type": "search"}),
    )
    beneficiary = forms.CharField(
        label=_("Beneficiary"),
        required=False,
        max_length=200,
        help_text=_("National ID / iqama, or a part of the name."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    case_reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"dir": "ltr", "type": "search", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DATE)

    FILTERS = ("member", "beneficiary", "case_reference", "action", "date_from", "date_to")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any action")), *AccessAction.choices]

    def filters(self) -> dict:
        """The valid filters, for the selector; invalid ones are left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in self.FILTERS
            if name in self.cleaned_data and self.cleaned_data[name] not in ("", None)
        }
