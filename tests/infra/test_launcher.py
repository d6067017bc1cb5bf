"""`make run` on a machine with no services: embedded PostgreSQL, filesystem broker, demo data.

Runs the real launcher (python -m infra.launcher run) in a scratch .local/, as `make run` does,
then `manage.py` beside it with no variable set, then stops it and starts it again.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

# A minute or more of work: scheduled before the rest (tests/conftest.py).
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 240
# A page's first request may wait long for a worker on a shared two-core machine.
REQUEST_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Launcher:
    def __init__(self, local: Path, port: int):
        self.local, self.port = local, port
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
        self.env.update(MUSTAFID_LOCAL_DIR=str(local), PORT=str(port))
        self.env.pop("CELERY_BROKER_URL", None)
        self.env.pop("EMAIL_URL", None)
        self.env.pop("STATIC_ROOT", None)
        self.log = local.parent / f"launcher-{port}.log"

    def start(self) -> str:
        self.output = self.log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.launcher", "run"],
            cwd=ROOT,
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"launcher exited:\n{self.log.read_text()[-3000:]}"
            try:
                if self.get("localhost", "/healthz").status_code == 200:
                    return self.log.read_text()
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or gunicorn's workers still booting on a busy machine
            time.sleep(1)
        pytest.fail(
            f"launcher did not serve within {START_TIMEOUT}s:\n{self.log.read_text()[-3000:]}"
        )

    def get(self, host: str, path: str, session=None) -> requests.Response:
        return (session or requests).get(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Host": f"{host}:{self.port}"},
            allow_redirects=False,
            timeout=REQUEST_TIMEOUT,
        )

    def stop(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        finally:
            self.output.close()

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def launcher(tmp_path):
    launcher = Launcher(tmp_path / "local", _free_port())
    _static_already_collected(launcher)
    yield launcher
    if launcher.process.poll() is None:
        launcher.stop()


def _static_already_collected(launcher: Launcher) -> None:
    """The static files this session collected, with their stamp, in the scratch .local/: as on
    a machine where `make run` ran before. Collecting them (hashing, compressing 27 MB) is
    13 s of CPU that `make test` already spent on the same launcher function."""
    from django.conf import settings

    shutil.copytree(settings.STATIC_ROOT, launcher.local / "static")
    digest = subprocess.run(
        [sys.executable, "-m", "infra.launcher", "static-sources"],
        cwd=ROOT,
        # The settings want a database and a key to load; nothing is reached.
        env={
            **launcher.env,
            "DATABASE_URL": "postgres://static@localhost:1/none",
            "SECRET_KEY": "x",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(" ", 1)[0]
    (launcher.local / "static.sources").write_text(digest)


def _sign_in(launcher: Launcher, host: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = launcher.get(host, "/accounts/login/", session)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"http://127.0.0.1:{launcher.port}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Host": f"{host}:{launcher.port}", "Referer": f"http://{host}:{launcher.port}/"},
        allow_redirects=False,
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code == 302, response.text[-2000:]
    return session


def _mail_to(folder: Path, address: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in folder.glob("*.log") if folder.exists() else []:
            text = message.read_text()
            if f"To: {address}" in text:
                return text
        time.sleep(0.5)
    pytest.fail(f"no e-mail to {address} in {folder} after {timeout}s")


def test_make_run_serves_demo_and_manage_py_beside_it_provisions_an_association(launcher):
    output = launcher.start()
    assert "Every demo login's password: Mustafid-demo-2026" in output
    assert f"http://hidaya.localhost:{launcher.port}/" in output

    assert "Static files: already collected from these sources." in output
    home = launcher.get("localhost", "/")
    assert '<html lang="ar" dir="rtl">' in home.text
    # The hashed, compressed stylesheet the page names is served from that folder.
    stylesheet = re.search(r'href="(/static/css/mustafid\.[0-9a-f]{12}\.css)"', home.text).group(1)
    served = requests.get(
        f"http://127.0.0.1:{launcher.port}{stylesheet}",
        headers={"Host": f"localhost:{launcher.port}", "Accept-Encoding": "gzip"},
        timeout=REQUEST_TIMEOUT,
    )
    assert (served.status_code, served.headers["Content-Encoding"]) == (200, "gzip")
    assert "font-family" in served.text
    assert "جمعية الهداية التجريبية" in launcher.get("hidaya.localhost", "/").text
    assert launcher.get("localhost", "/readyz").json()["checks"] == {
        "database": "ok",
        "broker": "ok",
    }

    created = launcher.manage(
        "create_association", "--slug", "zeta", "--name-ar", "جمعية زيتا",
        "--name-en", "Zeta", "--admin-email", "admin@zeta.example",
        "--admin-password", "Correct-horse-2026",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == f"http://zeta.localhost:{launcher.port}/"

    session = _sign_in(launcher, "zeta.localhost", "admin@zeta.example", "Correct-horse-2026")
    assert "جمعية زيتا" in launcher.get("zeta.localhost", "/app/", session).text
    # The worker (filesystem broker, no server) sent the welcome e-mail from zeta's schema.
    assert "جمعية زيتا" in _mail_to(launcher.local / "mail", "admin@zeta.example")

    assert launcher.stop() == 0
    assert not (launcher.local / "pgdata" / "postmaster.pid").exists()
    # No server left running for manage.py to find, and it says so (not any other failure).
    stopped = launcher.manage("check")
    assert stopped.returncode == 1
    assert "No database: set DATABASE_URL, or start the embedded one with `make run`." in (
        stopped.stderr
    )

    # Started again: the data was kept and the demo was not loaded twice.
    output = launcher.start()
    assert output.count("Static files: already collected from these sources.") == 2
    session = _sign_in(launcher, "zeta.localhost", "admin@zeta.example", "Correct-horse-2026")
    assert launcher.get("zeta.localhost", "/app/", session).status_code == 200
    listing = launcher.manage(
        "shell", "-c", "from tenants.models import Association as A; print(A.objects.count())"
    )
    assert listing.stdout.strip().splitlines()[-1] == "4"  # three demo associations and zeta
