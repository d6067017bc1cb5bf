"""The other path: the PostgreSQL server and the brokers a production deployment uses.

`make test` runs on the embedded PostgreSQL and the folder broker. These tests start the live
stack (gunicorn + worker) on the PostgreSQL service and with Redis and RabbitMQ as the broker,
and follow a sign-up to the welcome e-mail the worker sends through that broker.

They run where the services answer and are reported as skipped elsewhere, with the address
that did not answer; in CI (`CI=true`, whose machine runs all three) a silent service fails.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.live import live_stack_running, require_service

pytestmark = pytest.mark.integration

SERVICES_DATABASE_URL = os.environ.get(
    "MUSTAFID_SERVICES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
BROKERS = {
    "redis": os.environ.get("MUSTAFID_SERVICES_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("MUSTAFID_SERVICES_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


def _server_version(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_signup_to_welcome_email_on_the_services(broker, tmp_path):
    broker_url = BROKERS[broker]
    for url in (SERVICES_DATABASE_URL, broker_url):
        require_service(url)
    with live_stack_running(
        tmp_path, server_url=SERVICES_DATABASE_URL, extra_env={"CELERY_BROKER_URL": broker_url}
    ) as stack:
        ready = stack.http().get("/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["broker"] == urlsplit(broker_url).scheme
        # The stack's database is on the service, not on the embedded server of `make test`.
        assert stack.database_url.startswith(SERVICES_DATABASE_URL.rsplit("/", 1)[0])
        assert _server_version(stack.database_url)

        result = stack.manage(
            "create_association",
            "--slug",
            f"svc-{broker}",
            "--name-ar",
            "جمعية الخدمات",
            "--name-en",
            "Services Association",
            "--admin-email",
            f"admin@svc-{broker}.example",
            "--admin-password",
            "Services-path-2026",
        )
        assert f"svc-{broker}.localhost" in result.stdout

        welcome = stack.wait_for(
            "the welcome e-mail sent by the worker through the broker",
            lambda: stack.mails_to(f"admin@svc-{broker}.example"),
            timeout=60,
        )
        assert "جمعية الخدمات" in welcome[0].get_content()
        assert f'"schema": "a_svc_{broker}"' in stack.log("worker")
