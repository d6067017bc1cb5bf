"""The privacy screens' forms: they parse what was typed; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import clock
from privacy.models import RequestKind
from workflow.forms import LTR_DIGITS, BeneficiaryDetailsForm

WITHDRAWAL_CHANNEL_CHOICES = [
    ("interview", _("In person")),
    ("phone", _("By phone")),
    ("email", _("By e-mail")),
    ("letter", _("By letter")),
    ("website", _("Through the website")),
]


class NoticeForm(forms.Form):
    body_ar = forms.CharField(
        label=_("Notice in Arabic"),
        widget=forms.Textarea(attrs={"rows": 18, "dir": "rtl", "lang": "ar"}),
        help_text=_(
            "Lines starting with “## ” are headings, “- ” bullets. {association_name} and "
            "{association_contact} are filled from the association's profile when published."
        ),
    )
    body_en = forms.CharField(
        label=_("Notice in English"),
        widget=forms.Textarea(attrs={"rows": 18, "dir": "ltr", "lang": "en"}),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)


class PublishForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)


class RetentionForm(forms.Form):
    years = forms.CharField(
        label=_(
            "Erase the personal data of beneficiaries whose cases all ended more than … years ago"
        ),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs=LTR_DIGITS),
        help_text=_("From 1 to 50 years; empty switches the rule off."),
    )


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("The person asks for"), choices=RequestKind.choices)
    requester_name = forms.CharField(label=_("Name as given"), max_length=200)
    requester_national_id = forms.CharField(
        label=_("National ID / iqama as given"),
        max_length=20,
        widget=forms.TextInput(attrs=LTR_DIGITS),
    )
    requester_contact = forms.CharField(
        label=_("How to answer them (mobile, e-mail or address)"), required=False, max_length=200
    )
    details = forms.CharField(
        label=_("Details of the request"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate(clock.now())


class VerifyForm(forms.Form):
    national_id = forms.CharField(
        label=_("National ID / iqama on the document shown"),
        max_length=20,
        widget=forms.TextInput(attrs=LTR_DIGITS),
    )
    method_note = forms.CharField(
        label=_("How the identity was checked"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: national ID card shown at the office."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OutcomeForm(forms.Form):
    outcome_note = forms.CharField(
        label=_("How the request was answered"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionForm(BeneficiaryDetailsForm):
    """The person's details as corrected (the national ID is their key and stays)."""


class ConsentWithdrawForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How the beneficiary withdrew consent"), choices=WITHDRAWAL_CHANNEL_CHOICES
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    case = forms.IntegerField(required=False, widget=forms.HiddenInput)


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the data must be kept"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
