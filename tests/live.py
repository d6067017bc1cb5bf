"""A live Mustafid stack for the tests that need real processes.

`live_stack` (session-scoped) makes a fresh database on the PostgreSQL server of DATABASE_URL,
a copy of one migrated once a session, and starts gunicorn and a Celery worker on it, the way `make run`
does. Test directories expose it through their conftest.py:

    from tests.live import live_stack, pytest_runtest_makereport  # noqa: F401

The hook adds the tail of the processes' logs to the report of a failed test that used it.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STARTUP_SECONDS = 60
STOP_SECONDS = 15
# Django's file e-mail backend writes each message followed by this line.
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass
class LiveStack:
    port: int
    base_url: str  # the platform host, as a browser reaches it: http://localhost:<port>
    database_url: str
    mail_dir: Path
    run_dir: Path
    env: dict[str, str]
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    # --- addresses ----------------------------------------------------------------------------

    def host(self, slug: str | None = None) -> str:
        """The Host header of the platform (no slug) or of an association."""
        return f"{slug}.localhost:{self.port}" if slug else f"localhost:{self.port}"

    def url(self, path: str = "/", slug: str | None = None) -> str:
        """An address for a browser; Chromium resolves *.localhost to the loopback itself."""
        return f"http://{self.host(slug)}{path}"

    def http(self, slug: str | None = None) -> LiveHttp:
        """A requests session on one host (Python may not resolve `<slug>.localhost`)."""
        return LiveHttp(port=self.port, host=self.host(slug))

    # --- what the stack did -------------------------------------------------------------------

    def sql(self, query: Any, params: tuple | list | dict | None = None) -> list[tuple]:
        """Rows of `query` run on the live database (autocommit, a fresh connection)."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def mails(self) -> list[EmailMessage]:
        """Every message the processes wrote so far (a message still being written is skipped)."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            # The last piece is what follows the last separator: empty, or a partial message.
            for chunk in path.read_bytes().split(MAIL_SEPARATOR)[:-1]:
                messages.append(
                    email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)
                )
        return messages

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails() if address.lower() in str(m["To"]).lower()]

    def log(self, name: str) -> str:
        return self.logs[name].read_text(encoding="utf-8", errors="replace")

    def log_messages(self, name: str) -> list[str]:
        """The messages of a process's log: the "message" of JSON lines, other lines whole."""
        messages = []
        for line in self.log(name).splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            messages.append(record["message"] if isinstance(record, dict) else line)
        return messages

    def logs_tail(self, lines: int = 80) -> str:
        parts = []
        for name, path in self.logs.items():
            text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
            tail = "\n".join(text.splitlines()[-lines:])
            parts.append(f"===== {name} ({path}), last {lines} lines =====\n{tail}")
        return "\n".join(parts)

    def wait_for(self, what: str, predicate: Callable[[], Any], timeout: float = 20) -> Any:
        """Poll `predicate` until it returns something truthy; fail after `timeout` seconds.

        A failed test that used `live_stack` gets the processes' logs in its report.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise AssertionError(
                        f"{name} exited ({process.returncode}) while waiting for {what}"
                    )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout}s")
            time.sleep(0.1)

    @contextmanager
    def worker_paused(self) -> Iterator[None]:
        """Freeze the worker for the block: tasks sent meanwhile queue up, as behind a busy one."""
        worker = self.processes["worker"]
        worker.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            worker.send_signal(signal.SIGCONT)

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """`manage.py <args>` against the live database, with the processes' settings."""
        return _manage(args, self.env, self.run_dir, timeout)


