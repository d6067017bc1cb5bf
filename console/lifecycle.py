"""An association's life after sign-up, run by operators: suspend, reactivate, queue an
export, delete. The archive itself (building an export, restoring one) is console/archive.py.
"""

from __future__ import annotations

import datetime
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tenants.utils import schema_context

from console.services import operator_action_record
from tenants.models import Association, AssociationExport
from tenants.selectors import association_cache_clear, association_export_fresh
from tenants.tasking import enqueue_on_commit

logger = logging.getLogger(__name__)

# A pending export younger than this is returned instead of queueing a second one.
EXPORT_PENDING_HOURS = 1


def association_caches_clear() -> None:
    # This process forgets at once (and again after the commit, in case a request re-read the
    # old row meanwhile); other processes within ASSOCIATION_CACHE_SECONDS.
    association_cache_clear()
    transaction.on_commit(association_cache_clear)


# --- suspend and reactivate ------------------------------------------------------------------


def association_suspend(
    *, association: Association, actor_email: str, reason: str, ip_address: str | None = None
) -> Association:
    """Close the association's sign-in, workspace, API and public forms; its policy page stays
    up with a notice. Reactivation gives back the status it had."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the association is suspended.")]})
    with schema_context("public"), transaction.atomic():
        row = Association.objects.select_for_update().get(pk=association.pk)
        if row.status == Association.Status.SUSPENDED:
            raise ValidationError(_("This association is already suspended."))
        before = {"status": row.status}
        row.status_before_suspension = row.status
        row.status = Association.Status.SUSPENDED
        row.suspended_reason = reason
        row.suspended_at = timezone.now()
        row.save(
            update_fields=["status", "status_before_suspension", "suspended_reason", "suspended_at"]
        )
        operator_action_record(
            actor_email=actor_email,
            action="association.suspended",
            association_slug=row.slug,
            summary=reason,
            before=before,
            after={"status": row.status, "reason": reason},
            ip_address=ip_address,
        )
        association_caches_clear()
    return row


def association_reactivate(
    *, association: Association, actor_email: str, ip_address: str | None = None
) -> Association:
    """Give a suspended association back the status it had before (trial or active)."""
    with schema_context("public"), transaction.atomic():
        row = Association.objects.select_for_update().get(pk=association.pk)
        if row.status != Association.Status.SUSPENDED:
            raise ValidationError(_("This association is not suspended."))
        before = {"status": row.status, "reason": row.suspended_reason}
        row.status = row.status_before_suspension or Association.Status.ACTIVE
        row.status_before_suspension = ""
        row.suspended_reason = ""
        row.suspended_at = None
        row.save(
            update_fields=["status", "status_before_suspension", "suspended_reason", "suspended_at"]
        )
        operator_action_record(
            actor_email=actor_email,
            action="association.reactivated",
            association_slug=row.slug,
            before=before,
            after={"status": row.status},
            ip_address=ip_address,
        )
        association_caches_clear()
    return row


# --- export ----------------------------------------------------------------------------------


def association_export_start(
    *, association: Association, actor_email: str, ip_address: str | None = None
) -> AssociationExport:
    """Queue an export of the association for the worker; one already pending is returned."""
    # Imported here: console.tasks imports this module for the task's body.
    from console.tasks import association_export_run

    with schema_context("public"), transaction.atomic():
        # Two clicks at once queue one export: the association's row is the lock.
        Association.objects.select_for_update().get(pk=association.pk)
        recent = timezone.now() - datetime.timedelta(hours=EXPORT_PENDING_HOURS)
        pending = AssociationExport.objects.filter(
            association=association,
            status__in=[AssociationExport.Status.QUEUED, AssociationExport.Status.RUNNING],
            created_at__gte=recent,
        ).first()
        if pending is not None:
            return pending
        export = AssociationExport.objects.create(
            association=association,
            association_slug=association.slug,
            schema_name=association.schema_name,
            requested_by=actor_email,
        )
        operator_action_record(
            actor_email=actor_email,
            action="association.export_requested",
            association_slug=association.slug,
            after={"export_id": export.pk},
            ip_address=ip_address,
        )
        enqueue_on_commit(association_export_run, schema_name="public", export_id=export.pk)
    return export


# --- delete ----------------------------------------------------------------------------------


def association_delete(
    *,
    association: Association,
    confirm_slug: str,
    actor_email: str,
    ip_address: str | None = None,
) -> None:
    """Remove the association: its schema, its files and its public rows, logged.

    Only when the operator typed its web address exactly and an export of it finished within
    ASSOCIATION_EXPORT_FRESH_HOURS is on disk; the export is kept.
    """
    if confirm_slug != association.slug:
        raise ValidationError(
            {
                "confirm_slug": [
                    _("Type the association's web address exactly, “%(slug)s”, to confirm.")
                    % {"slug": association.slug}
                ]
            }
        )
    export = association_export_fresh(association)
    if export is None:
        raise ValidationError(
            ngettext(
                "Export the association first: deleting needs an export finished within the "
                "last %(hours)d hour.",
                "Export the association first: deleting needs an export finished within the "
                "last %(hours)d hours.",
                settings.ASSOCIATION_EXPORT_FRESH_HOURS,
            )
            % {"hours": settings.ASSOCIATION_EXPORT_FRESH_HOURS}
        )
    schema_name = association.schema_name
    with schema_context("public"), transaction.atomic():
        # Deferred foreign-key checks of rows written earlier in this transaction would make
        # PostgreSQL refuse to drop their tables.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        row = Association.objects.select_for_update().get(pk=association.pk)
        before = {
            "status": row.status,
            "name_ar": row.name_ar,
            "name_en": row.name_en,
            "schema_name": schema_name,
            "domains": list(row.domains.values_list("domain", flat=True)),
        }
        # Domains, bank accounts and the subscription go with the row; exports stay.
        row.delete(force_drop=True)
        operator_action_record(
            actor_email=actor_email,
            action="association.deleted",
            association_slug=row.slug,
            before=before,
            after={"export_id": export.pk, "export_file": export.file},
            ip_address=ip_address,
        )
        association_caches_clear()
    # The files go once the rows are gone for good; a failed transaction leaves them in place.
    shutil.rmtree(Path(settings.MEDIA_ROOT) / schema_name, ignore_errors=True)
    logger.info("association %s deleted (export %s kept)", association.slug, export.pk)
