"""With Redis as Django's cache (production's `CACHE_URL`), every process counts against one limit:
a client spreading its attempts over several gunicorn workers gets no more than the limit."""

from __future__ import annotations

import os
import secrets
import subprocess
import textwrap
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.live import PYTHON, ROOT, require_service

pytestmark = pytest.mark.integration

# A database of its own on the service, so that nothing else's keys meet these.
REDIS_URL = urlunsplit(
    urlsplit(os.environ.get("MUSTAFID_SERVICES_REDIS_URL", "redis://127.0.0.1:6379/15"))._replace(
        path="/12"
    )
)
PROCESSES, HITS_EACH, LIMIT = 4, 10, 7

COUNTER = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from common.ratelimit import rate_limit_exceeded
    # A window of 30 years: no run of this test straddles two windows, whenever it runs.
    allowed = sum(
        not rate_limit_exceeded(scope="test", key=sys.argv[1], limit={LIMIT}, window_seconds=10**9)
        for _ in range({HITS_EACH})
    )
    print(allowed)
    """
).format(LIMIT=LIMIT, HITS_EACH=HITS_EACH)


def test_processes_sharing_redis_share_one_limit():
    require_service(REDIS_URL)
    key = secrets.token_hex(8)
    env = {**os.environ, "CACHE_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "platform_core.settings"}
    workers = [
        subprocess.Popen(
            [PYTHON, "-c", COUNTER, key], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    allowed = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        allowed.append(int(out.strip().splitlines()[-1]))
    # 40 attempts from four processes: exactly the limit went through, not the limit per process.
    assert sum(allowed) == LIMIT, allowed


def test_with_the_memory_cache_each_process_counts_alone():
    """The default (no CACHE_URL) is per process: why SECURITY.md asks for Redis in production.
    This is the contrast that shows the test above can fail."""
    key = secrets.token_hex(8)
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "platform_core.settings"
    results = [
        subprocess.run(
            [PYTHON, "-c", COUNTER, key], cwd=ROOT, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [int(r.stdout.strip().splitlines()[-1]) for r in results] == [LIMIT, LIMIT]
