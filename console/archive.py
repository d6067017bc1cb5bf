"""An association's archive: building an export and restoring one as a new association.

An export is one `.tar.gz`: `manifest.json`, `schema.sql` (pg_dump of the association's schema),
`public.json` (its rows in the public schema: profile, domains, bank accounts, subscription) and
`files/` (its folder under MEDIA_ROOT). A restore brings it back under a new web address.
"""

from __future__ import annotations

import datetime
import gzip
import importlib.metadata
import io
import json
import logging
import re
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from billing.models import Plan, Subscription
from console.lifecycle import association_caches_clear
from console.selectors import association_usage
from console.services import operator_action_record
from governance.whistleblowing import EXPORT_EXCLUDED_TABLES
from publishing.models import PolicyVersion
from tenants.models import Association, AssociationExport, BankAccount, Domain
from tenants.schema_sql import SchemaSqlUnreadable, schema_dump, schema_load
from tenants.services import association_slug_check, schema_name_for

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "mustafid-association-export"
EXPORT_FORMAT_VERSION = 1
SCHEMA_NAME = re.compile(r"^a_[a-z0-9_]{1,61}$")


class ExportFailed(Exception):
    """An export cannot be made; the message says why, for the operator."""


def _export_step(export: AssociationExport, step: str, progress: int) -> None:
    # Saved at once (the worker runs in autocommit): the console polls these.
    export.progress_save(step=step, progress=progress)


def association_export_build(*, export_id: int) -> AssociationExport:
    """Write the export's archive under EXPORTS_ROOT, reporting progress; a finished export is
    left as it is, a failed one records its error."""
    export = AssociationExport.objects.get(pk=export_id)
    if export.status == AssociationExport.Status.DONE:
        return export
    export.status = AssociationExport.Status.RUNNING
    export.error = ""
    export.save(update_fields=["status", "error"])
    root = Path(settings.EXPORTS_ROOT)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    target = root / f"{export.association_slug}-{stamp}-{export.pk}.tar.gz"
    part = target.with_name(target.name + ".part")
    try:
        association = export.association
        if association is None:
            raise ExportFailed(_("The association was deleted before its export ran."))
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryDirectory(dir=root) as scratch:
            _export_step(export, AssociationExport.Step.DATABASE, 5)
            dump = Path(scratch) / "schema.sql"
            # A whistleblowing report's words and its reporter stay with the association's
            # officers: the export keeps the reports' references, dates and status only.
            schema_dump(
                schema_name=association.schema_name,
                target=dump,
                without_rows_of=EXPORT_EXCLUDED_TABLES,
            )
            _export_step(export, AssociationExport.Step.RECORDS, 40)
            records = association_public_rows(association)
            files = sorted(
                path
                for path in (Path(settings.MEDIA_ROOT) / association.schema_name).rglob("*")
                if path.is_file()
            )
            manifest = _manifest(association, files)
            _export_step(export, AssociationExport.Step.FILES, 50)
            with tarfile.open(part, "w:gz") as archive:
                _tar_add_bytes(archive, "manifest.json", _json(manifest))
                _tar_add_bytes(archive, "public.json", _json(records))
                archive.add(dump, arcname="schema.sql")
                folder = Path(settings.MEDIA_ROOT) / association.schema_name
                for index, path in enumerate(files, start=1):
                    archive.add(path, arcname=f"files/{path.relative_to(folder).as_posix()}")
                    progress = 50 + (45 * index) // len(files)
                    if progress - export.progress >= 5:
                        _export_step(export, AssociationExport.Step.FILES, progress)
        part.rename(target)
    except Exception as error:
        part.unlink(missing_ok=True)
        logger.exception("export %s of %s failed", export.pk, export.association_slug)
        export.status = AssociationExport.Status.FAILED
        export.step = AssociationExport.Step.FAILED
        export.error = str(error)[:2000] or error.__class__.__name__
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "step", "error", "finished_at"])
        return export
    export.status = AssociationExport.Status.DONE
    export.step = AssociationExport.Step.DONE
    export.progress = 100
    export.file = target.name
    export.size = target.stat().st_size
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "step", "progress", "file", "size", "finished_at"])
    logger.info(
        "export %s of %s written (%d bytes)", export.pk, export.association_slug, export.size
    )
    return export


