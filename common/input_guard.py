"""Refuses text with NUL characters before it reaches a view: PostgreSQL cannot store them.

Forms already refuse them field by field; this covers query strings, paths and JSON bodies,
so that no view has to remember. Uploaded files (multipart) are binary and pass untouched.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


def _has_nul(request) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if any("\x00" in value for values in request.GET.lists() for value in values[1]):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in ("POST", "PUT", "PATCH") and content_type.startswith("application/json"):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body
    return False


class NulInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("The request contains a character that is not allowed (NUL).")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
