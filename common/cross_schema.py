"""Reading one small row from each of many schemas in a few queries: a UNION ALL of one
sub-select per schema, never a join between two (so each stays whole on one Citus node)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from psycopg import sql


def rows_per_schema(
    schema_names: Sequence[str], sub_select: str, *, chunk: int, parameters: Sequence = ()
) -> list[tuple]:
    """The rows `sub_select` reads in each schema, `chunk` schemas a query.

    `sub_select` names a schema's tables as {schema}.table_name (the name is quoted as an
    identifier by psycopg); its first placeholder takes the schema's name, so that each row says
    its schema, and the next ones `parameters`, the same for every schema.
    """
    template = sql.SQL(sub_select)
    rows: list[tuple] = []
    for start in range(0, len(schema_names), chunk):
        names = schema_names[start : start + chunk]
        query = sql.SQL(" UNION ALL ").join(
            template.format(schema=sql.Identifier(name)) for name in names
        )
        # A transaction a query: its locks (one a table read) are let go chunk by chunk.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(query, [value for name in names for value in (name, *parameters)])
            rows.extend(cursor.fetchall())
    return rows
