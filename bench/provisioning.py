"""Time to provision one association: replay or clone the migrated base schema vs migrate.

    .venv/bin/python bench/provisioning.py [--runs 10] [--levels 0,100,1000]

Works in its own database, bench_provisioning unless DATABASE_URL names another bench_* one,
and drops it at the end. Levels below 1,000 are filled in place; for 1,000 the database is
recreated as a copy of bench_thousand (made by bench/_common.py first if missing or stale;
nothing may be connected to it meanwhile). At each level N: one unrecorded provisioning per
strategy, then `--runs` per strategy, in rotating order, through
workspace.provisioning.association_provision (validation, rows, schema, first admin, welcome task),
all removed again afterwards.

Strategies: the product's three (settings.ASSOCIATION_PROVISIONING): `snapshot` (the default:
the base schema's pg_dump replayed with its name substituted), `clone` (django-tenants' clone
function) and `migrate`.

Baseline: the `migrate` strategy at the same N, in the same run. Also shown: the schema step
alone (association_schema_create), the time spent hashing the admin's password (Argon2), and
for `clone` the part spent re-creating django-tenants' clone_schema() SQL function.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time

import _common

STRATEGIES = ("clone", "migrate", "snapshot")
PASSWORD = "Bench-provisioning-2024!"  # noqa: S105 - a throwaway password in a throwaway database


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10, help="provisionings per strategy and N")
    parser.add_argument("--levels", default="0,100,1000", help="associations already present")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    url = _common.environment_set("bench_provisioning")
    if max(levels) >= _common.THOUSAND:
        _common.thousand_ensure_elsewhere(_common.sibling_url(url, _common.THOUSAND_DATABASE))
    _common.database_prepare(url, fresh=True)
    try:
        return run(url=url, levels=sorted(levels), runs=args.runs)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _common.database_drop(url)


def run(*, url: str, levels: list[int], runs: int) -> int:
    _common.django_start()
    from django.conf import settings
    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.db import connections
    from django_tenants.clone import CloneSchema

    import tenants.services as services
    from workspace import provisioning

    parts: dict[str, float] = {}

    def timed(owner, name: str, key: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                parts[key] = parts.get(key, 0.0) + time.perf_counter() - started

        setattr(owner, name, wrapper)

    # association_provision looks these up at call time, so the wrappers see every call.
    timed(provisioning, "association_schema_create", "schema")
    timed(CloneSchema, "_create_clone_schema_function", "clone_function")
    timed(Argon2PasswordHasher, "encode", "hash")

    def provision(strategy: str, slug: str) -> dict[str, float]:
        settings.ASSOCIATION_PROVISIONING = strategy
        settings.TENANT_CREATION_FAKES_MIGRATIONS = strategy == "clone"
        parts.clear()
        started = time.perf_counter()
        provisioning.association_provision(
            slug=slug,
            name_ar="جمعية القياس",
            name_en="Benchmark association",
            admin_email=f"admin@{slug}.example",
            admin_password=PASSWORD,
        )
        return dict(parts, total=time.perf_counter() - started)

    print(f"machine: {_common.machine()}")
    print(f"runs: {runs} per strategy and level, strategies in rotating order\n")

    results = {}
    for level in levels:
        started = time.perf_counter()
        if level >= _common.THOUSAND:
            connections.close_all()
            _common.database_copy(url, template=_common.THOUSAND_DATABASE)
            services._base_schema_current = False  # another database: check its base again
        _common.associations_populate(level, say=lambda _line: None)
        present = _common.associations_present()
        print(
            f"N={level}: {present} associations present (made in "
            f"{time.perf_counter() - started:.0f} s)"
        )
        # Warm-up, not recorded: the first clone checks the base schema's migrations (once per
        # process), the first migrate loads the migration graph, all compile and cache plans.
        warmups = [f"warmup-{strategy}" for strategy in STRATEGIES]
        for strategy, slug in zip(STRATEGIES, warmups, strict=True):
            provision(strategy, slug)
        _common.associations_remove(warmups)
        samples: dict[str, list[dict[str, float]]] = {strategy: [] for strategy in STRATEGIES}
        slugs = []
        for index in range(runs):
            shift = index % len(STRATEGIES)
            for strategy in STRATEGIES[shift:] + STRATEGIES[:shift]:
                slug = f"{strategy}-{level}-{index:02d}"
                slugs.append(slug)
                samples[strategy].append(provision(strategy, slug))
        _common.associations_remove(slugs)
        results[level] = (present, samples)
        line = ", ".join(
            f"{strategy} p50 {_common.median([s['total'] for s in samples[strategy]]):.3f} s"
            for strategy in STRATEGIES
        )
        print(f"  {line}")

    report(results, runs)
    return 0


def report(results: dict, runs: int) -> None:
    def stat(samples: list[dict[str, float]], key: str, q: float) -> float:
        return _common.percentile([sample.get(key, 0.0) for sample in samples], q)

    print("\nOne provisioning (association_provision, whole), seconds:")
    print(
        f"{'N present':>10} {'strategy':>9} {'p50':>7} {'p95':>7} {'schema p50':>11} "
        f"{'schema p95':>11} {'hash p50':>9} {'hash share':>10} {'vs migrate p50':>15} "
        f"{'vs migrate p95':>15} {'vs N=0 p50':>11}"
    )
    first = next(iter(results))
    for present, samples in results.values():
        migrate = samples["migrate"]
        for strategy in STRATEGIES:
            mine = samples[strategy]
            at_zero = results[first][1][strategy]
            print(
                f"{present:>10} {strategy:>9} {stat(mine, 'total', 50):7.3f} "
                f"{stat(mine, 'total', 95):7.3f} {stat(mine, 'schema', 50):11.3f} "
                f"{stat(mine, 'schema', 95):11.3f} {stat(mine, 'hash', 50):9.3f} "
                f"{stat(mine, 'hash', 50) / stat(mine, 'total', 50):10.0%} "
                f"{stat(mine, 'total', 50) / stat(migrate, 'total', 50):14.2f}x "
                f"{stat(mine, 'total', 95) / stat(migrate, 'total', 95):14.2f}x "
                f"{stat(mine, 'total', 50) / stat(at_zero, 'total', 50):10.2f}x"
            )
    print("\nSchema step only (association_schema_create), ratio to migrate's at the same N:")
    print(
        f"{'N present':>10} {'clone p50':>10} {'clone p95':>10} {'snapshot p50':>13} "
        f"{'snapshot p95':>13}   {'clone: clone_schema() re-created, p50':<37}"
    )
    for present, samples in results.values():
        clone, migrate, snapshot = samples["clone"], samples["migrate"], samples["snapshot"]
        print(
            f"{present:>10} "
            f"{stat(clone, 'schema', 50) / stat(migrate, 'schema', 50):9.2f}x "
            f"{stat(clone, 'schema', 95) / stat(migrate, 'schema', 95):9.2f}x "
            f"{stat(snapshot, 'schema', 50) / stat(migrate, 'schema', 50):12.2f}x "
            f"{stat(snapshot, 'schema', 95) / stat(migrate, 'schema', 95):12.2f}x   "
            f"{stat(clone, 'clone_function', 50):.3f} s"
        )
    print(f"\n({runs} provisionings per strategy and level; p95 of {runs} is near the maximum.)")


if __name__ == "__main__":
    sys.exit(main())
