from django import forms
from django.utils.translation import gettext_lazy as _


class BylawsForm(forms.Form):
    file = forms.FileField(
        label=_("The bylaws (PDF, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
