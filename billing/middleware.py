"""A workspace whose subscription has lapsed can be read but not changed (nothing is deleted)."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from billing.services import billing_state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
GUARDED_PREFIXES = ("/app/", "/api/v1/")
# Paying again must stay possible; signing in and out is under /accounts/.
OPEN_PREFIXES = ("/app/billing/",)
PUBLIC_REQUEST_FORM = "/request/"


class ReadOnlyWorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        association = getattr(request, "association", None)
        if association is None:
            return self.get_response(request)
        # Read when a page or a write needs it: most requests never query it.
        request.billing = SimpleLazyObject(lambda: billing_state(association))
        path = request.path
        if path == PUBLIC_REQUEST_FORM and request.billing.read_only:
            return render(request, "billing/requests_paused.html", status=503)
        writes = request.method not in SAFE_METHODS
        if (
            writes
            and path.startswith(GUARDED_PREFIXES)
            and not path.startswith(OPEN_PREFIXES)
            and request.billing.read_only
        ):
            message = _(
                "This workspace is read-only because the association's subscription has ended. "
                "Nothing was changed and nothing was deleted; an admin can renew the plan on "
                "the billing page."
            )
            if path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=403)
            return render(request, "billing/read_only.html", {"message": message}, status=403)
        return self.get_response(request)
