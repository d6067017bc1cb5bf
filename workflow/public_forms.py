"""The beneficiary's forms on the association's host: an online request and the survey."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflow.forms import AllProblemsAtOnce
from workflow.models import CaseKind
from workflow.services import MAX_SUMMARY
from workflow.surveys import MAX_COMMENT

BENEFICIARY_FIELDS = ("national_id", "full_name", "phone", "email", "city")


def _ltr(**attrs) -> dict:
    # IDs, mobiles and e-mails are typed left to right, even on an Arabic page.
    return {"dir": "ltr", **attrs}


class PublicRequestForm(AllProblemsAtOnce, forms.Form):
    BENEFICIARY_FIELDS = BENEFICIARY_FIELDS
    kind = forms.ChoiceField(
        label=_("What would you like to send?"),
        choices=CaseKind.choices,
        initial=CaseKind.REQUEST,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a request, a suggestion or a complaint.")},
    )
    national_id = forms.CharField(
        label=_("National ID or iqama number"),
        max_length=20,
        help_text=_("10 digits, starting with 1 (citizens) or 2 (residents)."),
        widget=forms.TextInput(_ltr(inputmode="numeric", autocomplete="off")),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, widget=forms.TextInput({"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            _ltr(type="tel", inputmode="tel", autocomplete="tel", placeholder="05XXXXXXXX")
        ),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        max_length=254,
        help_text=_("We write to you there when the committee decides."),
        widget=forms.EmailInput(_ltr(autocomplete="email")),
    )
    city = forms.CharField(label=_("City (optional)"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("Your request, suggestion or complaint"),
        max_length=MAX_SUMMARY,
        widget=forms.Textarea({"rows": 6}),
    )
    consent = forms.BooleanField(
        # The template writes the label itself: it links to the published policy.
        label=_("I agree that the association processes my data"),
        error_messages={
            "required": _(
                "Your consent to the processing of your data is needed to file the request."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].help_text = gettext("At most %(n)s characters.") % {"n": MAX_SUMMARY}

    def clean_national_id(self) -> str:
        # "1000 0000 08" and "1000-000-008" are how people copy it from a card.
        return self.cleaned_data["national_id"].replace(" ", "").replace("-", "")


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(label, required_message) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you with the service?"),
        help_text=_("1 is not satisfied at all, 5 is very satisfied."),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )
    deadline_kept = _yes_no(
        _("Did the association answer within the time it promised?"),
        _("Answer yes or no: was the promised time kept?"),
    )
    staff_courteous = _yes_no(
        _("Were the staff courteous?"),
        _("Answer yes or no: were the staff courteous?"),
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea({"rows": 4}),
    )


def mobile_input() -> forms.TextInput:
    """A Saudi mobile as people type it on a phone: the dial pad, left to right."""
    return forms.TextInput(
        {
            "dir": "ltr",
            "type": "tel",
            "inputmode": "tel",
            "autocomplete": "tel",
            "placeholder": "05XXXXXXXX",
        }
    )


class UpdatesForm(forms.Form):
    """«Tell me of updates»: a Saudi mobile, an e-mail address or both, with consent."""

    phone = forms.CharField(label=_("Mobile number"), required=False, widget=mobile_input())
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        widget=forms.EmailInput({"dir": "ltr", "autocomplete": "email"}),
    )
    consent = forms.BooleanField(label=_("I agree"), required=False)
