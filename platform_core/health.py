"""/healthz says the process answers; /readyz says its database and broker answer too."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from platform_core.celery import app


def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ready() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        return type(error).__name__
    return None


def _broker_ready() -> str | None:
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        return type(error).__name__
    return None


def readyz(request):
    checks = {"database": _database_ready(), "broker": _broker_ready()}
    ready = all(problem is None for problem in checks.values())
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
        "broker": settings.CELERY_BROKER_URL.split("://", 1)[0],
    }
    return JsonResponse(body, status=200 if ready else 503)