def _row(instance: models.Model, *, skip: Iterable[str] = ("id",)) -> dict[str, Any]:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.attname in skip:
            continue
        value = getattr(instance, field.attname)
        values[field.attname] = value.name if isinstance(value, FieldFile) else value
    return values


def association_public_rows(association: Association) -> dict[str, Any]:
    """The association's rows in the public schema, as plain values."""
    subscription = Subscription.objects.filter(association=association).select_related("plan")
    return {
        "association": _row(association),
        "domains": [_row(domain, skip=("id", "tenant_id")) for domain in association.domains.all()],
        "bank_accounts": [
            _row(account, skip=("id", "association_id"))
            for account in association.bank_accounts.all()
        ],
        "subscription": next(
            (
                _row(item, skip=("id", "association_id", "plan_id")) | {"plan": item.plan.code}
                for item in subscription
            ),
            None,
        ),
    }


def _manifest(association: Association, files: list[Path]) -> dict[str, Any]:
    usage = association_usage(association)
    with schema_context(association.schema_name):
        policy_versions = PolicyVersion.objects.count()
    try:
        version = importlib.metadata.version("mustafid")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "slug": association.slug,
        "schema_name": association.schema_name,
        "name_ar": association.name_ar,
        "name_en": association.name_en,
        "created_at": timezone.now().isoformat(),
        "mustafid_version": version,
        "postgresql_server": connection.pg_version,
        "counts": {
            "members": usage.members,
            "cases": usage.total_cases,
            "open_cases": usage.open_cases,
            "policy_versions": policy_versions,
            "files": len(files),
            "file_bytes": usage.storage_bytes,
        },
    }


class _ExactEncoder(DjangoJSONEncoder):
    # Django's encoder cuts times to milliseconds; a restore gives back the very values.
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _json(value: Any) -> bytes:
    return json.dumps(value, cls=_ExactEncoder, ensure_ascii=False, indent=2).encode()


def _tar_add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


# --- restore ---------------------------------------------------------------------------------

UNREADABLE = (gzip.BadGzipFile, tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError)


def _archive_error() -> ValidationError:
    return ValidationError(
        {"archive": [_("This file is not a readable Mustafid association export.")]}
    )


def _archive_open(archive: Path) -> tuple[tarfile.TarFile, dict[str, Any], dict[str, Any]]:
    """The open archive, its manifest and its public rows, checked before anything is made."""
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 - closed by the caller
    except (OSError, tarfile.TarError, EOFError, zlib.error) as error:
        raise _archive_error() from error
    try:
        manifest, records = _archive_contents(tar)
    except BaseException:
        tar.close()
        raise
    return tar, manifest, records


def _archive_contents(tar: tarfile.TarFile) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        if not {"manifest.json", "public.json", "schema.sql"} <= set(tar.getnames()):
            raise _archive_error()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        records = json.loads(tar.extractfile("public.json").read())
    except (OSError, tarfile.TarError, EOFError, zlib.error, ValueError, AttributeError) as error:
        raise _archive_error() from error
    if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
        raise _archive_error()
    if manifest.get("format_version") != EXPORT_FORMAT_VERSION:
        raise ValidationError(
            {
                "archive": [
                    _("This export has format version %(found)s; this Mustafid reads %(known)s.")
                    % {"found": manifest.get("format_version"), "known": EXPORT_FORMAT_VERSION}
                ]
            }
        )
    if not SCHEMA_NAME.match(str(manifest.get("schema_name", ""))) or not (
        isinstance(records, dict) and isinstance(records.get("association"), dict)
    ):
        raise _archive_error()
    return manifest, records


