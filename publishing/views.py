"""The public policy pages and the admin's policy screens."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog.selectors import template_current
from common.i18n import current_language
from common.validation import errors_onto_form
from publishing import services
from publishing.documents import policy_context, policy_document_get
from publishing.forms import ApprovalForm, PolicyForm
from publishing.models import PolicyVersion
from publishing.rendering import (
    approval_statement,
    policy_sections,
    sections_compared,
    side_by_side,
    version_language,
)
from publishing.selectors import (
    policy_latest_number,
    policy_template_updates,
    policy_version_get,
    policy_versions,
)
from tenants.permissions import admin_required


def _version_or_404(number: int | None) -> PolicyVersion:
    version = (
        policy_version_get(number=number)
        if number is not None
        else PolicyVersion.objects.order_by("-number").first()
    )
    if version is None:
        raise Http404
    return version


PAGE_CACHE_SECONDS = 3600


def policy_page(request, number: int | None = None):
    """The public policy. Visitors who are not signed in get it from the cache: a version never
    changes, and the key holds the latest version's number, so a publication moves past it."""
    latest = policy_latest_number()
    if latest is None:
        raise Http404
    language = current_language()
    # The status is in the key: a suspended association's page carries a notice.
    status = request.association.status
    key = f"policy-page:{latest}:{number or 'current'}:{language}:{status}"
    anonymous = not request.user.is_authenticated
    if anonymous and (html := cache.get(key)) is not None:
        return HttpResponse(html)
    version = _version_or_404(number)
    context = policy_context(version, language, for_print=False)
    context.update(versions=policy_versions(), is_current=version.number == latest)
    response = render(request, "publishing/policy.html", context)
    if anonymous:
        cache.set(key, response.content.decode(), PAGE_CACHE_SECONDS)
    return response


def policy_pdf(request, number: int | None = None):
    version = _version_or_404(number)
    # An Arabic-only policy has one PDF, its Arabic, whichever language is asked for.
    language = version_language(version.content, current_language())
    document = policy_document_get(version=version, language=language)
    return FileResponse(
        document.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{request.association.slug}-policy-v{version.number}-{language}.pdf",
    )


def _draft_sections(draft, language: str) -> list:
    """The draft's sections as its page would read them in `language`."""
    content = services.policy_snapshot(draft)
    return policy_sections(content, version_language(content, language))


PARTS = ("content", "approval", "publication")
# Fields of the editor's post that are buttons, not the draft's values.
EDITOR_BUTTONS = ("csrfmiddlewaretoken", "confirm_clear", "back", "add_rows")


@admin_required
@require_http_methods(["GET", "POST"])
def policy_settings(request):
    """The policy in three parts (its content, the board's approval, its publication), one form
    each. Saving an approved draft clears the approval: a confirmation page says so first."""
    draft = services.policy_draft_ensure()
    posted = request.method == "POST"
    form = PolicyForm(
        request.POST if posted else None,
        draft=draft,
        add_rows=request.POST.get("add_rows", "") if posted else "",
    )
    saving = posted and not {"add_rows", "back"} & set(request.POST)
    if saving and form.is_valid():
        if draft.is_approved and not request.POST.get("confirm_clear"):
            return render(
                request,
                "publishing/save_confirm.html",
                {
                    "draft": draft,
                    "posted": [
                        (name, value)
                        for name, values in request.POST.lists()
                        if name not in EDITOR_BUTTONS
                        for value in values
                    ],
                },
            )
        try:
            services.policy_settings_save(
                data=form.to_data(),
                revision=form.cleaned_data["revision"],
                holidays=form.cleaned_data["holidays"],
            )
        except services.PolicyConflict:
            messages.error(
                request, _("Someone else changed the policy meanwhile. Review it and save again.")
            )
            return redirect("policy_settings")
        except ValidationError as error:
            errors_onto_form(form, form.service_errors(error))
        else:
            cleared = draft.is_approved
            messages.success(
                request,
                _("The draft was saved. The board's approval was cleared: record it again.")
                if cleared
                else _("The draft was saved."),
            )
            return redirect("policy_settings")
    part = request.GET.get("part", "")
    return _settings_page(
        request,
        draft,
        form=form,
        approval_form=ApprovalForm(draft=draft),
        part=part if part in PARTS else "content",
    )


def _settings_page(request, draft, *, form, approval_form, part: str):
    stage = services.policy_draft_stage(draft)
    problems = services.policy_draft_problems(draft)
    context = {
        "part": part,
        "stage": stage,
        "stages": [
            {"key": key, "label": label, "state": _stage_state(key, stage)}
            for key, label in (
                ("draft", _("Draft")),
                ("approved", _("Approved by the board")),
                ("published", _("Published")),
            )
        ],
        "form": form,
        "draft": draft,
        "problems": problems,
        "approval_form": approval_form,
        "approval_statement": approval_statement(
            services.policy_approval(draft), current_language()
        ),
        "published": PolicyVersion.objects.order_by("-number").first(),
        "versions": policy_versions(),
        "updates": policy_template_updates(draft),
    }
    if part == "content":
        context["preview"] = _draft_sections(draft, current_language())
    return render(request, "publishing/settings.html", context)


def _stage_state(key: str, stage: str) -> str:
    order = services.POLICY_STAGES
    if order.index(key) < order.index(stage) or key == stage == "published":
        return "done"
    return "now" if key == stage else "next"


