"""Associations' schemas and rows: names, the base schema, the profile and bank accounts.

The provisioning of a whole association (rows, schema, first admin, plan, policy draft) is
workspace.provisioning, above the apps it brings together."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_context, schema_exists

from common.pg_tools import transaction_lock
from common.text import text_problem
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


# The letterhead's plain texts: checked for length and markup before the model sees them.
TEXT_FIELDS = (
    "name_ar",
    "name_en",
    "license_label_ar",
    "license_label_en",
    "license_number",
    "supervising_authority",
    "address",
    "postal_code",
    "phone",
    "email",
    "website",
)
FLAG_FIELDS = ("basmala", "reference_header")
LETTERHEAD_FIELDS = {*PROFILE_FIELDS, "social_handles", "bank_accounts", "logo"}
# The social networks an association may list, each by its handle.
SOCIAL_NETWORKS = ("x", "instagram", "snapchat", "tiktok", "youtube", "linkedin")
NETWORK_LABELS = {
    "x": "X",
    "instagram": "Instagram",
    "snapchat": "Snapchat",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "linkedin": "LinkedIn",
}
SINGLE_OF_LIST = (("phone", "phones"), ("email", "emails"))
HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,60}$")


def _social_handles(value) -> dict[str, str]:
    """Handles as people type them ("@name", spaces) to what is kept: the bare name, per known
    network; an empty one is left out."""
    if not isinstance(value, dict):
        raise ValidationError({"social_handles": _("Give {network: handle}.")})
    problems = []
    handles = {}
    for network, handle in value.items():
        if network not in SOCIAL_NETWORKS:
            problems.append(
                _("Unknown network “%(name)s”: use one of %(known)s.")
                % {"name": str(network)[:30], "known": ", ".join(SOCIAL_NETWORKS)}
            )
            continue
        if handle is None:
            continue
        if not isinstance(handle, str):
            problems.append(_("Enter text."))
            continue
        bare = handle.strip().lstrip("@")
        if not bare:
            continue
        if not HANDLE_PATTERN.match(bare):
            problems.append(
                _("The %(name)s handle is Latin letters, digits, _ . or - (at most 60).")
                % {"name": network}
            )
            continue
        handles[network] = bare
    if problems:
        raise ValidationError({"social_handles": problems})
    return {network: handles[network] for network in SOCIAL_NETWORKS if network in handles}


def _bank_accounts(value) -> list[BankAccount]:
    """The accounts as given, each IBAN checked and the bank named from its code when not given."""
    if not isinstance(value, list):
        raise ValidationError({"bank_accounts": _("Give a list of {bank_name, iban}.")})
    errors: dict[str, list[str]] = {}
    prepared = []
    for index, item in enumerate(value):
        key = f"bank_accounts[{index}]"
        if not isinstance(item, dict) or set(item) - {"bank_name", "iban", "holder_name"}:
            errors[key] = [_("Give {bank_name, iban, holder_name}.")]
            continue
        problems = [
            problem
            for field, limit in (("bank_name", 100), ("holder_name", 200), ("iban", 40))
            if (problem := text_problem(item.get(field), limit=limit, plain=True))
        ]
        if problems:
            errors[key] = problems
            continue
        account = BankAccount(**{field: (item.get(field) or "").strip() for field in item})
        try:
            account.clean()
            account.full_clean(exclude=["association"], validate_unique=False)
        except ValidationError as error:
            errors[key] = error.messages
            continue
        prepared.append(account)
    ibans = [account.iban for account in prepared]
    if len(set(ibans)) != len(ibans):
        errors["bank_accounts"] = [_("The same IBAN is listed twice.")]
    if errors:
        raise ValidationError(errors)
    return prepared


def association_profile_update(*, association: Association, data: dict) -> Association:
    """Change the letterhead (the settings page, the API, the demo): every field checked, a
    message per field, and nothing saved on any error. The slug, schema and status are not
    editable. The fresh row is returned (the cached one is left as it was)."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - LETTERHEAD_FIELDS)
    for field in unknown:
        errors[field] = [_("This field cannot be changed here.")]
    fresh = Association.objects.get(pk=association.pk)
    changes = {field: data[field] for field in data if field in LETTERHEAD_FIELDS}
    for field in TEXT_FIELDS:
        if field in changes:
            # A phone is typed with spaces and a prefix before it is stored in E.164.
            limit = 30 if field == "phone" else Association._meta.get_field(field).max_length
            if problem := text_problem(changes[field], limit=limit, plain=True):
                errors[field] = [problem]
            else:
                changes[field] = (changes[field] or "").strip()
    for field in FLAG_FIELDS:
        if field in changes and not isinstance(changes[field], bool):
            errors[field] = [_("Give true or false.")]
    for field, clean in (("social_handles", _social_handles), ("bank_accounts", _bank_accounts)):
        if field in changes:
            try:
                changes[field] = clean(changes[field])
            except ValidationError as error:
                errors.update(error.message_dict)
    for field in ("phones", "emails"):
        if field in changes and not errors.get(field):
            problem = None
            items = changes[field]
            if not isinstance(items, list):
                problem = _("Give a list of texts.")
            else:
                problem = next(
                    (p for item in items if (p := text_problem(item, limit=254, plain=True))), None
                )
            if problem:
                errors[field] = [problem]
    # The single `phone`/`email` of v1 clients is the first of the list; the list wins if both.
    for single, many in SINGLE_OF_LIST:
        if many in changes and not errors.get(many):
            changes[single] = next((item for item in changes[many] if item.strip()), "")
        elif single in changes and not errors.get(single):
            rest = list(getattr(fresh, many) or [])[1:]
            changes[many] = [changes[single], *rest] if changes[single] else rest
    accounts = changes.pop("bank_accounts", None)
    for field, value in changes.items():
        if field not in errors:
            setattr(fresh, field, value)
    # clean() first: it brings typed digits and phones to the stored form the fields check.
    try:
        fresh.clean()
    except ValidationError as error:
        errors.update({f: m for f, m in error.message_dict.items() if f not in errors})
    skip = {*errors, *(single for single, many in SINGLE_OF_LIST if many in errors)}
    try:
        fresh.clean_fields(exclude=["schema_name", *skip])
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    fields = list(dict.fromkeys([*changes, "phone", "phones", "email", "emails"]))
    with transaction.atomic():
        # The row lives in public; a file saved here still goes to the association's own folder.
        with schema_context("public"):
            fresh.save(update_fields=fields)
        if accounts is not None:
            fresh.bank_accounts.all().delete()
            for account in accounts:
                account.association = fresh
            BankAccount.objects.bulk_create(accounts)
    association_cache_clear()
    return fresh


def bank_accounts_replace(*, association: Association, accounts: list[dict]) -> list[BankAccount]:
    """Replace the association's bank accounts with `accounts`, each IBAN checked first."""
    association_profile_update(association=association, data={"bank_accounts": accounts})
    return list(association.bank_accounts.all())
