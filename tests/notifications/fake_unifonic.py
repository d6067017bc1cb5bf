"""Unifonic's SMS API, faked at its HTTP edge: a local HTTP server answering
`POST /rest/SMS/messages` (form-encoded AppSid, SenderID, Recipient, Body, CorrelationID) as
Unifonic's documentation shows, and building the delivery receipts its webhook would post."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from tests.helpers import http_server

APP_SID = "fakeAppSid0123456789"
WEBHOOK_SECRET = "dlr-secret-for-tests"


@dataclass
class FakeUnifonic:
    base: str = ""
    sent: list[dict] = field(default_factory=list)
    # Answers to give before the next good one: an HTTP status (503) each.
    failures: list[int] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # recipients Unifonic refuses
    # The applications it knows: the platform's, and associations' own a test adds.
    app_sids: set[str] = field(default_factory=lambda: {APP_SID})
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(41000001))

    def reset(self) -> None:
        self.sent.clear()
        self.failures.clear()
        self.refused.clear()
        self.app_sids.clear()
        self.app_sids.add(APP_SID)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeUnifonic

    def log_message(self, *args) -> None:  # quiet
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        if urlsplit(self.path).path != "/rest/SMS/messages":
            self._json(404, {"success": False, "message": "not found"})
            return
        if self.fake.failures:
            self._json(self.fake.failures.pop(0), {"success": False, "message": "unavailable"})
            return
        if params.get("AppSid") not in self.fake.app_sids:
            self._json(
                401,
                {"success": False, "errorCode": "ER-01", "message": "Invalid AppSid"},
            )
            return
        if params.get("Recipient") in self.fake.refused:
            self._json(
                200,
                {"success": False, "errorCode": "ER-09", "message": "Invalid destination"},
            )
            return
        message_id = next(self.fake._ids)
        body = params.get("Body", "")
        arabic = any(ord(char) > 0x7F for char in body)
        units = len(body.encode("utf-16-le")) // 2 if arabic else len(body)
        single, each = (70, 67) if arabic else (160, 153)
        segments = 1 if units <= single else -(-units // each)
        self.fake.sent.append({**params, "MessageID": message_id, "segments": segments})
        self._json(
            200,
            {
                "success": True,
                "message": "",
                "errorCode": "ER-00",
                "data": {
                    "MessageID": message_id,
                    "CorrelationID": params.get("CorrelationID", ""),
                    "Status": "Sent",
                    "NumberOfUnits": segments,
                    "Cost": round(0.05 * segments, 4),
                    "Balance": "100",
                    "Recipient": params.get("Recipient"),
                    "DateCreated": "2026-09-17",
                },
            },
        )


@contextmanager
def fake_unifonic_running() -> Iterator[FakeUnifonic]:
    fake = FakeUnifonic()
    with http_server(type("Handler", (_Handler,), {"fake": fake})) as base:
        fake.base = base
        yield fake


def receipt(message_id, dlr: str = "Delivered", at: str = "2026-09-17 12:31:00") -> dict:
    """The fields of Unifonic's DLR webhook call for a message."""
    return {
        "MessageID": str(message_id),
        "DLR": dlr,
        "Recipient": "966551234567",
        "TimeCreated": "2026-09-17 12:30:00",
        "SCTS": at,
        "DLRTimestamp": at,
    }
