"""Sentry and structured logs, each line and event tagged with the association's schema."""

from __future__ import annotations

import json
import logging

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration


def sentry_init(*, dsn: str, environment: str, transport=None) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration()],
        traces_sample_rate=0.0,
        transport=transport,
    )


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
