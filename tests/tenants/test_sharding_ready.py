"""Ready for Citus schema-based sharding (infra/README.md, Scale-out): each association's schema
can be placed whole on one node because nothing in it points outside it, and no query mixes
schemas except the few readers listed here, each of which reads one schema per sub-select."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
SKIPPED = {".venv", "tests", "bench", "migrations", "node_modules", ".local"}
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|JOIN|COPY)\b")
# A table named with its schema: a formatted name ({…}.table, {schema}.table for
# common.cross_schema) or a literal one.
QUALIFIED = re.compile(r'(\{\w*\}|\b(public|association_base|a_[a-z0-9_]+)\b)"?\.[a-z_]+')

# Where the code names a schema in SQL on purpose, and why each stays within Citus' rules.
READERS = {
    "console.selectors.policy_states": "the console's overview: a UNION ALL of sub-selects, "
    "each reading one association's policy tables, never a join between two schemas",
    "console.selectors.transparency_facts": "the console's transparency distribution: a UNION "
    "ALL of sub-selects, each reading one association's policy, bylaws, case, survey and "
    "published statistics and report tables",
    "console.selectors.usage_counts": "the console's list: a UNION ALL of sub-selects, each "
    "counting one association's active members and summing its case counters",
    "tenants.rollout._fingerprints": "the roll-out: a UNION ALL of one sub-select per schema "
    "over its django_migrations",
    "tenants.rollout._applied": "the roll-out: one schema's django_migrations",
    "tenants.schema_snapshot._base_migrations_key": "the base schema's django_migrations",
    "tenants.selectors._status_read": "public's association row (a reference table under Citus)",
}


def test_no_foreign_key_leaves_its_schema(db, alpha):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT rn.nspname, r.relname, c.conname, fn.nspname, f.relname
               FROM pg_constraint c
               JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
               JOIN pg_class f ON f.oid = c.confrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
               WHERE c.contype = 'f' AND rn.oid <> fn.oid"""
        )
        crossing = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.contype = 'f' AND n.nspname = %s",
            [alpha.association.schema_name],
        )
        within_alpha = cursor.fetchone()[0]
    assert crossing == []
    assert within_alpha > 20  # the check reads the constraints that are there


def test_no_association_model_points_at_a_public_one():
    tenant_only = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    shared_only = set(settings.SHARED_APPS) - set(settings.TENANT_APPS)
    crossing = [
        f"{model._meta.label}.{field.name} → {field.related_model._meta.label}"
        for model in apps.get_models()
        if model._meta.app_config.name in tenant_only
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model._meta.app_config.name in shared_only
    ]
    assert crossing == []


def _sql_strings(tree: ast.AST):
    """(function, text) of every string in the module that reads as SQL; formatted values as {}."""

    def text(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(
                part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
        return None

    def walk(node: ast.AST, function: str):
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            found = text(child)
            if found is not None and SQL.search(found):
                yield name, found
            if not isinstance(child, ast.JoinedStr):
                yield from walk(child, name)

    yield from walk(tree, "")


def _tables(app_names: set[str]) -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_config.name in app_names
    }


def test_sql_names_other_schemas_only_in_the_documented_readers():
    tenant_tables = _tables(set(settings.TENANT_APPS) - set(settings.SHARED_APPS))
    public_tables = _tables(set(settings.SHARED_APPS) - set(settings.TENANT_APPS))
    naming, mixing = set(), set()
    sources = [
        path for path in ROOT.rglob("*.py") if not SKIPPED & set(path.relative_to(ROOT).parts)
    ]
    for path in sources:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for function, text in _sql_strings(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{module}.{function}"
            if QUALIFIED.search(text):
                naming.add(where)
            words = set(re.findall(r"\b\w+\b", text))
            if words & tenant_tables and words & public_tables:
                mixing.add(where)
    assert len(sources) > 100  # the scan reads the code
    assert mixing == set(), "SQL joining an association's tables with public ones"
    assert naming == set(READERS), "a schema named in SQL: add the reader to READERS and why"
