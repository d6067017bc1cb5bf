"""Operators must have MFA before any platform page beyond their account pages opens."""

from allauth.mfa.models import Authenticator
from django.shortcuts import redirect

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz")


class OperatorMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            getattr(request, "association", True) is None
            and user is not None
            and user.is_authenticated
            and user.is_operator
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)
