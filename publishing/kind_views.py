"""The pages of the policies other than the beneficiary one (conflict of interest,
whistleblowing, …): public page and PDF per kind, the admin's editor per kind, and the board
meeting that approves several policies at once (the beneficiary policy's included)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import PolicyKind
from common.i18n import current_language
from common.validation import errors_onto_form
from publishing import services
from publishing.documents import policy_context, policy_document_get
from publishing.forms import ApprovalForm, BoardMeetingForm, KindPolicyForm
from publishing.rendering import approval_statement, version_language
from publishing.selectors import (
    kind_version_latest,
    kind_versions,
    policies_standing,
    policy_template_updates,
    policy_version_get,
)
from publishing.views import (
    _draft_sections,
    _posted_revision,
    draft_difference,
    template_update_page,
)
from tenants.permissions import admin_required

OTHER_KINDS = {kind: label for kind, label in PolicyKind.choices if kind != PolicyKind.BENEFICIARY}


def _kind_or_404(kind: str) -> str:
    if kind not in OTHER_KINDS:
        raise Http404
    return kind


def _version_or_404(kind: str, number: int | None):
    version = (
        policy_version_get(number=number, kind=kind)
        if number is not None
        else kind_version_latest(kind)
    )
    if version is None:
        raise Http404
    return version


def kind_policy_page(request, kind: str, number: int | None = None):
    kind = _kind_or_404(kind)
    version = _version_or_404(kind, number)
    versions = kind_versions(kind)
    context = policy_context(version, current_language(), for_print=False)
    context.update(
        kind=kind,
        versions=versions,
        is_current=version.number == versions[0].number,
    )
    return render(request, "publishing/kind_policy.html", context)


def kind_policy_pdf(request, kind: str, number: int | None = None):
    kind = _kind_or_404(kind)
    version = _version_or_404(kind, number)
    language = version_language(version.content, current_language())
    document = policy_document_get(version=version, language=language)
    return FileResponse(
        document.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{request.association.slug}-{kind}-v{version.number}-{language}.pdf",
    )


def _settings_page(request, draft, *, form, approval_form, status: int = 200):
    language = current_language()
    versions = kind_versions(draft.kind)
    context = {
        "kind": draft.kind,
        "title": OTHER_KINDS[draft.kind],
        "form": form,
        "draft": draft,
        "stage": services.policy_draft_stage(draft),
        "problems": services.policy_draft_problems(draft),
        "approval_form": approval_form,
        "approval_statement": approval_statement(services.policy_approval(draft), language),
        "preview": _draft_sections(draft, language),
        "published": versions[0] if versions else None,
        "versions": versions,
        "updates": policy_template_updates(draft),
    }
    return render(request, "publishing/kind_settings.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def kind_policy_settings(request, kind: str):
    """A policy's editor: its languages and its sections in the association's own words. A
    refusal comes back with what was typed (400); a saved change clears the approval."""
    draft = services.kind_draft_ensure(_kind_or_404(kind))
    form = KindPolicyForm(request.POST if request.method == "POST" else None, draft=draft)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.kind_draft_update(
                    kind=kind, data=form.to_data(), revision=form.cleaned_data["revision"]
                )
            except services.PolicyConflict:
                messages.error(
                    request,
                    _("Someone else changed the policy meanwhile. Review it and save again."),
                )
                return redirect("kind_policy_settings", kind=kind)
            except ValidationError as error:
                errors_onto_form(form, form.service_errors(error))
            else:
                messages.success(
                    request, _("The draft was saved. Any earlier approval was cleared.")
                )
                return redirect("kind_policy_settings", kind=kind)
        status = 400
    return _settings_page(
        request, draft, form=form, approval_form=ApprovalForm(draft=draft), status=status
    )


@admin_required
@require_POST
def kind_policy_approve(request, kind: str):
    draft = services.kind_draft_ensure(_kind_or_404(kind))
    form = ApprovalForm(request.POST, draft=draft)
    if form.is_valid():
        try:
            services.policy_draft_approve(kind=kind, **form.to_data())
        except services.PolicyConflict:
            messages.error(request, _("The draft changed before the approval was recorded."))
            return redirect("kind_policy_settings", kind=kind)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The board's approval was recorded."))
            return redirect("kind_policy_settings", kind=kind)
    return _settings_page(
        request, draft, form=KindPolicyForm(draft=draft), approval_form=form, status=400
    )


@admin_required
@require_POST
def kind_policy_publish(request, kind: str):
    services.kind_draft_ensure(_kind_or_404(kind))
    try:
        version = services.policy_publish(
            actor_email=request.user.email, revision=_posted_revision(request), kind=kind
        )
    except services.PolicyConflict:
        messages.error(request, _("The draft changed since you opened this page."))
    except ValidationError as error:
        for message_list in error.message_dict.values():
            for message in message_list:
                messages.error(request, message)
    else:
        messages.success(
            request, _("Version %(number)s is published.") % {"number": version.number}
        )
    return redirect("kind_policy_settings", kind=kind)


@admin_required
def kind_policy_diff(request, kind: str):
    draft = services.kind_draft_ensure(_kind_or_404(kind))
    published = kind_version_latest(kind)
    return render(
        request,
        "publishing/diff.html",
        {
            "sections": draft_difference(draft, published),
            "published": published,
            "back_url": reverse("kind_policy_settings", args=[kind]),
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def kind_policy_template_update(request, kind: str):
    draft = services.kind_draft_ensure(_kind_or_404(kind))
    return template_update_page(
        request,
        draft,
        here=reverse("kind_policy_template_update", args=[kind]),
        back_url=reverse("kind_policy_settings", args=[kind]),
    )


@admin_required
@require_http_methods(["GET", "POST"])
def policies_overview(request):
    """Every policy the standard asks for, where it stands, and the board meeting that approves
    several ready drafts at once: each ticked one is published as its own next version."""
    for kind in OTHER_KINDS:
        services.kind_draft_ensure(kind)
    services.policy_draft_ensure()
    ready = services.policies_ready()
    titles = dict(PolicyKind.choices)
    form = BoardMeetingForm(
        request.POST if request.method == "POST" else None,
        kinds=[(draft.kind, titles[draft.kind]) for draft in ready],
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                versions = services.policies_approve(
                    actor_email=request.user.email, **form.to_data()
                )
            except services.PolicyConflict:
                messages.error(request, _("A draft changed before the approval was recorded."))
                return redirect("policies_overview")
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The board's approval was recorded and %(count)s policy is published.",
                        "The board's approval was recorded and %(count)s policies are published.",
                        len(versions),
                    )
                    % {"count": len(versions)},
                )
                return redirect("policies_overview")
        status = 400
    return render(
        request,
        "publishing/policies.html",
        {
            "standings": policies_standing(),
            "form": form,
            "ready": ready,
            "ready_kinds": [draft.kind for draft in ready],
        },
        status=status,
    )
