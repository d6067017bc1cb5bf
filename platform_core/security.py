"""Response headers Django's SecurityMiddleware does not set: the Content-Security-Policy and the
Permissions-Policy, on every response (pages, API, files, errors)."""

from __future__ import annotations

from django.conf import settings


def policy_header(directives: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"]}` → `default-src 'self'`; an empty list is a bare directive."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = policy_header(settings.CONTENT_SECURITY_POLICY)
        self.permissions = ", ".join(
            f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED
        )

    def __call__(self, request):
        response = self.get_response(request)
        # A view that needs a narrower or wider policy sets its own.
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
