"""The console's operations: the operators' audit log, creating associations, usage snapshots,
and drafting and releasing the shared template."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from billing.models import Plan, Subscription
from billing.services import subscription_plan_set
from catalog.models import PolicyKind, TemplateSection, TemplateVersion
from catalog.selectors import template_current
from catalog.services import SECTION_FIELDS, template_release
from common.sealing import reseal, seal
from common.text import text_problem
from console.models import AssociationUsageSnapshot, OperatorAction, ProvisioningJob
from console.selectors import association_usage
from tenants.models import Association, SmsSender
from tenants.services import association_slug_check
from tenants.tasking import enqueue_on_commit
from workspace.provisioning import association_provision, association_provision_check

SECTION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$")


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # JSON-safe copies (dates, decimals, UUIDs as text) so the row reads the same forever.
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def operator_action_record(
    *,
    actor_email: str,
    action: str,
    association_slug: str = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> OperatorAction:
    return OperatorAction.objects.create(
        actor_email=actor_email,
        action=action,
        association_slug=association_slug,
        summary=summary[:300],
        before=_plain(before),
        after=_plain(after),
        ip_address=ip_address,
    )


# --- creating associations ------------------------------------------------------------------------


def provisioning_job_create(
    *,
    slug: str,
    name_ar: str,
    name_en: str,
    admin_email: str,
    admin_password: str,
    admin_name: str = "",
    actor_email: str,
    ip_address: str | None = None,
) -> ProvisioningJob:
    """Queue an association's creation; the worker runs it (provisioning_job_run).

    Everything is checked now, so the operator sees a typing mistake at once; the password is
    kept only as its hash.
    """
    association_provision_check(
        slug=slug,
        name_ar=name_ar,
        name_en=name_en,
        admin_email=admin_email,
        admin_password=admin_password,
    )
    # Imported here: console.tasks imports this module for the task's body.
    from console.tasks import association_provision_run

    with transaction.atomic():
        job = ProvisioningJob.objects.create(
            actor_email=actor_email,
            ip_address=ip_address,
            slug=slug.strip().lower(),
            name_ar=name_ar.strip(),
            name_en=name_en.strip(),
            admin_name=admin_name.strip(),
            admin_email=admin_email.strip().lower(),
            admin_password_hash=make_password(admin_password),
        )
        enqueue_on_commit(association_provision_run, schema_name="public", job_id=job.pk)
    return job


def _job_set(job: ProvisioningJob, **fields) -> None:
    # Committed at once (outside the provisioning transaction), so the polling page sees it.
    job.progress_save(**fields)


def provisioning_job_run(*, job_id: int) -> ProvisioningJob | None:
    """Create the association of a queued job, step by step; a finished job is left alone."""
    job = ProvisioningJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (ProvisioningJob.Status.DONE, ProvisioningJob.Status.FAILED):
        return job
    Step = ProvisioningJob.Step
    _job_set(job, status=ProvisioningJob.Status.RUNNING, step=Step.CHECKING, progress=10)
    try:
        association_slug_check(slug=job.slug)  # taken since the job was queued?
        _job_set(job, step=Step.SCHEMA, progress=30)
        # Not inside a transaction of ours: provisioning commits on its own (its base schema
        # must be committed for pg_dump to read). A throwaway password passes its checks; the
        # admin then gets the hash of the one the operator typed (checked when queued).
        association, admin = association_provision(
            slug=job.slug,
            name_ar=job.name_ar,
            name_en=job.name_en,
            admin_email=job.admin_email,
            admin_password=secrets.token_urlsafe(32),
            admin_name=job.admin_name,
        )
        _job_set(job, step=Step.FINISHING, progress=90)
        with schema_context(association.schema_name):
            admin.password = job.admin_password_hash
            admin.save(update_fields=["password"])
        operator_action_record(
            actor_email=job.actor_email,
            action="association.created",
            association_slug=association.slug,
            summary=association.name_en,
            after={
                "slug": association.slug,
                "name_ar": association.name_ar,
                "name_en": association.name_en,
                "admin_email": job.admin_email,
                "status": association.status,
            },
            ip_address=job.ip_address,
        )
    except ValidationError as error:
        _job_set(
            job,
            status=ProvisioningJob.Status.FAILED,
            error=" ".join(error.messages),
            progress=100,
        )
        return job
    except Exception:
        _job_set(
            job,
            status=ProvisioningJob.Status.FAILED,
            error=gettext("The association could not be created; nothing was kept."),
            progress=100,
        )
        raise
    _job_set(job, status=ProvisioningJob.Status.DONE, step=Step.DONE, progress=100)
    return job


# --- usage ----------------------------------------------------------------------------------------


def usage_snapshot_refresh(*, association: Association) -> AssociationUsageSnapshot:
    """Count the association's usage in its schema and keep it beside its public row."""
    usage = association_usage(association)
    snapshot, _created = AssociationUsageSnapshot.objects.update_or_create(
        association=association,
        defaults={
            "members": usage.members,
            "open_cases": usage.open_cases,
            "total_cases": usage.total_cases,
            "storage_bytes": usage.storage_bytes,
            "last_activity_at": usage.last_activity_at,
            "refreshed_at": timezone.now(),
        },
    )
    return snapshot


