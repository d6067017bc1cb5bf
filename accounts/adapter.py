from allauth.account.adapter import DefaultAccountAdapter
from django import forms

from tenants.middleware import association_suspended_message
from tenants.models import Association


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Associations sign up at /signup/ on the platform host; their members are invited.
        return False

    def pre_authenticate(self, request, **credentials):
        # A suspended association's members are refused before their password is even checked.
        association = getattr(request, "association", None)
        if association is not None and association.status == Association.Status.SUSPENDED:
            raise forms.ValidationError(association_suspended_message())
        return super().pre_authenticate(request, **credentials)
