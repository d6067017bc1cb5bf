"""The one reminder engine: claim, send, commit, once.

Workflow's committee deadlines, privacy's 30-day clock and the breaches' 72-hour clock all
remind people the same way. Each keeps a table with a unique constraint on what "once" means
(a case and kind; a request, kind and due date; a breach and kind), a `sent_at` and the
`recipients`; this module does the rest.

Claim, send, commit: the claim is the unique row, inserted first. A second run finds it and
claims nothing; a concurrent run's insert waits on this uncommitted row and, once it commits,
claims nothing either (or everything, if this run rolled back). A failed send rolls the claim
back, so the reminder is retried instead of lost. The one window for a duplicate is a worker
dying between the mail server accepting the message and COMMIT: a rare second e-mail is better
than an escalation nobody ever receives, which is what committing the claim before sending
would risk for every failed send.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.utils import translation


def _array_type(model: type[models.Model], column: str) -> str:
    field = next(f for f in model._meta.concrete_fields if f.column == column)
    db_type = field.db_type(connection) or "text"
    return "text" if db_type.startswith("varchar") else db_type


def reminders_claim(
    *,
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    returning: str,
    recipients: list[str],
) -> set:
    """Insert the reminder rows no other run holds (each with `sent_at` now and the
    recipients); the `returning` column of the rows this run claimed."""
    if not rows:
        return set()
    columns = list(rows[0])
    names = [connection.ops.quote_name(column) for column in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    arrays = ", ".join(f"%s::{_array_type(model, column)}[]" for column in columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}, sent_at, recipients) "  # noqa: S608 - names only
        f"SELECT {', '.join(f'r.{name}' for name in names)}, now(), %s::jsonb "
        f"FROM unnest({arrays}) AS r({', '.join(names)}) "
        f"ON CONFLICT ({', '.join(connection.ops.quote_name(c) for c in conflict)}) DO NOTHING "
        f"RETURNING {connection.ops.quote_name(returning)}"
    )
    values = [
        [str(row[column]) if isinstance(row[column], str) else row[column] for row in rows]
        for column in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(recipients), *values])
        return {row[0] for row in cursor.fetchall()}


def reminder_send_once(
    *,
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    returning: str,
    recipients: list[str],
    context: Callable[[set], dict[str, Any]],
    subject_template: str,
    body_template: str,
) -> set:
    """Claim `rows`, e-mail `recipients` (in Arabic) about what this run claimed, and commit;
    the claimed values (empty: nothing sent). `context(claimed)` builds the e-mail's context."""
    with transaction.atomic():
        claimed = reminders_claim(
            model=model, rows=rows, conflict=conflict, returning=returning, recipients=recipients
        )
        if claimed:
            values = context(claimed)
            with translation.override("ar"):
                send_mail(
                    subject=render_to_string(subject_template, values).strip(),
                    message=render_to_string(body_template, values),
                    from_email=None,
                    recipient_list=recipients,
                )
    return claimed