# --- the shared template --------------------------------------------------------------------------


def _released_refused(version: TemplateVersion) -> None:
    if version.released_at is not None:
        raise ValidationError(gettext("A released version cannot be changed."))


def template_draft_create(*, actor_email: str, ip_address: str | None = None) -> TemplateVersion:
    """The next template version as a draft, copied from the current one.

    There is one draft at a time: if it exists, it is returned as it is.
    """
    with transaction.atomic():
        last = TemplateVersion.objects.select_for_update().latest("number")
        if last.released_at is None:
            return last
        current = template_current()
        draft = TemplateVersion.objects.create(number=last.number + 1)
        TemplateSection.objects.bulk_create(
            TemplateSection(
                version=draft,
                position=section.position,
                **{field: getattr(section, field) for field in SECTION_FIELDS},
            )
            for section in current.sections.all()
        )
        operator_action_record(
            actor_email=actor_email,
            action="template.draft_created",
            summary=f"v{draft.number} from v{current.number}",
            after={"version": draft.number, "from_version": current.number},
            ip_address=ip_address,
        )
    return draft


def template_section_save(
    *,
    draft: TemplateVersion,
    key: str,
    data: dict[str, Any],
    new: bool = False,
    actor_email: str,
    ip_address: str | None = None,
) -> TemplateSection:
    """Write one section of a draft (or add it at the end); both languages must be filled."""
    _released_refused(draft)
    errors = {
        field: [gettext("This text cannot be empty.")]
        for field in ("title_ar", "title_en", "body_ar", "body_en")
        if not (data.get(field) or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    values = {
        field: data[field].strip() for field in ("title_ar", "title_en", "body_ar", "body_en")
    }
    values["optional"] = bool(data.get("optional"))
    with transaction.atomic():
        if new:
            if not SECTION_KEY.match(key or ""):
                raise ValidationError(
                    {"key": [gettext("Use lowercase Latin letters, digits and hyphens.")]}
                )
            if draft.sections.filter(key=key).exists():
                raise ValidationError({"key": [gettext("This version already has this section.")]})
            position = (draft.sections.aggregate(Max("position"))["position__max"] or 0) + 1
            before = None
            section = TemplateSection.objects.create(
                version=draft, key=key, position=position, **values
            )
        else:
            section = draft.sections.select_for_update().get(key=key)
            before = {field: getattr(section, field) for field in values}
            for field, value in values.items():
                setattr(section, field, value)
            section.save(update_fields=list(values))
        operator_action_record(
            actor_email=actor_email,
            action="template.section_added" if new else "template.section_changed",
            summary=f"v{draft.number} {key}",
            before=before,
            after=values | {"version": draft.number, "key": key},
            ip_address=ip_address,
        )
    return section


def template_section_remove(
    *, draft: TemplateVersion, key: str, actor_email: str, ip_address: str | None = None
) -> None:
    _released_refused(draft)
    with transaction.atomic():
        section = draft.sections.filter(key=key).first()
        if section is None:
            raise ValidationError(gettext("This version has no such section."))
        before = {field: getattr(section, field) for field in SECTION_FIELDS}
        section.delete()
        operator_action_record(
            actor_email=actor_email,
            action="template.section_removed",
            summary=f"v{draft.number} {key}",
            before=before | {"version": draft.number},
            ip_address=ip_address,
        )


def template_draft_release(
    *, draft: TemplateVersion, notes: str = "", actor_email: str, ip_address: str | None = None
) -> TemplateVersion:
    """Release a draft through the catalogue's one release service, under the draft's number.

    The draft's rows make way for the released version inside one transaction, so a refused
    release (an empty text, no sections) leaves the draft as it was.
    """
    _released_refused(draft)
    with transaction.atomic():
        draft = TemplateVersion.objects.select_for_update().get(pk=draft.pk)
        _released_refused(draft)
        sections = [
            {field: getattr(section, field) for field in SECTION_FIELDS}
            for section in draft.sections.order_by("position")
        ]
        if not sections:
            raise ValidationError(gettext("A version needs at least one section."))
        before = template_current()
        before_keys = [section.key for section in before.sections.all()]
        draft.delete()
        version = template_release(sections=sections, notes=notes.strip())
        operator_action_record(
            actor_email=actor_email,
            action="template.released",
            summary=f"v{version.number}",
            before={"version": before.number, "sections": before_keys},
            after={"version": version.number, "sections": [s["key"] for s in sections]},
            ip_address=ip_address,
        )
    return version


# --- the other kinds' templates (issue 16) ---------------------------------------------------

OTHER_KINDS = [kind for kind in PolicyKind.values if kind != PolicyKind.BENEFICIARY]
TEMPLATE_TEXTS = {"title_ar": 200, "title_en": 200, "body_ar": 20000, "body_en": 20000}


def _kind_template_changes(
    kind: str, sections: list[dict[str, Any]], based_on: int, *, lock: bool = False
) -> list[str]:
    """The keys of the sections that differ from the kind's current version, or every problem
    at once (keyed `<section key>-<field>`, as the console's form names them)."""
    if kind not in OTHER_KINDS:
        raise ValidationError(gettext("Unknown policy kind."))
    versions = TemplateVersion.of_every_kind.filter(kind=kind, released_at__isnull=False)
    current = (versions.select_for_update() if lock else versions).order_by("-number").first()
    if current is None:
        raise ValidationError(gettext("Unknown policy kind."))
    if current.number != based_on:
        raise ValidationError(
            gettext(
                "Version %(number)s of this template was released meanwhile: open it and make "
                "your changes again."
            )
            % {"number": current.number}
        )
    errors: dict[str, list[str]] = {}
    for section in sections:
        for field, limit in TEMPLATE_TEXTS.items():
            name = f"{section['key']}-{field}"
            if problem := text_problem(section.get(field), limit=limit, plain=True):
                errors[name] = [problem]
            elif not (section.get(field) or "").strip():
                errors[name] = [gettext("This text cannot be empty.")]
    if errors:
        raise ValidationError(errors)
    before = {s.key: {f: getattr(s, f) for f in SECTION_FIELDS} for s in current.sections.all()}
    changed = [s["key"] for s in sections if before.get(s["key"]) != s]
    if not changed:
        raise ValidationError(
            gettext("Nothing changed from version %(number)s: there is nothing to release.")
            % {"number": current.number}
        )
    return changed


def kind_template_check(*, kind: str, sections: list[dict[str, Any]], based_on: int) -> list[str]:
    """What a release would change (the sections' keys), before the operator confirms it."""
    return _kind_template_changes(kind, sections, based_on)


def kind_template_release(
    *,
    kind: str,
    sections: list[dict[str, Any]],
    based_on: int,
    notes: str = "",
    actor_email: str,
    ip_address: str | None = None,
) -> TemplateVersion:
    """Release the next version of another kind's template with `sections` (the same keys, in
    the same order, as version `based_on`, which must still be the current one). Associations
    see it as an update they may take section by section; the release is in the operators' log."""
    with transaction.atomic():
        changed = _kind_template_changes(kind, sections, based_on, lock=True)
        version = template_release(sections=sections, notes=notes.strip(), kind=kind)
        operator_action_record(
            actor_email=actor_email,
            action="template.released",
            summary=f"{kind} v{version.number}",
            before={"kind": kind, "version": based_on},
            after={"kind": kind, "version": version.number, "changed": changed},
            ip_address=ip_address,
        )
    return version


# --- plans -----------------------------------------------------------------------------------


def plan_assign(
    *, association: Association, plan: Plan, actor_email: str, ip_address: str | None = None
) -> Subscription:
    """An operator puts the association on a plan by hand (a paid plan is active at once);
    the change and the operator's record commit together."""
    with transaction.atomic():
        subscription, before, after = subscription_plan_set(association=association, plan=plan)
        operator_action_record(
            actor_email=actor_email,
            action="plan.assigned",
            association_slug=association.slug,
            summary=plan.code,
            before=before,
            after=after,
            ip_address=ip_address,
        )
    return subscription


# --- an association's own SMS sender ------------------------------------------------------------

# Unifonic's sender IDs: at most 11 Latin letters and digits (spaces, dots, hyphens, & inside).
SENDER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 .&-]{0,9}[A-Za-z0-9])?")
APP_SID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def sms_sender_set(
    *,
    association: Association,
    sender_name: str,
    registered: bool,
    app_sid: str,
    remove_app_sid: bool,
    actor_email: str,
    ip_address: str | None = None,
) -> SmsSender:
    """Set the association's sender name (used once registered with the provider) and its own
    Unifonic AppSid (sealed; blank keeps the one set); the operators' log says what changed,
    never the AppSid."""
    name, app_sid = (sender_name or "").strip(), (app_sid or "").strip()
    errors: dict[str, list[str]] = {}
    if name and not SENDER_NAME.fullmatch(name):
        errors["sender_name"] = [
            gettext("A sender name has at most 11 Latin letters or digits (spaces, dots, hyphens "
                    "and & inside).")
        ]  # fmt: skip
    if registered and not name:
        errors["sender_registered"] = [gettext("Give the sender name that was registered.")]
    if app_sid and not APP_SID.fullmatch(app_sid):
        errors["app_sid"] = [
            gettext("An AppSid is 16 to 64 letters and digits, as Unifonic shows it.")
        ]
    with transaction.atomic():
        sender = SmsSender.objects.select_for_update().filter(association=association).first()
        sender = sender or SmsSender(association=association)
        before = _sms_sender_facts(sender)
        keeps_app = bool(sender.app_sid_sealed) and not remove_app_sid
        if (app_sid or keeps_app) and not (registered and name):
            errors.setdefault("sender_registered", []).append(
                gettext("The association's own Unifonic application sends only with a sender "
                        "name registered on it.")
            )  # fmt: skip
        if errors:
            raise ValidationError(errors)
        sender.sender_name, sender.sender_registered = name, registered
        if app_sid:
            sender.app_sid_sealed, sender.app_sid_last4 = seal(app_sid), app_sid[-4:]
        elif remove_app_sid:
            sender.app_sid_sealed = sender.app_sid_last4 = ""
        sender.save()
        after = _sms_sender_facts(sender)
        operator_action_record(
            actor_email=actor_email,
            action="sms_sender.set",
            association_slug=association.slug,
            summary=f"{name or '-'}{' (registered)' if registered else ''}",
            before=before,
            after={**after, "app_sid_replaced": bool(app_sid)},
            ip_address=ip_address,
        )
    return sender


def _sms_sender_facts(sender: SmsSender) -> dict[str, Any]:
    return {
        "sender_name": sender.sender_name,
        "sender_registered": sender.sender_registered,
        "own_app_sid": bool(sender.app_sid_sealed),
    }


def sms_senders_reseal() -> int:
    """Seal every stored AppSid again under the first key; all or nothing (SealBroken)."""
    with transaction.atomic():
        senders = list(SmsSender.objects.select_for_update().exclude(app_sid_sealed=""))
        for sender in senders:
            sender.app_sid_sealed = reseal(sender.app_sid_sealed)
        SmsSender.objects.bulk_update(senders, ["app_sid_sealed"])
    return len(senders)
