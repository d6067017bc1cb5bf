"""Every form our pages show, posted with hostile values: never a 5xx, and a refused post
changes nothing.

The forms are found, not listed: every route is opened (as alpha's admin, and anonymously for
the public pages) and each <form> in the page is taken with its action and fields, so a new
form is fuzzed the day it appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import connection

from tests.helpers import SETTINGS_FORM
from tests.security.attack import client, failure, fingerprint_changes, member_client
from tests.security.routes import ASSOCIATION_URLCONF, PLATFORM_URLCONF, routes, urls
from tests.security.summary import record

# A minute or more of work: scheduled before the rest (tests/conftest.py).
pytestmark = pytest.mark.heavy

MEGABYTE = "ب" * (1024 * 1024 // 2)  # 1 MB in UTF-8
HOSTILE = {
    "arabic": "طلب مساعدة عاجلة لأسرة من سبعة أفراد في حي الشفا",
    "emoji": "🤲🏽🕋👨‍👩‍👧‍👦💚" * 20,
    "bidi marks": "\u200fمحمد\u202eevil\u202c\u200e1000000008\u200f",
    "1 MB": MEGABYTE,
    "NUL": "abc\x00def",
    "SQL": "'; DROP TABLE workflow_case; -- ' OR 1=1 --",
    "HTML": '"><script>window.__pwned=1</script><img src=x onerror=alert(1)>',
    "wrong type": "-99999999999999999999999.5e308",
    "bad date": "2024-13-45T25:61",
    "empty": "",
}
# The nastiest ones are also tried one field at a time, the others left as the page had them.
ONE_FIELD = ("1 MB", "NUL", "wrong type")
# A GET form's values travel in the request line, which gunicorn refuses beyond 4,094 bytes:
# a megabyte never reaches the view there, the longest line that does is tried instead.
LONGEST_QUERY_VALUE = "ب" * 300  # 1,800 bytes once percent-encoded, per field
# Audit rows record who opened what (a refused post may be an access worth recording) and
# sessions change with every signed-in request: neither is a change of the data.
NOT_DATA = ("audit_", "django_session")


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name → the value the page had


class _Forms(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self._select = page, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page
            self.forms.append(Form(self.page, action, (attrs.get("method") or "get").lower()))
        elif not self.forms or not attrs.get("name"):
            return
        elif tag in ("input", "textarea", "select"):
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self.forms[-1].fields.setdefault(attrs["name"], "")
                return
            self.forms[-1].fields[attrs["name"]] = attrs.get("value", "")
            self._select = attrs["name"] if tag == "select" else None
        elif tag == "option" and self._select:
            fields = self.forms[-1].fields
            if not fields[self._select] or "selected" in attrs:
                fields[self._select] = attrs.get("value", "")


def _forms_of(page: str, html: str) -> list[Form]:
    parser = _Forms(page)
    parser.feed(html)
    return parser.forms


def _pages(world, urlconf: str) -> list[str]:
    found = []
    for route in routes(urlconf):
        for url in urls(route, world, urlconf):
            if not url.startswith(("/media/", "/api/", "/healthz", "/readyz")):
                found.append(url)
    return found


def _writes(world) -> dict[str, int]:
    """Rows inserted, updated or deleted so far in this test's transaction, by table of alpha's
    schema and of public (alpha's profile lives there): an unchanged count, nothing written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname || '.' || relname, n_tup_ins + n_tup_upd + n_tup_del"
            " FROM pg_stat_xact_user_tables WHERE schemaname IN (%s, 'public')",
            [world.schema],
        )
        return {
            table: count
            for table, count in cursor.fetchall()
            if not table.split(".", 1)[1].startswith(NOT_DATA)
        }


def _collect(world, alpha) -> dict[tuple[str, str, str], tuple[str, Form]]:
    """Each distinct form (host, method, action, field names) → who sees it, and the form."""
    forms = {}
    visits = [(alpha.host, "admin", url) for url in _pages(world, ASSOCIATION_URLCONF)]
    visits += [(alpha.host, "anonymous", url) for url in _pages(world, ASSOCIATION_URLCONF)]
    visits += [("localhost", "anonymous", url) for url in _pages(world, PLATFORM_URLCONF)]
    for host, who, url in visits:
        visitor = member_client(alpha, alpha.admin_email) if who == "admin" else client(host)
        response = visitor.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in _forms_of(url, response.content.decode()):
            action = urlsplit(form.action)
            if action.netloc or not form.fields:  # another site (none today) or nothing to type
                continue
            key = (host, form.method, action.path + ("?" + action.query if action.query else ""))
            forms.setdefault(key + (",".join(sorted(form.fields)),), (who, form))
    return forms


def test_every_form_survives_hostile_input_and_a_refused_post_changes_nothing(world, alpha):
    forms = _collect(world, alpha)
    assert len(forms) >= 15, sorted(forms)
    problems, cases, address = [], 0, 0

    # The admin's signed-in client serves until a post is accepted (it may have signed out or
    # changed the password); a refused post changed nothing, the session included.
    signed_in = {}

    def post(host, who, form, data):
        nonlocal cases, address
        address += 1  # each post from its own address: the rate limits are tested elsewhere
        ip = f"10.{address // 65536 % 256}.{address // 256 % 256}.{address % 256}"
        if who == "admin":
            sender = signed_in.get(host) or member_client(alpha, alpha.admin_email)
            signed_in[host] = sender
        else:
            sender = client(host)
        before = _writes(world) if form.method == "post" else None
        if form.method == "post":
            response = sender.post(form.action, data, REMOTE_ADDR=ip)
        else:
            data = {k: LONGEST_QUERY_VALUE if v == MEGABYTE else v for k, v in data.items()}
            response = sender.get(form.action, data, REMOTE_ADDR=ip)
        if response.status_code == 302:
            signed_in.pop(host, None)
        cases += 1
        where = f"{form.method.upper()} {form.action} (form of {form.page}) as {who}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code} {failure(response)}")
        elif before is not None and response.status_code != 302:
            # Refused (the form again, or a 4xx): nothing may have changed.
            changed = fingerprint_changes(before, _writes(world))
            if changed:
                problems.append(f"{where}: refused ({response.status_code}) yet changed {changed}")
        connection.set_schema_to_public()

    for (host, _method, _action, _names), (who, form) in forms.items():
        for value in HOSTILE.values():
            post(host, who, form, dict.fromkeys(form.fields, value))
        for name in form.fields:
            if name == "csrfmiddlewaretoken":
                continue
            for label in ONE_FIELD:
                post(host, who, form, {**form.fields, name: HOSTILE[label]})
    assert not problems, "\n".join(problems)
    # The detector sees writes: an accepted post (the association's profile) shows up in it.
    before = _writes(world)
    saved = member_client(alpha, alpha.admin_email).post("/app/settings/", SETTINGS_FORM)
    assert saved.status_code == 302
    assert "public.tenants_association" in fingerprint_changes(before, _writes(world))
    record(
        "form fuzz",
        f"{len(forms)} forms found on the pages x {len(HOSTILE)} hostile values (Arabic, emoji, "
        f"bidi marks, 1 MB, NUL, SQL, HTML, wrong types, ...) + each field alone = {cases} "
        "posts; 5xx 0, refused posts that changed data 0",
    )
