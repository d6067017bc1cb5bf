from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
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

    def post_login(self, request, user, **kwargs):
        # allauth counts only re-authentications as recent: an operator sent to set up TOTP
        # right after signing in would be asked for the password again. The steps of this
        # sign-in are just as recent (they still expire after ACCOUNT_REAUTHENTICATION_TIMEOUT).
        records = get_authentication_records(request, user)
        if records:
            request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {**record, "reauthenticated": True} for record in records
            ]
        return super().post_login(request, user, **kwargs)