def association_restore(
    *,
    archive: Path,
    slug: str,
    name_ar: str | None = None,
    name_en: str | None = None,
    actor_email: str = "",
) -> Association:
    """Bring an export back as a new association at `slug`, with its members, policy, cases and
    files; all or nothing (a failure leaves no row, schema or folder behind)."""
    tar, manifest, records = _archive_open(Path(archive))
    with tar, schema_context("public"):
        slug = association_slug_check(slug=slug)
        schema_name = schema_name_for(slug)
        folder = Path(settings.MEDIA_ROOT) / schema_name
        if folder.exists():
            raise ValidationError({"slug": [_("This address is already taken.")]})
        try:
            with transaction.atomic():
                association = _public_rows_restore(
                    records, slug=slug, schema_name=schema_name, name_ar=name_ar, name_en=name_en
                )
                dump = io.TextIOWrapper(tar.extractfile("schema.sql"), encoding="utf-8", newline="")
                try:
                    schema_load(dump, old=manifest["schema_name"], new=schema_name)
                except SchemaSqlUnreadable as error:
                    raise _archive_error() from error
                connection.set_schema_to_public()
                # An export from an older release gets the migrations it had not seen yet.
                call_command(
                    "migrate_schemas",
                    tenant=True,
                    schema_name=schema_name,
                    interactive=False,
                    verbosity=0,
                )
                connection.set_schema_to_public()
                files = _files_restore(tar, folder)
                operator_action_record(
                    actor_email=actor_email,
                    action="association.restored",
                    association_slug=slug,
                    summary=f"{Path(archive).name} ({manifest.get('slug', '')})",
                    before={"slug": manifest.get("slug"), "schema_name": manifest["schema_name"]},
                    after={"slug": slug, "schema_name": schema_name, "files": files},
                )
        except BaseException as error:
            shutil.rmtree(folder, ignore_errors=True)
            connection.set_schema_to_public()
            if isinstance(error, UNREADABLE):  # found broken only while reading it
                raise _archive_error() from error
            raise
    association_caches_clear()
    logger.info("association %s restored from %s as %s", manifest.get("slug"), archive, slug)
    return association


def _values(model: type[models.Model], row: dict[str, Any], *, skip: set[str]) -> dict[str, Any]:
    # Fields the archive has and this release knows; JSON values are taken as they are.
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname in skip or field.attname not in row:
            continue
        value = row[field.attname]
        values[field.attname] = (
            value
            if isinstance(field, models.JSONField) or value is None
            else field.to_python(value)
        )
    return values


def _public_rows_restore(
    records: dict[str, Any],
    *,
    slug: str,
    schema_name: str,
    name_ar: str | None,
    name_en: str | None,
) -> Association:
    old = records["association"]
    association = Association(
        **_values(Association, old, skip={"id", "slug", "schema_name", "created_at"}),
        slug=slug,
        schema_name=schema_name,
    )
    if name_ar:
        association.name_ar = name_ar.strip()
    if name_en:
        association.name_en = name_en.strip()
    if association.logo and old.get("schema_name"):
        association.logo.name = re.sub(
            rf"^{re.escape(old['schema_name'])}/", f"{schema_name}/", association.logo.name
        )
    association.full_clean(exclude=["schema_name"])
    association.save()
    # Only the platform address: custom domains still point at the association that was.
    Domain.objects.create(domain=association.primary_host, tenant=association, is_primary=True)
    BankAccount.objects.bulk_create(
        BankAccount(association=association, **_values(BankAccount, row, skip={"id"}))
        for row in records.get("bank_accounts") or []
    )
    subscription = records.get("subscription") or {}
    plan = Plan.objects.filter(code=subscription.get("plan")).first() if subscription else None
    if plan is not None:
        values = _values(Subscription, subscription, skip={"id", "association_id", "plan_id"})
        # One Stripe customer pays for one association: a copy beside the original gets none.
        customer = values.get("stripe_customer_id")
        if customer and Subscription.objects.filter(stripe_customer_id=customer).exists():
            values.update(stripe_customer_id="", stripe_subscription_id="")
        Subscription.objects.create(association=association, plan=plan, **values)
    return association


def _files_restore(tar: tarfile.TarFile, folder: Path) -> int:
    """The archive's files/ into `folder`; only plain files at plain relative paths."""
    count = 0
    for member in tar:
        if not member.name.startswith("files/") or not member.isfile():
            continue
        relative = PurePosixPath(member.name.removeprefix("files/"))
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise _archive_error()
        target = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
        count += 1
    return count
