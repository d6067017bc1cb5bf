"""The operators' console (platform host only). Every view is behind operator_required."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import TemplateVersion
from catalog.selectors import catalogue_items
from common.i18n import current_language
from common.validation import errors_onto_form
from console import forms, lifecycle, selectors, services
from console.access import actor_of, operator_required
from console.models import OperatorAction, ProvisioningJob
from publishing.rendering import policy_sections
from tenants.models import Association, AssociationExport

PAGE_SIZE = 50


def _association(slug: str) -> Association:
    return get_object_or_404(Association.objects.select_related("subscription__plan"), slug=slug)


def _refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- associations ---------------------------------------------------------------------------------


@operator_required
@require_GET
def association_list(request):
    form = forms.AssociationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.associations_search(**{k: v for k, v in filters.items() if v})
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.usage_counts([association.schema_name for association in page])
    for association in page:
        association.counts = counts.get(association.schema_name)
    return render(
        request,
        "console/associations.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@operator_required
@require_GET
def transparency(request):
    """The associations' transparency self-scores across the platform (no association's data
    but its counts)."""
    return render(
        request,
        "console/transparency.html",
        {"distribution": selectors.transparency_distribution()},
    )


@operator_required
@require_GET
def association_detail(request, slug: str):
    association = _association(slug)
    usage = services.usage_snapshot_refresh(association=association)
    context = {
        "a": association,
        "subscription": getattr(association, "subscription", None),
        "usage": usage,
        "policy": selectors.policy_states([association.schema_name])[association.schema_name],
        "exports": association.exports.all()[:10],
        "actions": OperatorAction.objects.filter(association_slug=association.slug)[:20],
        "suspend_form": forms.SuspendForm(),
        "plan_form": forms.PlanAssignForm(
            initial={"plan": getattr(getattr(association, "subscription", None), "plan", None)}
        ),
        "sms_sender": (sender := selectors.sms_sender_of(association)),
        "platform_sender": settings.SMS_SENDER_NAME,
        "sms_form": forms.SmsSenderForm(
            initial={
                "sender_name": sender.sender_name if sender else "",
                "sender_registered": sender.sender_registered if sender else False,
            }
        ),
    }
    return render(request, "console/association_detail.html", context)


def _operator_step(request, association: Association, step, done: str, **fields):
    """Run one lifecycle step on the association as this operator; say how it went."""
    actor = actor_of(request)
    try:
        step(
            association=association, actor_email=actor.email, ip_address=actor.ip_address, **fields
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, done)
    return redirect("console:association", slug=association.slug)


@operator_required
@require_POST
def association_suspend(request, slug: str):
    association = _association(slug)
    form = forms.SuspendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the suspension."))
        return redirect("console:association", slug=slug)
    return _operator_step(
        request,
        association,
        lifecycle.association_suspend,
        _("The association was suspended."),
        reason=form.cleaned_data["reason"],
    )


@operator_required
@require_POST
def association_reactivate(request, slug: str):
    association = _association(slug)
    return _operator_step(
        request,
        association,
        lifecycle.association_reactivate,
        _("The association was reactivated."),
    )


@operator_required
@require_POST
def association_plan(request, slug: str):
    association = _association(slug)
    form = forms.PlanAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the plans."))
        return redirect("console:association", slug=slug)
    return _operator_step(
        request,
        association,
        services.plan_assign,
        _("The plan was assigned."),
        plan=form.cleaned_data["plan"],
    )


@operator_required
@require_POST
def association_sms(request, slug: str):
    association = _association(slug)
    form = forms.SmsSenderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("console:association", slug=slug)
    data = form.cleaned_data
    return _operator_step(
        request,
        association,
        services.sms_sender_set,
        _("The association's SMS sender was saved."),
        sender_name=data["sender_name"],
        registered=data["sender_registered"],
        app_sid=data["app_sid"],
        remove_app_sid=data["remove_app_sid"],
    )


@operator_required
@require_POST
def association_export(request, slug: str):
    association = _association(slug)
    return _operator_step(
        request,
        association,
        lifecycle.association_export_start,
        _("The export started; this page shows its progress."),
    )


def _export(slug: str, export_id: int) -> AssociationExport:
    # By slug, not by foreign key: an export outlives the association it was made of.
    return get_object_or_404(AssociationExport, pk=export_id, association_slug=slug)


@operator_required
@require_GET
def export_progress(request, slug: str, export_id: int):
    export = _export(slug, export_id)
    done = export.status == "done"
    return JsonResponse(
        {
            "status": export.status,
            "status_label": export.get_status_display(),
            "progress": export.progress,
            "step": export.get_step_display(),
            "size": export.size,
            "error": export.error,
            "download_url": reverse("console:export_download", args=[slug, export.pk])
            if done
            else None,
        }
    )


@operator_required
@require_GET
def export_download(request, slug: str, export_id: int):
    export = _export(slug, export_id)
    path = export.path
    if export.status != "done" or path is None or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@operator_required
@require_http_methods(["GET", "POST"])
def association_delete(request, slug: str):
    association = _association(slug)
    form = forms.DeleteConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = actor_of(request)
        try:
            lifecycle.association_delete(
                association=association,
                confirm_slug=form.cleaned_data["confirm_slug"],
                actor_email=actor.email,
                ip_address=actor.ip_address,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request, _("The association %(slug)s was deleted.") % {"slug": association.slug}
            )
            return redirect("console:associations")
    return render(
        request,
        "console/association_delete.html",
        {"a": association, "form": form, "export": association.exports.first()},
    )


# --- creating an association ----------------------------------------------------------------------


@operator_required
@require_http_methods(["GET", "POST"])
def association_new(request):
    form = forms.AssociationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = actor_of(request)
        try:
            job = services.provisioning_job_create(
                slug=data["slug"],
                name_ar=data["name_ar"],
                name_en=data["name_en"],
                admin_email=data["email"],
                admin_password=data["password"],
                admin_name=data["admin_name"],
                actor_email=actor.email,
                ip_address=actor.ip_address,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            return redirect("console:job", job_id=job.pk)
    return render(request, "console/association_new.html", {"form": form})


def _job_steps(job: ProvisioningJob) -> list[dict]:
    order = [step for step in ProvisioningJob.Step if step != ProvisioningJob.Step.QUEUED]
    reached = order.index(job.step) if job.step in order else -1
    if job.status == ProvisioningJob.Status.DONE:
        reached = len(order)
    return [
        {"label": step.label, "done": index < reached, "current": index == reached}
        for index, step in enumerate(order)
    ]


@operator_required
@require_GET
def job_detail(request, job_id: int):
    job = get_object_or_404(ProvisioningJob, pk=job_id)
    created = (
        Association.objects.filter(slug=job.slug).first()
        if job.status == ProvisioningJob.Status.DONE
        else None
    )
    # Not "association": that name is the request's own association in every template.
    return render(
        request, "console/job.html", {"job": job, "steps": _job_steps(job), "created": created}
    )


@operator_required
@require_GET
def job_progress(request, job_id: int):
    job = get_object_or_404(ProvisioningJob, pk=job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "step": job.step,
            "step_label": job.get_step_display(),
            "error": job.error,
        }
    )


# --- the shared template --------------------------------------------------------------------------


@operator_required
@require_GET
def template_list(request):
    rows = selectors.template_versions_overview()
    has_draft = any(row.version.released_at is None for row in rows)
    return render(
        request,
        "console/templates.html",
        {"rows": rows, "has_draft": has_draft, "kinds": selectors.kind_templates()},
    )


@operator_required
@require_POST
def template_draft_new(request):
    actor = actor_of(request)
    draft = services.template_draft_create(actor_email=actor.email, ip_address=actor.ip_address)
    return redirect("console:template", number=draft.number)


def _version(number: int) -> TemplateVersion:
    return get_object_or_404(TemplateVersion.objects.prefetch_related("sections"), number=number)


@operator_required
@require_GET
def template_detail(request, number: int):
    version = _version(number)
    sections = [
        (
            section,
            forms.TemplateSectionForm(
                initial={f: getattr(section, f) for f in forms.TemplateSectionForm.base_fields},
                prefix=section.key,
            ),
        )
        for section in version.sections.all()
    ]
    return render(
        request,
        "console/template_detail.html",
        {
            "version": version,
            "sections": sections,
            "new_form": forms.TemplateSectionNewForm(prefix="new"),
            "release_form": forms.TemplateReleaseForm(),
        },
    )


@operator_required
@require_http_methods(["POST"])
def template_section(request, number: int, key: str):
    """Save one section of a draft; its form comes back with the errors if a text is empty."""
    version = _version(number)
    form = forms.TemplateSectionForm(request.POST, prefix=key)
    section = version.sections.filter(key=key).first()
    if section is None:
        raise Http404
    if form.is_valid():
        actor = actor_of(request)
        try:
            services.template_section_save(
                draft=version,
                key=key,
                data=form.cleaned_data,
                actor_email=actor.email,
                ip_address=actor.ip_address,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The section was saved."))
            return redirect(f"{reverse('console:template', args=[number])}#section-{key}")
    return render(
        request,
        "console/template_section.html",
        {"version": version, "section": section, "form": form},
        status=400,
    )


@operator_required
@require_POST
def template_section_new(request, number: int):
    version = _version(number)
    form = forms.TemplateSectionNewForm(request.POST, prefix="new")
    if form.is_valid():
        actor = actor_of(request)
        data = form.cleaned_data
        try:
            services.template_section_save(
                draft=version,
                key=data["key"].strip().lower(),
                data=data,
                new=True,
                actor_email=actor.email,
                ip_address=actor.ip_address,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The section was added."))
            return redirect("console:template", number=number)
    return render(
        request,
        "console/template_section.html",
        {"version": version, "section": None, "form": form},
        status=400,
    )


@operator_required
@require_POST
def template_section_remove(request, number: int, key: str):
    version = _version(number)
    actor = actor_of(request)
    try:
        services.template_section_remove(
            draft=version, key=key, actor_email=actor.email, ip_address=actor.ip_address
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The section was removed."))
    return redirect("console:template", number=number)


def _sample_content(version: TemplateVersion) -> dict:
    """A policy as an example association would publish it on this template version."""

    def items(kind: str) -> list[dict]:
        return [
            {"code": item.code, "name_ar": item.name_ar, "name_en": item.name_en}
            for item in catalogue_items(kind=kind)
        ]

    return {
        "association": {"name_ar": "جمعية المثال الخيرية", "name_en": "Example Charity"},
        "channels": items("channel"),
        "tools": items("tool"),
        "referral_roles": items("referral_role")[:2],
        "committee_deadline": {"kind": "working", "days": 10},
        "sections": [
            {
                "key": s.key,
                "title_ar": s.title_ar,
                "title_en": s.title_en,
                "body_ar": s.body_ar,
                "body_en": s.body_en,
            }
            for s in version.sections.all()
        ],
    }


@operator_required
@require_GET
def template_preview(request, number: int):
    version = _version(number)
    preview = policy_sections(_sample_content(version), current_language())
    return render(
        request, "console/template_preview.html", {"version": version, "preview": preview}
    )


@operator_required
@require_POST
def template_release(request, number: int):
    version = _version(number)
    form = forms.TemplateReleaseForm(request.POST)
    form.is_valid()
    actor = actor_of(request)
    try:
        released = services.template_draft_release(
            draft=version,
            notes=form.cleaned_data.get("notes", ""),
            actor_email=actor.email,
            ip_address=actor.ip_address,
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect("console:template", number=number)
    messages.success(
        request,
        _("Version %(number)s was released; associations will see it as an update.")
        % {"number": released.number},
    )
    return redirect("console:templates")


# --- the other kinds' templates (issue 16) ---------------------------------------------------


@operator_required
@require_http_methods(["GET", "POST"])
def kind_template(request, kind: str):
    """Another kind's template, edited as its next version: checked, then shown for
    confirmation with what it changes, and released only once confirmed."""
    rows = {row.kind: row for row in selectors.kind_templates()}
    if kind not in rows:
        raise Http404
    row = rows[kind]
    form = forms.KindTemplateForm(
        request.POST if request.method == "POST" else None,
        sections=list(row.current.sections.all()),
        initial={"based_on": row.current.number},
    )
    context = {"row": row, "form": form}
    if request.method == "GET" or "edit" in request.POST:
        return render(request, "console/kind_template.html", context)
    if form.is_valid():
        actor = actor_of(request)
        arguments = {
            "kind": kind,
            "sections": form.sections_data(),
            "based_on": form.cleaned_data["based_on"],
        }
        try:
            if request.POST.get("confirm") == "1":
                released = services.kind_template_release(
                    **arguments,
                    notes=form.cleaned_data["notes"],
                    actor_email=actor.email,
                    ip_address=actor.ip_address,
                )
            else:
                changed = services.kind_template_check(**arguments)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            if request.POST.get("confirm") == "1":
                messages.success(
                    request,
                    _("%(title)s: version %(number)s was released; associations will see it as "
                      "an update.") % {"title": row.title, "number": released.number},
                )  # fmt: skip
                return redirect("console:templates")
            titles = {s.key: s for s in row.current.sections.all()}
            return render(
                request,
                "console/kind_template_confirm.html",
                {**context, "changed": [titles[key] for key in changed]},
            )
    return render(request, "console/kind_template.html", context, status=400)


# --- the audit log --------------------------------------------------------------------------------


@operator_required
@require_GET
def audit_log(request):
    form = forms.AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.operator_actions_search(**{k: v for k, v in filters.items() if v})
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "console/audit.html", {"form": form, "page": page, "query": query.urlencode()}
    )
