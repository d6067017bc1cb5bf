"""Who may open the console: a platform operator, on the platform host, signed in with TOTP."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from common.ratelimit import client_ip_address


def _signed_in_with_totp(request) -> bool:
    # allauth records each step of this session's sign-in; an "mfa" step means a code was given
    # (at sign-in or on re-authentication), not merely that an authenticator exists.
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def operator_required(view):
    """Every console view: 404 on an association's host, sign-in for strangers, 403 for
    non-operators, and a TOTP code for operators whose session was not confirmed with one."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "association", None) is not None:
            raise Http404
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_operator or not user.is_active:
            raise PermissionDenied
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return redirect("mfa_activate_totp")
        if not _signed_in_with_totp(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class Actor:
    """The operator behind a console request, as the audit log records them."""

    email: str
    ip_address: str | None


def actor_of(request) -> Actor:
    return Actor(email=request.user.email, ip_address=client_ip_address(request))
