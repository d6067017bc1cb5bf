"""Stripe's servers, faked at their HTTP edge: a tiny local HTTP server speaking the parts of
Stripe's API that Mustafid calls (Checkout sessions, customer portal sessions), plus the page a
Checkout session's URL opens, which "pays" and sends the browser back to the success URL.

The real `stripe` library talks to it over real HTTP (STRIPE_API_BASE); events are built as
dicts and signed with the library's own signing code (`signed`).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

import stripe

from tests.helpers import http_server

WEBHOOK_SECRET = "whsec_test_mustafid"
SECRET_KEY = "sk_test_mustafid"
PRICES = {"basic": "price_basic_test", "pro": "price_pro_test"}


def _nested(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (`line_items[0][price]=…`) back into dicts (lists stay dicts)."""
    result: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


@dataclass
class FakeStripe:
    base: str = ""
    sessions: dict[str, dict] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        self.sessions.clear()
        self.requests.clear()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test{next(self._ids):06d}"

    # --- what a test does to a session ---------------------------------------------------------

    def pay(self, session_id: str) -> dict:
        """What Checkout does when the customer pays: a customer and a subscription exist."""
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid",
            customer=session.get("customer") or self.new_id("cus"),
            subscription=self.new_id("sub"),
        )
        return session

    def expire(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        session.update(status="expired")
        return session

    def created_sessions(self) -> list[dict]:
        return [r["params"] for r in self.requests if r["path"] == "/v1/checkout/sessions"]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

    def log_message(self, *args) -> None:  # quiet
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_fake")
        self.end_headers()
        self.wfile.write(data)

    def _missing(self, what: str) -> None:
        self._json(
            404,
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": f"No such {what}",
                }
            },
        )

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {SECRET_KEY}":
            return True
        self._json(401, {"error": {"type": "invalid_request_error", "message": "Bad API key"}})
        return False

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        params = _nested(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        path = urlsplit(self.path).path
        self.fake.requests.append({"method": "POST", "path": path, "params": params})
        if not self._authorized():
            return
        if path == "/v1/checkout/sessions":
            session_id = self.fake.new_id("cs")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "status": "open",
                "payment_status": "unpaid",
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "customer": params.get("customer"),
                "customer_email": params.get("customer_email"),
                "subscription": None,
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "url": f"{self.fake.base}/pay/{session_id}",
                "created": int(time.time()),
            }
            self.fake.sessions[session_id] = session
            self._json(200, session)
        elif path == "/v1/billing_portal/sessions":
            portal_id = self.fake.new_id("bps")
            self._json(
                200,
                {
                    "id": portal_id,
                    "object": "billing_portal.session",
                    "customer": params.get("customer"),
                    "return_url": params.get("return_url"),
                    "url": f"{self.fake.base}/portal/{portal_id}",
                },
            )
        else:
            self._missing(path)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.fake.requests.append({"method": "GET", "path": path, "params": {}})
        if path.startswith("/v1/checkout/sessions/"):
            if not self._authorized():
                return
            session = self.fake.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                self._missing("checkout.session")
            else:
                self._json(200, session)
        elif path.startswith("/pay/") and path[5:] in self.fake.sessions:
            # The hosted Checkout page: the customer pays and is sent back.
            session = self.fake.pay(path[5:])
            self.send_response(303)
            self.send_header(
                "Location", session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            )
            self.end_headers()
        elif path.startswith("/portal/"):
            body = b"<!doctype html><title>Stripe portal (fake)</title><h1>Billing portal</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self._missing(path)


@contextmanager
def fake_stripe_running() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    with http_server(type("Handler", (_Handler,), {"fake": fake})) as base:
        fake.base = base
        yield fake


# --- webhook events ----------------------------------------------------------------------------

_event_ids = itertools.count(1)


def event(type_: str, obj: dict, *, created: int | None = None, event_id: str = "") -> dict:
    return {
        "id": event_id or f"evt_test{next(_event_ids):06d}_{int(time.time() * 1000)}",
        "object": "event",
        "type": type_,
        "created": created if created is not None else int(time.time()),
        "livemode": False,
        "api_version": stripe.api_version,
        "data": {"object": obj},
    }


def signed(payload: dict, secret: str = WEBHOOK_SECRET) -> tuple[str, str]:
    """The body and its Stripe-Signature header, made by the stripe library itself."""
    body = json.dumps(payload)
    return body, stripe.WebhookSignature.generate_signature_header(body, secret)


def subscription_object(
    *,
    subscription_id: str,
    customer: str,
    status: str,
    price: str,
    schema: str = "",
    slug: str = "",
    period_end: int | None = None,
) -> dict:
    metadata = {"association_schema": schema, "association_slug": slug} if schema else {}
    return {
        "id": subscription_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "metadata": metadata,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_test",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "current_period_end": period_end or int(time.time()) + 30 * 86400,
                }
            ],
        },
    }


def checkout_object(
    *, session_id: str, slug: str, schema: str, plan: str, customer: str, subscription: str
) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": "subscription",
        "status": "complete",
        "payment_status": "paid",
        "client_reference_id": slug,
        "metadata": {"association_slug": slug, "association_schema": schema, "plan": plan},
        "customer": customer,
        "subscription": subscription,
    }


def invoice_object(*, subscription_id: str, customer: str, paid: bool) -> dict:
    return {
        "id": f"in_test{next(_event_ids):06d}",
        "object": "invoice",
        "customer": customer,
        "status": "paid" if paid else "open",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription_id, "metadata": {}},
        },
    }
