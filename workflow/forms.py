"""The workspace's case forms: they parse what was typed; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.i18n import current_language
from workflow.models import CaseDocument, CaseKind, CaseStatus, MessageLanguage
from workflow.selectors import CASE_SORTS
from workflow.services import beneficiary_data_clean
from workflow.transitions import TRANSITIONS

LTR_DIGITS = {"dir": "ltr", "inputmode": "numeric", "autocomplete": "off"}


def _name(item: dict) -> str:
    return item["name_en"] if current_language() == "en" else item["name_ar"]


class CaseFilterForm(forms.Form):
    """The case list's filters (GET). An invalid filter is shown and ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Reference, national ID, mobile or name."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("State"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    due_after = forms.DateField(
        label=_("Decision due from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_before = forms.DateField(
        label=_("Decision due until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, channels: list[tuple[str, str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [(key, key) for key in CASE_SORTS]
        english = current_language() == "en"
        self.fields["status"].choices = [("", _("Any state")), *CaseStatus.choices]
        self.fields["channel"].choices = [
            ("", _("Any channel")),
            *((code, name_en if english else name_ar) for code, name_ar, name_en in channels),
        ]

    @property
    def narrowed(self) -> bool:
        """Whether a filter beyond the search is set (the page shows them open)."""
        return any(self.data.get(name) for name in ("status", "channel", "due_after", "due_before"))

    def filters(self) -> dict:
        """The valid filters, for the selector; invalid ones are left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in ("q", "status", "channel", "due_after", "due_before", "sort")
            if name in self.cleaned_data and self.cleaned_data[name] not in ("", None)
        }


class BeneficiaryDetailsForm(forms.Form):
    """A beneficiary's own details as staff type them: at intake and in a correction."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = forms.CharField(
        label=_("Mobile"),
        max_length=20,
        help_text=_("Such as 0512345678."),
        widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"dir": "ltr"}),
    )
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    household_size = forms.CharField(
        label=_("Household size"), required=False, max_length=3, widget=forms.TextInput(LTR_DIGITS)
    )
    household_notes = forms.CharField(
        label=_("Household details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(
        label=_("Language of messages"),
        required=False,
        choices=[("", _("As before (Arabic for someone new)")), *MessageLanguage.choices],
        help_text=_("The text messages and e-mails the beneficiary receives."),
    )


class AllProblemsAtOnce:
    """A form that names every problem at once: its fields' own, then the service's checks on
    the person's details the fields could parse (not one round of errors per submit)."""

    BENEFICIARY_FIELDS: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        try:
            data["beneficiary"] = beneficiary_data_clean(
                {field: data.get(field, "") for field in self.BENEFICIARY_FIELDS}
            )
        except ValidationError as error:
            self.add_service_errors(error)
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's errors on the fields they name ("beneficiary.phone" → phone)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages in error.message_dict.items():
            field = key.removeprefix("beneficiary.")
            if field not in self.fields:
                self.add_error(None, messages)
            elif field not in self.errors:
                self.add_error(field, messages)


class CaseOpenForm(AllProblemsAtOnce, BeneficiaryDetailsForm):
    """Staff record a case received through a channel of the published policy."""

    channel = forms.ChoiceField(label=_("Channel"))
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, initial=CaseKind.REQUEST)
    national_id = forms.CharField(
        label=_("National ID / iqama"), max_length=20, widget=forms.TextInput(attrs=LTR_DIGITS)
    )
    health_notes = forms.CharField(
        label=_("Health details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    monthly_income = forms.CharField(
        label=_("Monthly income (SAR)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal", "autocomplete": "off"}),
    )
    summary = forms.CharField(
        label=_("The request"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    consent = forms.BooleanField(
        label=_("The beneficiary consents to the processing of their data for this request."),
        error_messages={
            "required": _("The beneficiary's consent to the processing of their data is required.")
        },
    )

    BENEFICIARY_FIELDS = (
        "national_id",
        "full_name",
        "phone",
        "email",
        "city",
        "household_size",
        "household_notes",
        "health_notes",
        "monthly_income",
        "language",
    )

    def __init__(self, *args, channels: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(item["code"], _name(item)) for item in channels]

    def beneficiary(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.BENEFICIARY_FIELDS}


class TransitionForm(forms.Form):
    """One action on a case, with the version of the case the member was looking at."""

    action = forms.ChoiceField(choices=[(action, action) for action in TRANSITIONS])
    version = forms.IntegerField(min_value=1)
    role = forms.CharField(label=_("Refer to"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    signed_by = forms.CharField(label=_("Signed by"), required=False, max_length=200)
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[
            ("", ""),
            (CaseStatus.ACCEPTED, CaseStatus.ACCEPTED.label),
            (CaseStatus.REJECTED, CaseStatus.REJECTED.label),
        ],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    # An irreversible step is taken only from its confirmation page, which sends this.
    confirm = forms.BooleanField(required=False)

    DATA_FIELDS = ("role", "note", "signed_by", "decision", "reason")

    def data_for_service(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self.DATA_FIELDS if self.cleaned_data[name]
        }


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=CaseDocument.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG or JPEG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )


class SensitiveDetailsForm(forms.Form):
    """The beneficiary's household, health and income details (the service checks them)."""

    household_notes = CaseOpenForm.base_fields["household_notes"]
    health_notes = CaseOpenForm.base_fields["health_notes"]
    monthly_income = CaseOpenForm.base_fields["monthly_income"]

    FIELDS = ("household_notes", "health_notes", "monthly_income")
