"""/healthz and /readyz (CONTRACT.md)."""

from platform_core.celery import app
from tests.helpers import client_for


def test_healthz_answers_on_the_platform_host(db):
    response = client_for(None).get("/healthz")
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_broker_ready(db):
    response = client_for(None).get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_is_503_and_names_the_broker_when_it_is_unreachable(db, monkeypatch):
    # Nothing listens on port 1: the broker cannot be reached.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client_for(None).get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] != "ok"
