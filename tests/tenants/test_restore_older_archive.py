"""A restore from an archive made before the latest migration: the association's schema is put
back two migrations of workflow (the archive of an older release), exported, and restored on the
live stack; the restored schema is migrated forward and keeps every row."""

from __future__ import annotations

import json

from psycopg import sql

from tests.helpers import BENEFICIARY, PASSWORD, POLICY
from tests.live import live_stack  # noqa: F401 - the session's live stack
from tests.tenants.roundtrip import OPERATOR, PDF, SEED, local_dir, shell, snapshot

OLDER, COPY = "rt-older", "rt-older-copy"
# The release before the beneficiary's language: its beneficiaries have no language yet. (An
# older point cannot stand in: this release's export reads the case counters of 0007.)
BACK_TO, LATEST = "0008_policy_notices", "0009_beneficiary_language"
ADDED = {"language"}


def _applied(stack, schema: str) -> set[tuple[str, str]]:
    return set(
        stack.sql(
            sql.SQL("SELECT app, name FROM {}.django_migrations").format(sql.Identifier(schema))
        )
    )


def _columns(stack, schema: str) -> set[str]:
    return {
        name
        for (name,) in stack.sql(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = 'workflow_beneficiary'",
            [schema],
        )
    }


def test_an_archive_from_before_the_latest_migration_is_migrated_forward_on_restore(
    live_stack,  # noqa: F811 - the fixture imported above
):
    seed = SEED.format(
        password=PASSWORD,
        pdf=PDF,
        policy=POLICY,
        person=BENEFICIARY,
        associations=[(OLDER, "جمعية العهد", "Al-Ahd Society")],
    )
    seeded = json.loads(shell(live_stack, seed))[OLDER]
    schema = "a_rt_older"
    current = _applied(live_stack, schema)
    assert ("workflow", LATEST) in current

    rolled_back = live_stack.manage(
        "migrate_schemas", "--schema", schema, "workflow", BACK_TO, "--noinput"
    )
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert ("workflow", LATEST) not in _applied(live_stack, schema)
    assert not ADDED & _columns(live_stack, schema)
    before = snapshot(live_stack, schema)
    assert before["cases"] and before["beneficiaries"] and before["documents"]

    built = shell(
        live_stack,
        "from console.archive import association_export_build as build; "
        "from tenants.models import Association, AssociationExport\n"
        f"association = Association.objects.get(slug={OLDER!r})\n"
        "export = AssociationExport.objects.create(association=association,"
        " association_slug=association.slug, schema_name=association.schema_name,"
        f" requested_by={OPERATOR!r})\n"
        "export = build(export_id=export.pk)\n"
        "print(export.status, export.file, export.error)",
    )
    status, file, *error = built.split(" ")
    assert status == "done", error
    archive = local_dir(live_stack) / "exports" / file
    restored = live_stack.manage(
        "restore_association", "--archive", str(archive), "--slug", COPY,
        "--actor-email", OPERATOR,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert live_stack.url("/", slug=COPY) in restored.stdout

    copy = "a_rt_older_copy"
    # Migrated forward to where the release is: every migration a new association has.
    assert _applied(live_stack, copy) == current
    assert ADDED <= _columns(live_stack, copy)
    # Every row as it was; the old beneficiaries get the new fields' defaults.
    assert snapshot(live_stack, copy) == before
    assert live_stack.sql(
        sql.SQL("SELECT DISTINCT language FROM {}.workflow_beneficiary").format(
            sql.Identifier(copy)
        )
    ) == [("ar",)]

    # The restored association works: a member signs in and opens the case, whose page reads
    # the fields the older archive did not have.
    member = live_stack.http(COPY)
    member.sign_in(f"staff@{OLDER}.example", PASSWORD)
    page = member.get(f"/app/cases/{seeded['case']}/")
    assert page.status_code == 200 and f"ترميم منزل {OLDER}" in page.text
    download = member.get(f"/app/cases/{seeded['case']}/documents/{seeded['document']}/")
    assert download.status_code == 200 and download.content == PDF
