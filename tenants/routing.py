"""Routes each request to the platform or to one association, by host."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django.utils import translation

from common.i18n import language_asked
from common.observability import tag_schema
from tenants.selectors import association_for_host


def host_of(request: HttpRequest) -> str:
    return request.get_host().rsplit(":", 1)[0].lower().rstrip(".")


class AssociationMiddleware:
    """Chooses the schema for the request.

    The lookup is cached per process (tenants.selectors) and `SET search_path` is only issued
    when the connection's schema actually changes, so a steady stream of requests for one
    association costs no query here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        host = host_of(request)
        if host in (settings.PLATFORM_DOMAIN, f"www.{settings.PLATFORM_DOMAIN}"):
            request.association = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            if connection.schema_name != "public":
                connection.set_schema_to_public()
            tag_schema("public")
            return self.get_response(request)

        association = association_for_host(host)
        if association is None:
            request.association = None
            set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
            # Before the language middleware: in the language asked, not in whichever one the
            # thread's last request left active.
            with translation.override(language_asked(request)):
                page = render_to_string("errors/unknown_host.html", {"host": host}, request=request)
            return HttpResponseNotFound(page)
        request.association = association
        request.urlconf = settings.ROOT_URLCONF
        if connection.schema_name == association.schema_name:
            connection.tenant = association
        else:
            connection.set_tenant(association)
        tag_schema(association.schema_name)
        return self.get_response(request)
