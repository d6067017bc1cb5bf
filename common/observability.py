"""Sentry and structured logs, each line and event tagged with the association's schema."""

from __future__ import annotations

import json
import logging

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration


def sentry_init(*, dsn: str, environment: str, transport=None) -> None:
    # Sentry's servers are outside the Kingdom (PDPL): an event carries the error, its stack
    # and the request's method and path, never what a person typed or a link's token.
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration()],
        traces_sample_rate=0.0,
        transport=transport,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=_request_without_personal_data,
    )


# Request headers an event keeps; a Referer repeats a follow-up link's token.
SENTRY_HEADERS_KEPT = {"host", "user-agent", "content-type", "content-length", "accept-language"}


def _request_without_personal_data(event: dict, _hint: dict) -> dict:
    request = event.get("request")
    if request:
        for key in ("query_string", "data", "cookies", "env"):
            request.pop(key, None)
        request["headers"] = {
            name: value
            for name, value in (request.get("headers") or {}).items()
            if name.lower() in SENTRY_HEADERS_KEPT
        }
    return event


def current_schema() -> str:
    # Imported late: settings import this module before the database layer is ready.
    from django.db import connection

    return getattr(connection, "schema_name", None) or "public"


def tag_schema(schema_name: str) -> None:
    sentry_sdk.set_tag("association_schema", schema_name)


class AssociationLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "schema"):
            try:
                record.schema = current_schema()
            except Exception:  # noqa: BLE001 - a log line must never fail for want of a schema
                record.schema = "unknown"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "schema": getattr(record, "schema", "unknown"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
