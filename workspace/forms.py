from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common.i18n import current_language
from common.saudi import normalize_phone
from tenants.models import PROFILE_FIELDS, Association
from workspace.provisioning import association_provision_check


class SignupForm(forms.Form):
    name_ar = forms.CharField(label=_("Association name in Arabic"), max_length=200)
    name_en = forms.CharField(label=_("Association name in English"), max_length=200)
    slug = forms.CharField(
        label=_("Web address"),
        max_length=40,
        help_text=_("Your association's address: lowercase letters, digits and hyphens."),
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


class AssociationProfileForm(forms.ModelForm):
    class Meta:
        model = Association
        fields = [
            *PROFILE_FIELDS,
            "logo",
        ]

    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    social_x = forms.CharField(label="X", max_length=100, required=False)
    social_instagram = forms.CharField(label="Instagram", max_length=100, required=False)
    social_snapchat = forms.CharField(label="Snapchat", max_length=100, required=False)

    def clean_phone(self):
        # Typed any way ("+966 12 665 4321", Arabic digits); stored in E.164.
        phone = self.cleaned_data["phone"].strip()
        return normalize_phone(phone) if phone else ""


class BankAccountForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=40)
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
    role = forms.ChoiceField(label=_("Role"), choices=MEMBER_ROLE_CHOICES)
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
