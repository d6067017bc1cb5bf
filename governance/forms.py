from django import forms
from django.utils.translation import gettext_lazy as _

from governance.disclosures import INTEREST_ROWS
from governance.models import InterestKind


class BylawsForm(forms.Form):
    file = forms.FileField(
        label=_("The bylaws (PDF, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class DisclosureForm(forms.Form):
    """The yearly disclosure as typed; governance.disclosures names every problem at once."""

    no_conflict = forms.BooleanField(
        label=_("I have no conflict of interest to disclose"), required=False
    )
    signed_name = forms.CharField(
        label=_("Your full name, as your signature"),
        required=False,
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    declared = forms.BooleanField(
        label=_(
            "I declare that this disclosure is true and complete, and that I will disclose any "
            "new interest as soon as it arises, as the conflict-of-interest policy requires."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for row in range(1, INTEREST_ROWS + 1):
            self.fields[f"interest_{row}_kind"] = forms.ChoiceField(
                label=_("Kind of interest"),
                choices=[("", "—"), *InterestKind.choices],
                required=False,
            )
            self.fields[f"interest_{row}_party"] = forms.CharField(
                label=_("The person, company or body concerned"), required=False
            )
            self.fields[f"interest_{row}_description"] = forms.CharField(
                label=_("What the interest is"),
                required=False,
                widget=forms.Textarea({"rows": 2}),
            )

    def interest_rows(self) -> list[dict]:
        return [
            {
                "number": row,
                "kind": self[f"interest_{row}_kind"],
                "party": self[f"interest_{row}_party"],
                "description": self[f"interest_{row}_description"],
            }
            for row in range(1, INTEREST_ROWS + 1)
        ]

    def interests(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "kind": data.get(f"interest_{row}_kind", ""),
                "party": data.get(f"interest_{row}_party", ""),
                "description": data.get(f"interest_{row}_description", ""),
            }
            for row in range(1, INTEREST_ROWS + 1)
        ]


class BoardMemberForm(forms.Form):
    full_name = forms.CharField(label=_("Board member's full name"), required=False)
    email = forms.CharField(
        label=_("E-mail (optional)"),
        required=False,
        widget=forms.EmailInput({"autocomplete": "off"}),
    )


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What happened"),
        required=False,
        help_text=_(
            "What, where, when and who, as far as you know. Give no detail that names you "
            "unless you wish to."
        ),
        widget=forms.Textarea({"rows": 8}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        widget=forms.TextInput({"autocomplete": "off"}),
    )
    contact = forms.CharField(
        label=_("How to reach you (optional)"),
        required=False,
        help_text=_(
            "Leave both empty to report anonymously: you follow the report through its "
            "private link."
        ),
        widget=forms.TextInput({"autocomplete": "off"}),
    )


class ReportMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"), required=False, widget=forms.Textarea({"rows": 5})
    )


class ReportAnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer to the reporter"), required=False, widget=forms.Textarea({"rows": 5})
    )
    close = forms.BooleanField(label=_("Close the report"), required=False)


class OfficersForm(forms.Form):
    officers = forms.TypedMultipleChoiceField(
        label=_("The whistleblowing officers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].choices = [
            (member.pk, f"{member.full_name or member.email} ({member.get_role_display()})")
            for member in candidates
        ]
