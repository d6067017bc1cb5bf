"""One new migration applied to association schemas two ways, alternating schema by schema in one
process, so that a shared machine's load falls on both alike:

    .venv/bin/python bench/rollout_pipeline.py [--schemas 400]

- before (commit e166e0b): the migration inside a savepoint of its own (Django's schema editor,
  atomic), each statement waiting for its answer, and a RunPython's models rendered again in
  every schema (Django re-renders a state whose reload was delayed);
- now (tenants/rollout.py): no savepoint (the schema's transaction holds the whole schema), the
  statements of consecutive operations other than Python code sent in one psycopg pipeline,
  and the models a RunPython gets rendered once for all the schemas.

Uses bench_thousand (bench/_common.py) and the bench-only migration of tests/tenants/rollout_probe
(a column, a no-op RunPython, an index on the cases table), taken out of every schema before and
after. Each schema is migrated by a `SchemaMigrator`'s `migrate` whole (its transaction, lock,
records, post-migrate handlers), one process, one connection. The first 10 schemas are not
counted (the project states are rendered at the first). Figures: per schema p50 / p95 / mean,
and now ÷ before.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import _common
from rollout import PROBE_SETTINGS, probe_undo

WARM_UP = 10
BEFORE = "before (e166e0b)"
NOW = "now"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schemas", type=int, default=400)
    args = parser.parse_args()
    url = _common.environment_set(_common.THOUSAND_DATABASE)
    _common.thousand_ensure_elsewhere(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = PROBE_SETTINGS
    probe_undo(url)
    _common.django_start()
    from django.db import connection, transaction

    from tenants import rollout

    def plan_steps_before(applied, plan):
        """SchemaMigrator._plan_steps as it was at e166e0b."""
        if before._steps is not None and before._steps[0] == applied:
            return before._steps[1]
        state = before.executor._create_project_state(with_applied_migrations=True)
        state.apps  # noqa: B018
        steps = []
        for migration, _backwards in plan:
            operations = []
            for operation in migration.operations:
                after = state.clone()
                operation.state_forwards(migration.app_label, after)
                operations.append((operation, state, after))
                state = after
            steps.append((migration, operations))
        before._steps = (applied, steps)
        return steps

    def apply_before(migration, steps) -> None:
        """SchemaMigrator._apply as it was at e166e0b."""
        with connection.schema_editor(atomic=migration.atomic) as editor:
            for operation, state_before, state_after in steps:
                atomic_operation = operation.atomic or (
                    migration.atomic and operation.atomic is not False
                )
                if not editor.atomic_migration and atomic_operation:
                    with transaction.atomic(connection.alias):
                        operation.database_forwards(
                            migration.app_label, editor, state_before, state_after
                        )
                else:
                    operation.database_forwards(
                        migration.app_label, editor, state_before, state_after
                    )
        before.executor.record_migration(migration)

    print(_common.machine())
    before, now = rollout.SchemaMigrator(), rollout.SchemaMigrator()
    before._plan_steps = plan_steps_before  # type: ignore[method-assign]
    before._apply = apply_before  # type: ignore[method-assign]
    schemas = rollout.association_schemas()[: args.schemas]
    seconds: dict[str, list[float]] = {BEFORE: [], NOW: []}
    try:
        for index, schema in enumerate(schemas):
            name = BEFORE if index % 2 == 0 else NOW
            started = time.perf_counter()
            assert (before if name == BEFORE else now).migrate(schema) == 1, schema
            if index >= WARM_UP:
                seconds[name].append(time.perf_counter() - started)
    finally:
        connection.close()
        probe_undo(url)
    print(f"{len(schemas)} schemas, alternating; the first {WARM_UP} not counted")
    means = {}
    for name, values in seconds.items():
        ms = [value * 1000 for value in values]
        means[name] = sum(ms) / len(ms)
        print(
            f"  {name:<40} n={len(ms)}  p50 {_common.median(ms):6.1f} ms  "
            f"p95 {_common.percentile(ms, 95):6.1f} ms  mean {means[name]:6.1f} ms"
        )
    print(f"  now ÷ before, mean: {means[NOW] / means[BEFORE]:.2f}x; load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
