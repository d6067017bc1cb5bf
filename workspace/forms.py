from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common.i18n import current_language
from tenants.models import PROFILE_FIELDS, Association
from tenants.services import NETWORK_LABELS, SOCIAL_NETWORKS
from workspace.provisioning import association_provision_check


class SignupForm(forms.Form):
    name_ar = forms.CharField(label=_("Association name in Arabic"), max_length=200)
    name_en = forms.CharField(label=_("Association name in English"), max_length=200)
    slug = forms.CharField(
        label=_("Web address"),
        max_length=40,
        help_text=_("Your association's address: lowercase letters, digits and hyphens."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocapitalize": "none"}),
    )
    admin_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Your e-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        # Every problem at once: the service's own checks, on whatever the fields could parse.
        data = super().clean()
        try:
            association_provision_check(
                slug=data.get("slug", ""),
                name_ar=data.get("name_ar", ""),
                name_en=data.get("name_en", ""),
                admin_email=data.get("email", ""),
                admin_password=data.get("password", ""),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, messages)
        return data


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class AssociationProfileForm(forms.ModelForm):
    """The letterhead as the admin types it; the service checks it (tenants.services)."""

    class Meta:
        model = Association
        fields = [
            field
            for field in PROFILE_FIELDS
            if field not in ("phone", "phones", "email", "emails", "website")
        ] + ["logo"]
        widgets = {"digits": forms.RadioSelect}

    phones = forms.CharField(
        label=_("Phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
        help_text=_("One a line, as you write them: 011 234 5678, 055 123 4567."),
    )
    emails = forms.CharField(
        label=_("E-mails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
        help_text=_("One a line."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if not self.is_bound:
            self.initial["phones"] = "\n".join(instance.phones or [])
            self.initial["emails"] = "\n".join(instance.emails or [])
            self.initial["website"] = instance.website
        for network in SOCIAL_NETWORKS:
            self.fields[f"social_{network}"] = forms.CharField(
                label=NETWORK_LABELS[network],
                max_length=100,
                required=False,
                initial=(instance.social_handles or {}).get(network, ""),
                widget=forms.TextInput(attrs={"dir": "ltr"}),
            )

    def _post_clean(self):
        # The service checks the whole letterhead at once (lists, markup, IBANs): the model is
        # not half-checked here first.
        pass

    def clean_phones(self):
        return _lines(self.cleaned_data["phones"])

    def clean_emails(self):
        return _lines(self.cleaned_data["emails"])

    def to_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if data["logo"] is False:  # the "clear" box of the logo was ticked
            data["logo"] = ""
        elif data["logo"] is None:
            del data["logo"]
        return {
            **data,
            "phones": self.cleaned_data["phones"],
            "emails": self.cleaned_data["emails"],
            "website": self.cleaned_data["website"],
            "social_handles": {
                network: self.cleaned_data[f"social_{network}"] for network in SOCIAL_NETWORKS
            },
        }


class BankAccountForm(forms.Form):
    iban = forms.CharField(
        label=_("IBAN"), max_length=40, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    holder_name = forms.CharField(label=_("Account holder"), max_length=200, required=False)


BankAccountFormSet = formset_factory(BankAccountForm, extra=1, max_num=10, validate_max=True)


MEMBER_ROLE_CHOICES = [c for c in User.Role.choices if c[0] != User.Role.OPERATOR]


def referral_role_choices(roles: list[dict], *, held=()) -> list[tuple[str, str]]:
    """Checkboxes for the policy's referral roles (publishing.selectors.referral_roles_known)
    in the page's language: those offered, and those `held` that a newer version dropped."""
    english = current_language() == "en"
    names = {
        item["code"]: (item["name_en"] or item["name_ar"]) if english else item["name_ar"]
        for item in roles
    }
    choices = [(item["code"], names[item["code"]]) for item in roles if item["offered"]]
    offered = {code for code, _name in choices}
    dropped = _("%(name)s (no longer in the policy)")
    return choices + [
        (code, dropped % {"name": names.get(code, code)}) for code in held if code not in offered
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    # No role is chosen for the admin: the least powerful first, each said in a sentence.
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role")), *reversed(MEMBER_ROLE_CHOICES)],
        help_text=_(
            "Referral role holder: answers the cases referred to their role. Committee member: "
            "decides the cases sent for a decision. Beneficiary relations staff: record and follow "
            "every case. "
            "Administrator: everything, with the policy, the members and the plan."
        ),
        error_messages={"required": _("Choose the role the new member will hold.")},
    )
    referral_roles = forms.MultipleChoiceField(
        label=_("Referral roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a referral role holder: the roles whose referred cases they answer."),
    )

    def __init__(self, *args, roles: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral_roles"].choices = referral_role_choices(roles)


class MemberRolesForm(forms.Form):
    """A member's role and referral roles, changed by an admin on the members page."""

    role = forms.ChoiceField(label=_("Role"), choices=MEMBER_ROLE_CHOICES)
    referral_roles = forms.MultipleChoiceField(
        label=_("Referral roles"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, member: User, roles: list[dict], **kwargs):
        initial = {"role": member.role, "referral_roles": member.referral_roles}
        super().__init__(*args, prefix=f"member-{member.pk}", initial=initial, **kwargs)
        self.member = member
        self.fields["referral_roles"].choices = referral_role_choices(
            roles, held=member.referral_roles
        )


class ApiTokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Member"), queryset=User.objects.filter(is_active=True), empty_label=None
    )
    name = forms.CharField(
        label=_("What the key is for"),
        max_length=100,
        help_text=_("For example: the accounting system. The key is shown once, right after."),
    )


class JoinForm(forms.Form):
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput, strip=False
    )
