"""An operator who has just enrolled TOTP proved the code on the enrolment page: that session
counts as confirmed by a code, as a sign-in with one does (console/access.py)."""

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver


@receiver(authenticator_added)
def _enrolment_confirms_the_session(sender, request, user, authenticator, **_kwargs) -> None:
    if authenticator.type == Authenticator.Type.TOTP and user.is_operator:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
