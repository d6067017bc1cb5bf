"""Stored markup outside the association's pages: the operators' console, the e-mails and the
policy's PDF show it as text, and rendering the PDF reaches out to no address."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import member_invite
from publishing.documents import pdf_from_html
from tenants.models import Association
from tenants.selectors import association_cache_clear
from tests.console.conftest import console, operator_secret  # noqa: F401
from tests.helpers import POLICY, client_for, pdf_text, publish

SCRIPT = "<script>alert('stored')</script>"


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on the loopback that records every request it gets."""
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    thread.join()


def _marked(alpha, address: str) -> None:
    # The letterhead's service refuses markup now; rows stored before that rule must still
    # show as text, so they are written directly.
    Association.objects.filter(pk=alpha.association.pk).update(
        name_en=f"Alpha {SCRIPT}",
        address=f'{SCRIPT}<img src="{address}/address.png">',
        supervising_authority=f'<link rel=stylesheet href="{address}/style.css">',
    )
    association_cache_clear()


def test_the_console_shows_stored_markup_as_text(alpha, console, listener):  # noqa: F811
    _marked(alpha, listener[0])
    for path in ("/console/", f"/console/associations/{alpha.association.slug}/"):
        page = console.get(path + "?lang=en").content.decode()
        assert "Alpha &lt;script&gt;alert(&#x27;stored&#x27;)&lt;/script&gt;" in page, path
        assert SCRIPT not in page, path


def test_the_policy_pdf_prints_stored_markup_as_text_and_fetches_nothing(
    alpha, listener, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    address, hits = listener
    _marked(alpha, address)
    extra = f'<a href="{address}/link">صلة</a><img src="{address}/extra.png">'
    publish(
        alpha,
        data={**POLICY, "sections": [{"key": "procedure", "extra_ar": extra, "extra_en": extra}]},
    )
    text = pdf_text(client_for(alpha).get("/policy.pdf"))
    # Printed as typed (pdftotext mirrors < and > inside right-to-left lines, so the tags are
    # matched by their words): the script and the image are text on the page, not markup.
    assert "script>alert('stored')" in text
    assert f'img src="{address}/address.png' in text
    assert hits == []


def test_the_pdf_renderer_refuses_network_addresses_even_in_our_own_html(listener):
    """The guard beneath the escaping: HTML that did ask for a remote image and style sheet."""
    address, hits = listener
    html = (
        f'<html><head><link rel="stylesheet" href="{address}/a.css"></head>'
        f'<body><img src="{address}/b.png"><p style="background: url({address}/c.png)">x</p>'
        "</body></html>"
    )
    assert pdf_from_html(html).startswith(b"%PDF-")
    assert hits == []


def test_an_invitation_e_mail_is_plain_text_with_the_names_as_typed(alpha, tasks_inline):
    with schema_context(alpha.association.schema_name):
        inviter = User.objects.get(email=alpha.admin_email)
        inviter.full_name = SCRIPT
        inviter.save(update_fields=["full_name"])
        member_invite(
            email="new@alpha.example",
            role="staff",
            full_name=SCRIPT,
            invited_by=inviter,
            base_url=f"http://{alpha.host}",
        )
    [message] = [m for m in mail.outbox if "new@alpha.example" in m.to]
    # Plain text only, nothing a mail client could run or fetch; the names as typed.
    assert not getattr(message, "alternatives", [])
    assert message.content_subtype == "plain"
    assert "&lt;" not in message.body
