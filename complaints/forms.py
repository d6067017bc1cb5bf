"""The complaints forms: the public one, staff intake, assignment and the answer. They parse
what was typed; complaints.services holds the rules and names every bad field at once."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.i18n import current_language
from common.validation import errors_onto_form
from complaints.models import ComplaintKind, ComplaintStatus
from complaints.services import MAX_TEXT, complaint_data_clean
from workflow.models import MessageLanguage
from workflow.public_forms import mobile_input


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to send?"),
        choices=ComplaintKind.choices,
        initial=ComplaintKind.COMPLAINT,
        widget=forms.RadioSelect,
        required=False,  # the service says what is wrong, with the other fields' problems
    )
    name = forms.CharField(
        label=_("Your name"),
        required=False,
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        help_text=_("We tell you of the answer by text message on this number."),
        widget=mobile_input(),
    )
    text = forms.CharField(
        label=_("Your complaint or suggestion"),
        required=False,
        widget=forms.Textarea({"rows": 6}),
    )
    consent = forms.BooleanField(label=_("I agree"), required=False)

    def clean(self):
        # Every problem at once, in the service's own words.
        data = super().clean()
        try:
            data.update(
                complaint_data_clean(
                    kind=data.get("kind"),
                    name=data.get("name", ""),
                    phone=data.get("phone", ""),
                    text=data.get("text", ""),
                    consent=data.get("consent") is True,
                )
            )
        except ValidationError as error:
            errors_onto_form(self, error)
        return data


class StaffComplaintForm(ComplaintForm):
    """Staff record one received through a published channel, with the case it is about."""

    channel = forms.ChoiceField(label=_("Received through"))
    case_reference = forms.CharField(
        label=_("Case reference (if it is about a case)"),
        max_length=12,
        required=False,
        widget=forms.TextInput({"dir": "ltr", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("The person agreed that the association processes their data"), required=False
    )
    language = forms.TypedChoiceField(
        label=_("Language of messages"),
        choices=MessageLanguage.choices,
        initial=MessageLanguage.ARABIC,
        required=False,
        empty_value=MessageLanguage.ARABIC,
        help_text=_(
            "The text messages the person receives (Arabic where the policy is not "
            "published in English)."
        ),
    )

    def __init__(self, *args, channels: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        self.fields["channel"].choices = [
            (item["code"], item[f"name_{language}"]) for item in channels
        ]
        self.fields["phone"].help_text = _("Such as 0512345678.")


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args, assignees: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody")), *((e, e) for e in assignees)]


class AnswerForm(forms.Form):
    outcome = forms.CharField(
        label=_("The association's answer"),
        max_length=MAX_TEXT,
        help_text=_("The person reads it through their private link and is told by text message."),
        widget=forms.Textarea({"rows": 5}),
    )


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any state")), *ComplaintStatus.choices]
        self.fields["kind"].choices = [
            ("", _("Complaints and suggestions")),
            *ComplaintKind.choices,
        ]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class DeadlineForm(forms.Form):
    response_working_days = forms.CharField(
        label=_("Answer within (working days)"),
        help_text=_("From 1 to 60. New complaints get this deadline; logged ones keep theirs."),
        widget=forms.TextInput({"inputmode": "numeric", "dir": "ltr", "size": 3}),
    )
