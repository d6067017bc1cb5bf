"""A suspended association keeps its public policy; its workspace, API and forms are closed."""

from __future__ import annotations

import re

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tenants.models import Association

# The public policies stay readable through the API as on its page.
PUBLIC_API = re.compile(r"^/api/v1/(policy|policies/[a-z-]+)/(versions/(\d+/)?)?$")
# The workspace, sign-in hand-offs and the public forms that write; a beneficiary's private
# status link (/request/<reference>/) stays readable.
CLOSED_PREFIXES = ("/app/", "/accounts/handoff/", "/survey/")
CLOSED_PATHS = ("/request/",)


def association_suspended_message() -> str:
    return _(
        "This association's account on Mustafid is suspended. Its members cannot sign in "
        "and it does not take requests for now; its published policy stays available."
    )


class AssociationSuspendedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        association = getattr(request, "association", None)
        if association is None or association.status != Association.Status.SUSPENDED:
            return self.get_response(request)
        path = request.path
        if path.startswith("/api/v1/"):
            if request.method in ("GET", "HEAD") and PUBLIC_API.match(path):
                return self.get_response(request)
            return JsonResponse(
                {"detail": association_suspended_message(), "code": "association_suspended"},
                status=403,
            )
        if path.startswith(CLOSED_PREFIXES) or path in CLOSED_PATHS:
            # base.html shows the notice on every page of a suspended association.
            return render(request, "errors/association_suspended.html", status=403)
        return self.get_response(request)
