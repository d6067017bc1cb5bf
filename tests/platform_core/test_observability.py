"""Errors reach Sentry and log lines are written with the association's schema."""

import io
import json
import logging

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.transport import Transport

import workflow.public_views
import workspace.views
from common.observability import JsonFormatter, sentry_init
from tests.helpers import REQUEST_FORM


class CapturingTransport(Transport):
    """Sentry's HTTP edge: keeps envelopes instead of sending them."""

    envelopes: list = []

    def capture_envelope(self, envelope):
        CapturingTransport.envelopes.append(envelope)


@pytest.fixture
def sentry_events():
    CapturingTransport.envelopes = []
    sentry_init(
        dsn="https://key@sentry.example/1", environment="test", transport=CapturingTransport
    )
    yield CapturingTransport.envelopes
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # off again


def _events(envelopes):
    return [item.payload.json for env in envelopes for item in env.items if item.type == "event"]


def test_error_in_an_association_request_reaches_sentry_tagged_with_its_schema(
    alpha, sentry_events, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(workspace.views, "render", broken)
    response = Client(HTTP_HOST=alpha.host, raise_request_exception=False).get("/")
    assert response.status_code == 500
    sentry_sdk.flush()
    events = _events(sentry_events)
    assert events, "no event reached the transport"
    assert events[0]["tags"]["association_schema"] == "a_alpha"
    assert events[0]["exception"]["values"][0]["value"] == "template exploded"


def test_an_error_sent_to_sentry_carries_nothing_a_person_typed_nor_a_links_token(
    alpha, alpha_policy, sentry_events, monkeypatch
):
    def broken(**kwargs):
        national_id = kwargs["beneficiary"]["national_id"]  # a local Sentry would otherwise send
        raise RuntimeError(f"the database went away ({len(national_id)} digits)")

    monkeypatch.setattr(workflow.public_views.services, "case_open", broken)
    visitor = Client(HTTP_HOST=alpha.host, raise_request_exception=False)
    token = "Tk" + "x" * 30
    response = visitor.post(
        f"/request/?token={token}",
        REQUEST_FORM,
        HTTP_REFERER=f"http://{alpha.host}/whistleblowing/W1/?token={token}",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    [event] = _events(sentry_events)
    assert event["exception"]["values"][0]["value"] == "the database went away (10 digits)"
    sent = json.dumps(event, ensure_ascii=False)
    for typed in (token, *(REQUEST_FORM[name] for name in ("national_id", "full_name", "email"))):
        assert typed not in sent, typed
    assert '"vars"' not in sent


@pytest.fixture
def log_lines():
    handlers = logging.getLogger().handlers
    handler = next(h for h in handlers if isinstance(h.formatter, JsonFormatter))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_log_lines_are_json_with_the_schema_of_the_request(alpha, beta, log_lines):
    Client(HTTP_HOST=alpha.host).get("/no-such-page/")
    Client(HTTP_HOST=beta.host).get("/no-such-page-either/")
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    by_path = {line["message"]: line["schema"] for line in lines}
    assert by_path["Not Found: /no-such-page/"] == "a_alpha"
    assert by_path["Not Found: /no-such-page-either/"] == "a_beta"