@admin_required
@require_POST
def policy_preview(request):
    """The draft as it would read with the form's unsaved values (the live preview)."""
    draft = services.policy_draft_ensure()
    form = PolicyForm(request.POST, draft=draft)
    if not form.is_valid():
        return render(request, "publishing/_preview.html", {"invalid": True})
    try:
        preview = services.policy_draft_preview(data=form.to_data())
    except ValidationError as error:
        return render(request, "publishing/_preview.html", {"invalid": True, "errors": error})
    return render(
        request,
        "publishing/_preview.html",
        {"preview": _draft_sections(preview, current_language())},
    )


@admin_required
@require_POST
def policy_approve(request):
    """Record the approval; on a refusal the page comes back with what was typed and why."""
    draft = services.policy_draft_ensure()
    form = ApprovalForm(request.POST, draft=draft)
    if form.is_valid():
        try:
            services.policy_draft_approve(**form.to_data())
        except services.PolicyConflict:
            messages.error(request, _("The draft changed before the approval was recorded."))
            return redirect("policy_settings")
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The board's approval was recorded. Next: publish it."))
            return redirect(reverse("policy_settings") + "?part=publication")
    response = _settings_page(
        request, draft, form=PolicyForm(draft=draft), approval_form=form, part="approval"
    )
    response.status_code = 400
    return response


def _posted_revision(request) -> int:
    """The draft revision the page was opened on; anything but a number reads as a stale page."""
    value = request.POST.get("revision", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


@admin_required
@require_http_methods(["GET", "POST"])
def policy_publish(request):
    draft = services.policy_draft_ensure()
    if request.method == "POST":
        try:
            version = services.policy_publish(
                actor_email=request.user.email, revision=_posted_revision(request)
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
            return redirect(reverse("policy_settings") + "?part=publication")
    return render(
        request,
        "publishing/publish_confirm.html",
        {"draft": draft, "problems": services.policy_draft_problems(draft)},
    )


@admin_required
def policy_diff(request):
    """The draft beside the published version, section by section."""
    draft = services.policy_draft_ensure()
    published = PolicyVersion.objects.order_by("-number").first()
    return render(
        request,
        "publishing/diff.html",
        {"sections": draft_difference(draft, published), "published": published},
    )


def draft_difference(draft, published: PolicyVersion | None) -> list[dict]:
    """The draft beside `published` (of the same kind), section by section."""
    language = current_language()
    new = {s.key: s for s in _draft_sections(draft, language)}
    old = (
        {
            s.key: s
            for s in policy_sections(
                published.content, version_language(published.content, language)
            )
        }
        if published
        else {}
    )
    keys = list(dict.fromkeys([*old, *new]))
    return [
        {
            "key": key,
            "title": (new.get(key) or old.get(key)).title,
            "rows": side_by_side(
                f"{old[key].text}" if key in old else "", f"{new[key].text}" if key in new else ""
            ),
            "changed": (old[key].text if key in old else None)
            != (new[key].text if key in new else None),
        }
        for key in keys
    ]


def policy_changes(request, number: int):
    """What version `number` changed from the one before, readable by anyone: the page a
    notice of a new version links to."""
    version = _version_or_404(number)
    previous = policy_version_get(number=number - 1) if number > 1 else None
    sections = sections_compared(
        previous.content if previous else None, version.content, current_language()
    )
    return render(
        request,
        "publishing/changes.html",
        {
            "version": version,
            "previous": previous,
            "sections": [section for section in sections if section["changed"]],
            "unchanged": sum(not section["changed"] for section in sections),
        },
    )


TEMPLATE_TEXT_FIELDS = ("title_ar", "title_en", "body_ar", "body_en")


@admin_required
@require_http_methods(["GET", "POST"])
def policy_template_update(request):
    """The new template section by section: its old text, its new text and the association's
    own; the admin takes it, keeps their own or edits. A page opened on an older draft is a
    409; a refused text comes back as typed, with why."""
    draft = services.policy_draft_ensure()
    return template_update_page(request, draft, here=reverse("policy_template_update"))


def template_update_page(request, draft, *, here: str, back_url: str = ""):
    """The template update screen of `draft`'s kind, posting back to `here`."""
    typed: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        key = request.POST.get("key", "")
        try:
            services.policy_template_section_take(
                key=key,
                choice=request.POST.get("choice", "take"),
                texts={field: request.POST.get(field, "") for field in TEMPLATE_TEXT_FIELDS},
                revision=_posted_revision(request),
                kind=draft.kind,
            )
        except services.PolicyConflict:
            messages.error(request, _("The draft changed since you opened this page."))
            status = 409
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            if request.POST.get("choice") != "edit":
                return redirect(here)
            typed = {"key": key, **{f: request.POST.get(f, "") for f in TEMPLATE_TEXT_FIELDS}}
            status = 400
        else:
            messages.success(request, _("The section was updated in your draft."))
            return redirect(here)
    language = current_language()
    updates = [
        update
        | {
            "rows": side_by_side(update[f"old_{language}"], update[f"new_{language}"]),
            "edit": typed if typed.get("key") == update["key"] else _edit_texts(update),
        }
        for update in policy_template_updates(draft)
    ]
    response = render(
        request,
        "publishing/template_update.html",
        {
            "updates": updates,
            "draft": draft,
            "template": template_current(draft.kind),
            "back_url": back_url,
        },
    )
    response.status_code = status
    return response


def _edit_texts(update: dict) -> dict[str, str]:
    """What the edit boxes start from: the association's own text, else the template's new."""
    return {field: update["own"][field] or update["fresh"][field] for field in TEMPLATE_TEXT_FIELDS}
