"""Provisioning an association: its rows, its schema, its domain, its plan, its policy draft
and its first admin, all or nothing. Above the apps it brings together; the schema work
itself is tenants.services."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import user_create, user_email_validate, user_password_validate
from accounts.tasks import member_welcome_send_task
from billing.services import subscription_start_trial
from common.pg_tools import transaction_lock
from publishing.services import policy_draft_create
from tenants.models import Association, Domain
from tenants.schema_snapshot import snapshot_sql
from tenants.selectors import association_cache_clear
from tenants.services import (
    association_schema_create,
    association_slug_check,
    base_schema_ensure,
    provisioning_strategy,
    schema_name_for,
)
from tenants.tasking import enqueue_on_commit

logger = logging.getLogger(__name__)


def association_provision_check(
    *, slug: str, name_ar: str, name_en: str, admin_email: str, admin_password: str
) -> None:
    """Every problem with a sign-up, each under its field, before anything is created."""
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: association_slug_check(slug=slug),
        lambda: user_email_validate(email=admin_email),
        lambda: user_password_validate(password=admin_password, email=admin_email),
    ):
        try:
            check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if not (name_ar or "").strip():
        errors["name_ar"] = [_("Enter the association's name in Arabic.")]
    if not (name_en or "").strip():
        errors["name_en"] = [_("Enter the association's name in English.")]
    if errors:
        raise ValidationError(errors)


def association_provision(
    *,
    slug: str,
    name_ar: str,
    name_en: str,
    admin_email: str,
    admin_password: str,
    admin_name: str = "",
    status: str = Association.Status.TRIAL,
) -> tuple[Association, User]:
    """Create an association, its schema, its domain and its first admin, all or nothing.

    PostgreSQL's DDL is transactional: a failure at any step rolls the schema back with the rows.
    """
    with schema_context("public"):
        association_provision_check(
            slug=slug,
            name_ar=name_ar,
            name_en=name_en,
            admin_email=admin_email,
            admin_password=admin_password,
        )
        slug = slug.strip().lower()
        strategy = provisioning_strategy()
        if strategy in ("clone", "snapshot"):
            base_schema_ensure()
        if strategy == "snapshot":
            snapshot_sql()  # made outside the transaction: pg_dump reads the committed base
        with transaction.atomic():
            # Two sign-ups of one address at once: the second waits here for the first, then
            # is told the address is taken (not a database error).
            transaction_lock(f"mustafid.slug:{slug}")
            association_slug_check(slug=slug)
            association = Association(
                schema_name=schema_name_for(slug),
                slug=slug,
                name_ar=name_ar.strip(),
                name_en=name_en.strip(),
                email=admin_email.strip().lower(),
                status=status,
            )
            association.full_clean(exclude=["schema_name"])
            association.save()
            Domain.objects.create(
                domain=association.primary_host, tenant=association, is_primary=True
            )
            subscription_start_trial(association=association)
            association_schema_create(association=association, strategy=strategy)
            with schema_context(association.schema_name):
                policy_draft_create()
                admin = user_create(
                    email=admin_email,
                    password=admin_password,
                    role=User.Role.ADMIN,
                    full_name=admin_name,
                )
            enqueue_on_commit(
                member_welcome_send_task, schema_name=association.schema_name, user_id=admin.pk
            )
    association_cache_clear()
    logger.info("association %s provisioned", association.slug)
    return association, admin
