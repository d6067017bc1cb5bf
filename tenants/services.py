"""Associations' schemas and rows: names, the base schema, the profile and bank accounts.

The provisioning of a whole association (rows, schema, first admin, plan, policy draft) is
workspace.provisioning, above the apps it brings together."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_context, schema_exists

from common.pg_tools import transaction_lock
from tenants.models import PROFILE_FIELDS, Association, BankAccount, Domain, validate_slug
from tenants.schema_snapshot import (
    schema_create_from_snapshot,
    snapshot_available,
    snapshot_ready,
)
from tenants.selectors import association_cache_clear

logger = logging.getLogger(__name__)


def schema_name_for(slug: str) -> str:
    # Slugs have no underscores, so the mapping is one to one; the prefix keeps every schema
    # name clear of "public" and "pg_".
    return "a_" + slug.replace("-", "_")


def association_slug_check(*, slug: str) -> str:
    slug = (slug or "").strip().lower()
    try:
        validate_slug(slug)
    except ValidationError as error:
        raise ValidationError({"slug": error.messages}) from error
    taken = (
        Association.objects.filter(slug=slug).exists()
        or Domain.objects.filter(domain__iexact=f"{slug}.{settings.PLATFORM_DOMAIN}").exists()
        or schema_exists(schema_name_for(slug))
    )
    if taken:
        raise ValidationError({"slug": _("This address is already taken.")})
    return slug


def provisioning_strategy() -> str:
    """ASSOCIATION_PROVISIONING, with "snapshot" falling back to "migrate" when it cannot work."""
    strategy = settings.ASSOCIATION_PROVISIONING
    if strategy == "snapshot" and not snapshot_available():
        logger.warning("pg_dump not found: associations are provisioned by migrations")
        return "migrate"
    if strategy == "snapshot" and connection.in_atomic_block and not snapshot_ready():
        # pg_dump, on its own connection, cannot see a base schema this transaction migrates,
        # and would wait for its locks: the first provisioning inside a caller's transaction
        # migrates instead.
        return "migrate"
    return strategy


def association_schema_create(*, association: Association, strategy: str) -> None:
    """Make the association's schema from the migrated base (its SQL replayed, or cloned), or
    by running the migrations."""
    if strategy == "snapshot":
        schema_create_from_snapshot(schema_name=association.schema_name)
    elif strategy == "clone":
        CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, association.schema_name, "DATA")
    else:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{association.schema_name}"')
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=association.schema_name,
            interactive=False,
            verbosity=0,
        )
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' backend


_base_schema_current = False


def base_schema_ensure() -> None:
    """Bring the base schema that clones are made from up to date with the migrations.

    A stale base would silently give new associations missing columns. Migrations only change
    with a deployment, which starts new processes, so each process checks once, in its own
    transaction, taking turns with other processes (two migrations at once would collide).
    """
    global _base_schema_current
    if _base_schema_current:
        return
    base = settings.TENANT_BASE_SCHEMA
    with transaction.atomic():
        transaction_lock("mustafid.base_schema")
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{base}"')
        call_command(
            "migrate_schemas", tenant=True, schema_name=base, interactive=False, verbosity=0
        )
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' backend
    _base_schema_current = True


def association_profile_update(*, association: Association, data: dict) -> Association:
    """Save the profile fields an admin may edit; the slug, schema and status are not among them."""
    editable = {*PROFILE_FIELDS, "social_handles", "logo"}
    changed = [field for field in data if field in editable]
    for field in changed:
        setattr(association, field, data[field])
    association.full_clean(exclude=["schema_name"])
    # The row lives in public; a file saved here still goes to the association's own folder.
    with schema_context("public"):
        association.save(update_fields=changed)
    association_cache_clear()
    return association


def bank_accounts_replace(*, association: Association, accounts: list[dict]) -> list[BankAccount]:
    """Replace the association's bank accounts with `accounts`, each IBAN checked first."""
    prepared = []
    for index, item in enumerate(accounts):
        account = BankAccount(association=association, **item)
        try:
            account.clean()
            account.full_clean(exclude=["association"])
        except ValidationError as error:
            raise ValidationError({f"bank_accounts[{index}]": error.messages}) from error
        prepared.append(account)
    with transaction.atomic():
        association.bank_accounts.all().delete()
        return BankAccount.objects.bulk_create(prepared)


# The social networks an association may list, each by its handle.
SOCIAL_NETWORKS = ("x", "instagram", "snapchat")


def social_handles_clean(handles: dict[str, str]) -> dict[str, str]:
    """Handles as people type them ("@name", spaces) to what is kept: the bare name, per known
    network; an empty one is left out."""
    return {
        name: handles[name].strip().lstrip("@")
        for name in SOCIAL_NETWORKS
        if (handles.get(name) or "").strip()
    }


def association_settings_save(
    *,
    association: Association,
    profile: dict,
    social_handles: dict[str, str],
    bank_accounts: list[dict],
) -> Association:
    """Save the settings page: the profile, its social handles and the bank accounts, all or
    nothing (a refused IBAN leaves the profile as it was)."""
    data = {**profile, "social_handles": social_handles_clean(social_handles)}
    with transaction.atomic():
        bank_accounts_replace(association=association, accounts=bank_accounts)
        return association_profile_update(association=association, data=data)