class LiveHttp(requests.Session):
    """Connects to 127.0.0.1:<port> and sends the Host header of the platform or association.

    It never follows redirects: they may lead to another host, which only a browser resolves.
    """

    def __init__(self, *, port: int, host: str):
        super().__init__()
        self.port = port
        self.headers["Host"] = host

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if url.startswith("/"):
            url = f"http://127.0.0.1:{self.port}{url}"
        kwargs.setdefault("timeout", 30)
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)

    def csrf_token(self, path: str) -> str:
        """GET `path` (which sets the CSRF cookie) and return the token of its form."""
        page = self.get(path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}\n{page.text[:2000]}"
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found, f"no CSRF token in the form of {path}"
        return found.group(1)

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the login form, as a person does (its CSRF token, then the POST)."""
        token = self.csrf_token("/accounts/login/")
        signed = self.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "login": email, "password": password},
        )
        assert signed.status_code == 302, signed.text[-2000:]


# --- starting and stopping -----------------------------------------------------------------------


def require_service(url: str) -> None:
    """Skip the test when the server at `url` does not answer, with its address, except in CI
    (`CI=true`), whose machine runs every service: there a silent server is a failure."""
    parts = urlsplit(url)
    default_port = {"postgres": 5432, "redis": 6379, "amqp": 5672}.get(parts.scheme)
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return
    except OSError as error:
        reason = f"{parts.hostname}:{parts.port or default_port} does not answer ({error})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI runs beside this service, yet {reason}", pytrace=False)
    pytest.skip(reason)


def _database_url_named(url: str, name: str) -> str:
    # Works for host URLs and for the embedded server's socket URLs (%2F-quoted directory).
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _parent_database_url() -> str:
    from platform_core import env

    return env.database_url()


def _static_root() -> Path:
    from django.conf import settings

    root = Path(settings.STATIC_ROOT)
    if not (root / "staticfiles.json").exists():
        raise RuntimeError(
            f"No collected static files in {root}: run `manage.py collectstatic` first "
            "(`make test` does), or every page of the live server fails."
        )
    return root


# Server URL → a database there with the public schema migrated and the base schema made, once
# per test process. Each live stack's database is a copy of it: CREATE DATABASE … TEMPLATE takes
# a fraction of a second where migrating and making the base take ten and more, and every
# server the tests use still has the migrations run on it once a session.
_templates: dict[str, str] = {}
BASE_SCHEMA_MADE = "from tenants.services import base_schema_ensure; base_schema_ensure()"


def _template(server_url: str, env: dict[str, str], run_dir: Path) -> str:
    if server_url not in _templates:
        name = f"mustafid_live_template_{secrets.token_hex(6)}"
        with psycopg.connect(_database_url_named(server_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        _templates[server_url] = name  # dropped at the end of the session, made or not
        for args in (
            ("migrate_schemas", "--shared", "--noinput", "-v", "0"),
            ("shell", "-c", BASE_SCHEMA_MADE),
        ):
            _manage(args, {**env, "DATABASE_URL": _database_url_named(server_url, name)}, run_dir)
    return _templates[server_url]


@pytest.fixture(autouse=True, scope="session")
def _live_templates_dropped() -> Iterator[None]:
    yield
    for server_url, name in _templates.items():
        with psycopg.connect(_database_url_named(server_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _templates.clear()


@contextmanager
def _database(server_url: str, template: str) -> Iterator[str]:
    name = f"mustafid_live_{secrets.token_hex(6)}"
    admin_url = _database_url_named(server_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _database_url_named(server_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(args: tuple[str, ...], env: dict[str, str], cwd: Path, timeout: float = 120):
    """`manage.py <args>` with `env`, failing with its output."""
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({result.returncode})\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def _start(stack: LiveStack, name: str, args: list[str], log: IO[str]) -> None:
    stack.processes[name] = subprocess.Popen(
        [PYTHON, *args], cwd=stack.run_dir, env=stack.env, stdout=log, stderr=subprocess.STDOUT
    )


def _stop_all(stack: LiveStack) -> None:
    # Signalled together and then awaited, so the slow one (the worker) sets the pace alone.
    for process in stack.processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in stack.processes.values():
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _healthy(stack: LiveStack) -> bool:
    try:
        return stack.http().get("/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or its workers still booting
        return False


@contextmanager
def live_stack_running(
    run_dir: Path, *, server_url: str | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[LiveStack]:
    """Database, gunicorn and worker for the duration of the block; everything removed after.

    `server_url`: another PostgreSQL server for the stack's database (the test's own by default);
    `extra_env`: variables for the processes, e.g. a CELERY_BROKER_URL instead of the folder.
    """
    static_root = _static_root()
    with ExitStack() as cleanup:
        port = _free_port()
        mail_dir = run_dir / "mail"
        broker_dir = run_dir / "broker"
        local_dir = run_dir / "local"
        for folder in (mail_dir, broker_dir, local_dir):
            folder.mkdir(parents=True)
        # Not the test process's allowance for the browser's loop (tests/e2e/chromium.py).
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="platform_core.settings",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
            PLATFORM_BASE_URL=f"http://localhost:{port}",
            EMAIL_URL=f"file://{mail_dir}",
            CELERY_FILESYSTEM_DIR=str(broker_dir),
            MUSTAFID_LOCAL_DIR=str(local_dir),
            SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
            STATIC_ROOT=str(static_root),
        )
        env.update(extra_env or {})
        server = server_url or _parent_database_url()
        template = _template(server, env, run_dir)
        database_url = cleanup.enter_context(_database(server, template))
        env["DATABASE_URL"] = database_url
        stack = LiveStack(
            port=port,
            base_url=f"http://localhost:{port}",
            database_url=database_url,
            mail_dir=mail_dir,
            run_dir=run_dir,
            env=env,
            logs={"gunicorn": run_dir / "gunicorn.log", "worker": run_dir / "worker.log"},
        )
        gunicorn_log = cleanup.enter_context(stack.logs["gunicorn"].open("w"))
        worker_log = cleanup.enter_context(stack.logs["worker"].open("w"))
        cleanup.callback(_stop_all, stack)
        # The working directory is the scratch folder, so whatever a process writes relative to
        # it stays out of the repository.
        _start(
            stack,
            "gunicorn",
            [
                "-m",
                "gunicorn",
                "-c",
                "python:infra.gunicorn_conf",
                "platform_core.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                # Threads: a browser's idle preconnected socket must not hold a worker.
                "--threads",
                "4",
                "--no-control-socket",
            ],
            gunicorn_log,
        )
        _start(
            stack,
            "worker",
            [
                "-m",
                "celery",
                "-A",
                "platform_core.celery",
                "worker",
                # One process, one database connection: consecutive tasks of different
                # associations must each switch that connection to their own schema.
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
            ],
            worker_log,
        )
        try:
            stack.wait_for("answer on /healthz", lambda: _healthy(stack), timeout=STARTUP_SECONDS)
            stack.wait_for(
                "Celery worker ready",
                lambda: any(re.search(r"@\S+ ready\.", m) for m in stack.log_messages("worker")),
                timeout=STARTUP_SECONDS,
            )
        except AssertionError as error:
            raise AssertionError(
                f"the live stack did not start: {error}\n{stack.logs_tail()}"
            ) from None
        yield stack


# pytest treats the fixture imported by two conftest.py files as two session fixtures; the
# second one gets the stack the first one started, and the last one to finish stops it.
_running: dict[str, Any] = {"stack": None, "users": 0, "exit": None}


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    if _running["stack"] is None:
        cleanup = ExitStack()
        _running["stack"] = cleanup.enter_context(
            live_stack_running(tmp_path_factory.mktemp("live"))
        )
        _running["exit"] = cleanup
    _running["users"] += 1
    try:
        yield _running["stack"]
    finally:
        _running["users"] -= 1
        if _running["users"] == 0:
            cleanup, _running["exit"], _running["stack"] = _running["exit"], None, None
            cleanup.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    report = yield
    stack = _running["stack"]
    if report.failed and stack is not None and "live_stack" in item.fixturenames:
        report.sections.append(("live stack logs", stack.logs_tail()))
    return report


# --- an association signed up as its admin would, over HTTP ------------------------------------

SIGNUP_PASSWORD = "Sabr-wa-Amal-2026"


@dataclass(frozen=True)
class SignedUp:
    slug: str
    name_ar: str
    name_en: str
    email: str

    @property
    def schema(self) -> str:
        return "a_" + self.slug.replace("-", "_")


def signup_over_http(stack: LiveStack, association: SignedUp) -> None:
    """What the sign-up form does: GET it for the CSRF token, POST it, follow to the workspace."""
    platform = stack.http()
    token = platform.csrf_token("/signup/")
    response = platform.post(
        "/signup/",
        data={
            "csrfmiddlewaretoken": token,
            "name_ar": association.name_ar,
            "name_en": association.name_en,
            "slug": association.slug,
            "admin_name": "",
            "email": association.email,
            "password": SIGNUP_PASSWORD,
        },
    )
    assert response.status_code == 302, (
        f"sign-up of {association.slug} was not accepted ({response.status_code}):\n"
        + response.text[-3000:]
    )
    handoff = response.headers["Location"]
    assert handoff.startswith(stack.url("/accounts/handoff/", slug=association.slug)), handoff

    own_host = stack.http(association.slug)
    signed_in = own_host.get(urlsplit(handoff).path)
    assert signed_in.headers.get("Location") == "/app/", signed_in.status_code
    workspace = own_host.get("/app/")
    assert workspace.status_code == 200
    assert association.name_ar in workspace.text
