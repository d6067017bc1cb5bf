"""Sending the attack requests and reading what came back (shared by the attack tests)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import Tenant


def send(client: Client, method: str, url: str) -> HttpResponse:
    """`method` on `url` with an empty body (CSRF is not enforced by the test client, so the
    view itself decides: the request is as valid as an empty form can be)."""
    if method == "get":
        return client.get(url)
    if method == "post":
        return client.post(url, {})
    return client.generic(method.upper(), url, "{}", content_type="application/json")


def body(response: HttpResponse) -> bytes:
    """Everything the response carries, files included, and where it redirects."""
    if getattr(response, "streaming", False):
        # The test client closes the response at the end of the stream; closing it again here
        # would send request_finished, which closes the test's database connection.
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content + response.get("Location", "").encode()


def client(host: str, **headers) -> Client:
    """A client on `host` that returns a 500 as a response (counted) instead of raising."""
    return Client(HTTP_HOST=host, raise_request_exception=False, **headers)


def failure(response: HttpResponse) -> str:
    """The exception behind a 5xx, for the test's message."""
    info = getattr(response, "exc_info", None)
    return f"({info[0].__name__}: {info[1]})" if info else ""


def member_client(tenant: Tenant, email: str) -> Client:
    """A fresh client signed in as `email` (a POST to logout must not spoil the next request)."""
    signed_in = client(tenant.host)
    with schema_context(tenant.association.schema_name):
        signed_in.force_login(User.objects.get(email=email))
    return signed_in


def schema_fingerprint(schema: str) -> dict[str, str]:
    """Each table of `schema` → a digest of all its rows: equal fingerprints, nothing changed."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        digests = {}
        for table in tables:
            name = f"{quote(schema)}.{quote(table)}"
            cursor.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
                f" FROM {name} AS t"
            )
            count, digest = cursor.fetchone()
            digests[table] = f"{count}:{digest}"
    return digests


def fingerprint_changes(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
