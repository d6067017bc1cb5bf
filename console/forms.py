from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Plan
from common.i18n import current_language
from tenants.models import Association
from workspace.forms import SignupForm

ACTIVITY_CHOICES = [
    ("", _("Any activity")),
    ("active_7", _("Active in the last 7 days")),
    ("active_30", _("Active in the last 30 days")),
    ("idle_30", _("No activity for 30 days")),
    ("idle_90", _("No activity for 90 days")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class AssociationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Association.Status.choices],
    )
    plan = forms.ChoiceField(label=_("Plan"), required=False)
    created_from = forms.DateField(label=_("Created from"), required=False, widget=DateInput)
    created_to = forms.DateField(label=_("Created to"), required=False, widget=DateInput)
    activity = forms.ChoiceField(label=_("Last activity"), required=False, choices=ACTIVITY_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", _("Any plan"))] + [
            (code, code) for code in Plan.objects.values_list("code", flat=True)
        ]


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan: Plan) -> str:
        name = plan.name_ar if current_language() == "ar" else plan.name_en
        return f"{name} ({plan.code})"


class PlanAssignForm(forms.Form):
    plan = PlanChoiceField(
        label=_("Plan"), queryset=Plan.objects.all(), to_field_name="code", empty_label=None
    )


class SmsSenderForm(forms.Form):
    sender_name = forms.CharField(
        label=_("Sender name"),
        required=False,
        max_length=40,
        help_text=_("As registered with Unifonic for this association: at most 11 characters."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    sender_registered = forms.BooleanField(
        label=_("Registered with the provider (CST)"), required=False
    )
    app_sid = forms.CharField(
        label=_("The association's own Unifonic AppSid"),
        required=False,
        max_length=100,
        help_text=_("Kept encrypted and never shown again. Leave empty to keep the one set."),
        widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    remove_app_sid = forms.BooleanField(
        label=_("Remove its own AppSid (the platform's account sends)"), required=False
    )


class DeleteConfirmForm(forms.Form):
    confirm_slug = forms.CharField(
        label=_("Type the association's web address to confirm"), max_length=40
    )


class AssociationCreateForm(SignupForm):
    """The sign-up form, filled in by an operator for the association's first admin."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin_name"].label = _("First admin's name")
        self.fields["email"].label = _("First admin's e-mail")
        self.fields["password"].label = _("First admin's password")


class TemplateSectionForm(forms.Form):
    title_ar = forms.CharField(label=_("Title in Arabic"), max_length=200, required=False)
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    body_ar = forms.CharField(
        label=_("Text in Arabic"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    body_en = forms.CharField(
        label=_("Text in English"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    optional = forms.BooleanField(label=_("Associations may leave it out"), required=False)


class TemplateSectionNewForm(TemplateSectionForm):
    key = forms.CharField(
        label=_("Section key"),
        max_length=60,
        help_text=_("Lowercase Latin letters, digits and hyphens, for example complaints."),
    )
    field_order = ["key"]


class TemplateReleaseForm(forms.Form):
    notes = forms.CharField(
        label=_("Release notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    actor = forms.CharField(label=_("Operator"), required=False, max_length=200)
    action = forms.CharField(label=_("Action"), required=False, max_length=60)
    association = forms.CharField(label=_("Association"), required=False, max_length=40)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)


class KindTemplateForm(forms.Form):
    """Another kind's template as its next version: each section's texts and whether it may be
    left out, keyed `<section key>-<field>`; `based_on` is the version the operator started from."""

    based_on = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(
        label=_("Release notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = [section.key for section in sections]
        for section in sections:
            for field in ("title_ar", "title_en", "body_ar", "body_en"):
                self.fields[f"{section.key}-{field}"] = forms.CharField(
                    label=TemplateSectionForm.base_fields[field].label,
                    required=False,
                    initial=getattr(section, field),
                    widget=TemplateSectionForm.base_fields[field].widget,
                )
            self.fields[f"{section.key}-optional"] = forms.BooleanField(
                label=TemplateSectionForm.base_fields["optional"].label,
                required=False,
                initial=section.optional,
            )

    def section_fields(self) -> list[tuple[str, list]]:
        return [
            (key, [self[name] for name in self.fields if name.startswith(f"{key}-")])
            for key in self.keys
        ]

    def sections_data(self) -> list[dict]:
        """The sections as the release service takes them, in the version's order."""
        data = self.cleaned_data
        return [
            {
                "key": key,
                "optional": bool(data[f"{key}-optional"]),
                **{
                    field: data[f"{key}-{field}"].replace("\r\n", "\n").strip()
                    for field in ("title_ar", "title_en", "body_ar", "body_en")
                },
            }
            for key in self.keys
        ]
