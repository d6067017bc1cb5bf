"""A suspension or a deletion applies to the very next request in every web process, not after
each process's host cache expires (ASSOCIATION_CACHE_SECONDS): two gunicorn workers on a live
stack of its own whose processes keep a host for ten minutes, both holding the association in
their cache, and the change made by a third process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveStack, SignedUp, live_stack_running, signup_over_http
from tests.tenants.roundtrip import OPERATOR, shell

# A minute or more of work: scheduled before the rest (tests/conftest.py).
pytestmark = pytest.mark.heavy

GONE = SignedUp(
    slug="every-process",
    name_ar="جمعية كل العمليات",
    name_en="Every Process Society",
    email="admin@every-process.example",
)
# Requests per check: on fresh connections, which the kernel hands to either worker.
ROUNDS = 24


@pytest.fixture(scope="module")
def long_cache_stack(tmp_path_factory) -> Iterator[LiveStack]:
    with live_stack_running(
        tmp_path_factory.mktemp("long-cache"), extra_env={"ASSOCIATION_CACHE_SECONDS": "600"}
    ) as stack:
        yield stack


@pytest.fixture
def both_workers_know_it(long_cache_stack):
    signup_over_http(long_cache_stack, GONE)
    http = _fresh_connections(long_cache_stack)
    # Each worker looks the host up once and keeps it for ASSOCIATION_CACHE_SECONDS.
    for _ in range(ROUNDS):
        page = http.get("/")
        assert page.status_code == 200 and GONE.name_ar in page.text
    return http


def _fresh_connections(stack):
    http = stack.http(GONE.slug)
    http.headers["Connection"] = "close"
    return http


def _run(stack, code: str) -> None:
    shell(
        stack,
        "from tenants.models import Association; "
        f"association = Association.objects.get(slug={GONE.slug!r}); " + code + "; print('ok')",
    )


def test_suspension_then_deletion_reach_every_worker_at_once(
    long_cache_stack, both_workers_know_it
):
    http = both_workers_know_it
    _run(
        long_cache_stack,
        "from console.lifecycle import association_suspend; "
        f"association_suspend(association=association, actor_email={OPERATOR!r}, "
        "reason='unpaid')",
    )
    for _ in range(ROUNDS):
        workspace = http.get("/app/?lang=en")
        assert workspace.status_code == 403, workspace.status_code
        assert "account on Mustafid is suspended" in workspace.text
        assert http.get("/api/v1/cases/").json()["code"] == "association_suspended"

    _run(
        long_cache_stack,
        "from console.archive import association_export_build; "
        "from console.lifecycle import association_delete, association_export_start; "
        f"export = association_export_start(association=association, actor_email={OPERATOR!r}); "
        "association_export_build(export_id=export.pk); "
        f"association_delete(association=association, confirm_slug={GONE.slug!r}, "
        f"actor_email={OPERATOR!r})",
    )
    assert (
        long_cache_stack.sql("SELECT 1 FROM pg_namespace WHERE nspname = %s", [GONE.schema]) == []
    )
    for _ in range(ROUNDS):
        for path in ("/", "/app/", "/accounts/login/", "/api/v1/policy/"):
            page = http.get(path + "?lang=en")
            assert page.status_code == 404, (path, page.status_code, page.text[-500:])
            assert "No association uses the address every-process.localhost" in page.text
