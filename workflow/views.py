"""The staff workspace's case pages (/app/…): they parse, call a service or selector, render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tenants.utils import tenant_context

from accounts.selectors import member_names
from common import clock
from common.access_trail import AccessAction, access_record
from common.csv_export import csv_lines, csv_response
from common.hijri import hijri_with_gregorian
from common.i18n import current_language
from common.pagination import CountedPaginator
from common.validation import errors_onto_form
from publishing.procedure import version_procedure
from publishing.selectors import policy_published
from tenants.permissions import admin_required, member_required
from workflow import selectors, services
from workflow.documents import case_document_add
from workflow.forms import (
    CaseFilterForm,
    CaseOpenForm,
    DocumentForm,
    SensitiveDetailsForm,
    TransitionForm,
)
from workflow.labels import EVENT_LABELS, action_label, stage_label
from workflow.models import Beneficiary, Case, CaseDocument, CaseEvent, CaseKind, CaseStatus
from workflow.permissions import (
    edits_sensitive,
    opens_cases,
    sees_every_case,
    sees_sensitive,
    uploads_to,
)
from workflow.transitions import IRREVERSIBLE, TRANSITIONS

PAGE_SIZE = 50


def _case_or_404(request, case_id, *, record: str | None = AccessAction.VIEW) -> Case:
    try:
        return services.case_get_for(actor=request.user, case_id=case_id, record=record)
    except Case.DoesNotExist as error:
        raise Http404 from error


def _name(item: dict) -> str:
    return item["name_en"] if current_language() == "en" else item["name_ar"]


@member_required
@require_GET
def case_list(request):
    form = CaseFilterForm(request.GET or None, channels=selectors.case_channels())
    filters = form.filters()
    cases = selectors.case_list(actor=request.user, **filters)
    known = selectors.case_list_count(actor=request.user, **filters)
    paginator = (
        Paginator(cases, PAGE_SIZE) if known is None else CountedPaginator(cases, PAGE_SIZE, known)
    )
    page = paginator.get_page(request.GET.get("page"))
    access_record(
        actor=request.user,
        action=AccessAction.SEARCH,
        object_type="case",
        detail={**filters, "page": page.number},
    )
    return render(
        request,
        "workflow/app/case_list.html",
        {
            "form": form,
            "page": page,
            "cases": page.object_list,
            "may_open": opens_cases(request.user),
            "today": timezone.localdate(clock.now()),
            "sort": filters.get("sort", "-received"),
            # Staff and admins verify who people are; the committee and referral holders
            # tell cases apart by the last digits.
            "masks_ids": not sees_every_case(request.user),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    if not opens_cases(request.user):
        raise PermissionDenied
    policy = policy_published()
    channels = policy.content["channels"] if policy else []
    form = CaseOpenForm(request.POST or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            case, token = services.case_open(
                channel=form.cleaned_data["channel"],
                beneficiary=form.beneficiary(),
                summary=form.cleaned_data["summary"],
                consent=form.cleaned_data["consent"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
            )
        except ValidationError as error:
            errors_onto_form(form, _unprefixed(error))
        else:
            path = reverse("request_status", args=[case.reference])
            status_url = request.association.url(f"{path}?{urlencode({'token': token})}")
            messages.success(
                request,
                _(
                    "Case %(reference)s was opened. Give the beneficiary the link to follow it "
                    "now: %(url)s — if they lose it, issue a new one from the case page."
                )
                % {"reference": case.reference, "url": status_url},
            )
            return redirect("case_detail", case_id=case.pk)
    return render(
        request,
        "workflow/app/case_new.html",
        {"form": form, "has_policy": policy is not None},
        status=400 if form.errors else 200,
    )


@member_required
def case_status_link(request, case_id: int):
    """A new private status link for a beneficiary who lost theirs, shown once more here."""
    # The role first, the method after: a GET by a committee member is refused, not a 405.
    if not opens_cases(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _case_or_404(request, case_id, record=None)
    url, emailed = services.case_status_link_renew(
        case=case, actor=request.user, base_url=request.association.url("").rstrip("/")
    )
    if emailed:
        text = _(
            "A new tracking link was e-mailed to the beneficiary; the old one no longer works. "
            "The new link: %(url)s"
        )
    else:
        text = _(
            "A new tracking link was issued; the old one no longer works. Send it to the "
            "beneficiary by text message: %(url)s"
        )
    messages.success(request, text % {"url": url})
    return redirect("case_detail", case_id=case.pk)


def _unprefixed(error: ValidationError) -> ValidationError:
    """The service names the person's fields `beneficiary.x`; the form calls them `x`."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {field.removeprefix("beneficiary."): errors for field, errors in error.error_dict.items()}
    )


def _case_page(
    request,
    case: Case,
    *,
    status: int = 200,
    failed_action: str = "",
    action_errors: dict | None = None,
    posted=None,
    document_form: DocumentForm | None = None,
):
    # The version the case runs by: its roles, its steps, who decides in it.
    policy = services.case_policy(case)
    roles = policy.content["referral_roles"] if policy else []
    role_names = {item["code"]: _name(item) for item in roles}
    decision_body = policy.decision_body_name(current_language()) if policy else ""
    user = request.user
    actions = services.case_actions_for(case=case, actor=user, policy=policy)
    timeline = selectors.case_timeline(case=case)
    stepper = selectors.case_stepper(
        case=case,
        procedure_kinds=[step["step"] for step in version_procedure(policy.content)]
        if policy
        else [],
    )
    names = member_names(emails=[event.actor_email for event in timeline])
    context = {
        "case": case,
        "beneficiary": case.beneficiary,
        "sees_sensitive": sees_sensitive(user),
        "kind_label": CaseKind(case.kind).label,
        "status_label": CaseStatus(case.status).label,
        "referral_role_name": role_names.get(case.referral_role_code, case.referral_role_code),
        "events": [_timeline_item(event, role_names, names) for event in timeline],
        "documents": selectors.case_documents(case=case),
        "actions": [
            {
                "name": action,
                "label": action_label(action, decision_body),
                "has_fields": bool(TRANSITIONS[action].required) or action == "deliver",
                "errors": action_errors if action == failed_action else None,
                "posted": posted if action == failed_action else None,
            }
            for action in actions
        ],
        "referral_roles": [(item["code"], _name(item)) for item in roles],
        "stages": [
            {"state": stage.state, "label": stage_label(stage.kind, decision_body)}
            for stage in stepper.stages
        ],
        "missing": [action_label(kind, decision_body) for kind in stepper.missing],
        "decision_body": decision_body,
        "may_upload": uploads_to(user, case),
        "renews_link": opens_cases(user),
        "document_form": document_form or DocumentForm(),
        "overdue": case.status == CaseStatus.IN_COMMITTEE
        and case.committee_due_on is not None
        and case.committee_due_on < timezone.localdate(clock.now()),
    }
    return render(request, "workflow/app/case_detail.html", context, status=status)


def _status_label(status: str) -> str:
    return CaseStatus(status).label if status in CaseStatus.values else status


def _field_label(field: str) -> str:
    try:
        return str(Beneficiary._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _timeline_item(event: CaseEvent, role_names: dict[str, str], names: dict[str, str]) -> dict:
    """One line of the timeline: what happened, and the detail the event's data holds."""
    data = event.data or {}
    detail = ""
    if event.action == "refer":
        detail = role_names.get(data.get("role", ""), data.get("role", ""))
    elif event.action == "submit_to_committee":
        due = data.get("committee_due_on")
        detail = (
            _("due %(date)s")
            % {"date": hijri_with_gregorian(datetime.date.fromisoformat(due), current_language())}
            if due
            else _("as soon as possible")
        )
    elif event.action == "decide":
        detail = _status_label(data.get("decision", ""))
    elif event.action == "declare":
        detail = data.get("signed_by", "")
    elif event.action == "document_added":
        detail = data.get("name", "")
    elif event.action in ("beneficiary_told", "status_link_renewed"):
        ways = {"email": _("by e-mail"), "sms": _("by text message")}
        detail = ways.get(data.get("how"), _("no e-mail address"))
    # Details typed online that differ from the registry were not saved: staff verify them.
    unverified = [
        (_field_label(field), value)
        for field, value in (data.get("unverified_details") or {}).items()
    ]
    return {
        "event": event,
        "unverified": unverified,
        "label": EVENT_LABELS.get(event.action, event.action),
        "detail": detail,
        "from_label": _status_label(event.from_status),
        "to_label": _status_label(event.to_status),
        # A member by name (their address where they gave none); a step without a member is
        # the beneficiary's own (online) or Mustafid's.
        "who": names.get(event.actor_email, event.actor_email)
        or (_("the beneficiary, online") if event.action == "open" else _("Mustafid")),
    }


@member_required
@require_GET
def case_detail(request, case_id: int):
    case = _case_or_404(request, case_id)
    # An action refused a moment ago comes back here (POST-redirect-GET) with what was typed.
    refused = request.session.pop(_REFUSED.format(case.pk), None) or {}
    return _case_page(
        request,
        case,
        failed_action=refused.get("action", ""),
        action_errors=refused.get("errors"),
        posted=refused.get("posted"),
    )


# Session keys, one per case: an action waiting for its confirmation, one just refused.
_PENDING = "case-confirm:{}"
_REFUSED = "case-refused:{}"


@member_required
@require_POST
def case_transition(request, case_id: int):
    """One action from the case page; a page older than the case changes nothing. An
    irreversible step is checked, then confirmed on its own page, then taken. Every outcome
    redirects, so a reload never posts again."""
    case = _case_or_404(request, case_id, record=None)  # the transition records the update
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This action could not be read. Reload the page and retry."))
        return redirect("case_detail", case_id=case.pk)
    action = form.cleaned_data["action"]
    arguments = {
        "case_id": case.pk,
        "actor": request.user,
        "action": action,
        "data": form.data_for_service(),
        "expected_version": form.cleaned_data["version"],
    }
    confirming = action in IRREVERSIBLE and not form.cleaned_data["confirm"]
    try:
        if confirming:
            services.case_transition_check(**arguments)
        else:
            updated = services.case_transition(**arguments)
    except services.CaseConflict:
        messages.error(
            request,
            _(
                "The case changed meanwhile: someone else acted on it. Nothing was saved. "
                "Here it is as it is now; check it and try again."
            ),
        )
        return redirect("case_detail", case_id=case.pk)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"action": error.messages}
        # Why the step itself is refused is said at the top (its form may not be offered any
        # more); what a field lacks, at the field, with what was typed.
        refusal = " ".join(errors.pop("action", []))
        if errors:
            request.session[_REFUSED.format(case.pk)] = {
                "action": action,
                "errors": errors,
                "posted": arguments["data"],
            }
        messages.error(
            request,
            _("Nothing was saved: %(reason)s") % {"reason": refusal}
            if refusal
            else _("Nothing was saved: correct the form below."),
        )
        return redirect(f"{reverse('case_detail', args=[case.pk])}#action-{action}")
    if confirming:
        request.session[_PENDING.format(case.pk)] = {
            "action": action,
            "version": arguments["expected_version"],
            "data": arguments["data"],
        }
        return redirect("case_confirm", case_id=case.pk)
    request.session.pop(_PENDING.format(case.pk), None)
    messages.success(request, _outcome(updated, action))
    return redirect("case_detail", case_id=case.pk)


@member_required
@require_GET
def case_confirm(request, case_id: int):
    """What an irreversible step will do, before it is taken (no script: a page of its own)."""
    case = _case_or_404(request, case_id, record=None)
    pending = request.session.get(_PENDING.format(case.pk))
    if not pending or pending.get("version") != case.version:
        return redirect("case_detail", case_id=case.pk)
    policy = services.case_policy(case)
    decision_body = policy.decision_body_name(current_language()) if policy else ""
    data = pending["data"]
    return render(
        request,
        "workflow/app/case_confirm.html",
        {
            "case": case,
            "action": pending["action"],
            "label": action_label(pending["action"], decision_body),
            "version": pending["version"],
            "data": data,
            "decision_label": _status_label(data.get("decision", "")) if "decision" in data else "",
            "consequence": _consequence(pending["action"], data),
        },
    )


def _consequence(action: str, data: dict) -> str:
    """What taking `action` does that cannot be taken back, in a sentence."""
    if action == "decide":
        return _(
            "The decision «%(decision)s» is recorded and the beneficiary is told. "
            "It cannot be changed afterwards."
        ) % {"decision": _status_label(data.get("decision", ""))}
    return {
        "answer": _(
            "The case closes with this answer and the beneficiary is told. "
            "A closed case cannot be reopened."
        ),
        "register": _(
            "The beneficiary is registered for the service. The registration cannot be undone."
        ),
        "deliver": _("The service is recorded as delivered. This cannot be undone."),
        "close": _(
            "The case closes and the beneficiary is told. A closed case cannot be reopened."
        ),
        "withdraw": _("The case is withdrawn and ends. A withdrawn case cannot be reopened."),
    }[action]


def _outcome(case: Case, action: str) -> str:
    """What an action did, in the words of the case's stepper, and the next deadline."""
    text = _("Done: %(what)s. The case is now «%(status)s».") % {
        "what": EVENT_LABELS[action],
        "status": CaseStatus(case.status).label,
    }
    if case.status == CaseStatus.IN_COMMITTEE and case.committee_due_on:
        policy = services.case_policy(case)
        text += " " + _("The decision of %(body)s is due by %(date)s.") % {
            "body": policy.decision_body_name(current_language()) if policy else "",
            "date": hijri_with_gregorian(case.committee_due_on, current_language()),
        }
    return text


@member_required
@require_POST
def case_document_upload(request, case_id: int):
    case = _case_or_404(request, case_id, record=None)  # the upload records the document
    if not uploads_to(request.user, case):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            case_document_add(
                case=case,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The document was added to the case."))
            return redirect("case_detail", case_id=case.pk)
    return _case_page(request, case, status=400, document_form=form)


@member_required
@require_GET
def case_document_download(request, case_id: int, document_id: int):
    """A case's document, for members of its association only; never a public URL."""
    case = _case_or_404(request, case_id, record=None)  # the download is what is recorded
    try:
        document = selectors.case_document_get(
            actor=request.user, case=case, document_id=document_id
        )
    except CaseDocument.DoesNotExist as error:
        raise Http404 from error
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _beneficiary_or_404(request, beneficiary_id, *, record: str | None = AccessAction.VIEW):
    try:
        return selectors.beneficiary_get_for(
            actor=request.user, beneficiary_id=beneficiary_id, record=record
        )
    except Beneficiary.DoesNotExist as error:
        raise Http404 from error


def _beneficiary_page(request, beneficiary: Beneficiary, *, form=None, status: int = 200):
    user = request.user
    may_edit = edits_sensitive(user)
    if may_edit and form is None:
        form = SensitiveDetailsForm(
            initial={field: getattr(beneficiary, field) for field in SensitiveDetailsForm.FIELDS}
        )
    return render(
        request,
        "workflow/app/beneficiary_detail.html",
        {
            "beneficiary": beneficiary,
            "cases": selectors.beneficiary_cases(actor=user, beneficiary=beneficiary),
            "today": timezone.localdate(clock.now()),
            "sees_sensitive": sees_sensitive(user),
            "sensitive_form": form if may_edit else None,
        },
        status=status,
    )


@member_required
@require_GET
def beneficiary_detail(request, beneficiary_id: int):
    return _beneficiary_page(request, _beneficiary_or_404(request, beneficiary_id))


@member_required
@require_POST
def beneficiary_sensitive_update(request, beneficiary_id: int):
    """Staff record the household, health and income details the committee decides on."""
    beneficiary = _beneficiary_or_404(request, beneficiary_id, record=None)  # the update records
    if not edits_sensitive(request.user):
        raise PermissionDenied
    form = SensitiveDetailsForm(request.POST)
    if form.is_valid():
        try:
            services.beneficiary_sensitive_update(
                beneficiary_id=beneficiary.pk, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The beneficiary's details were saved."))
            return redirect("beneficiary_detail", beneficiary_id=beneficiary.pk)
    return _beneficiary_page(request, beneficiary, form=form, status=400)


CSV_SENSITIVE_COLUMNS = (
    gettext_lazy("Household details"),
    gettext_lazy("Health details"),
    gettext_lazy("Monthly income (SAR)"),
)
CSV_COLUMNS = (
    gettext_lazy("Reference"),
    gettext_lazy("Kind"),
    gettext_lazy("State"),
    gettext_lazy("Channel"),
    gettext_lazy("National ID / iqama"),
    gettext_lazy("Name"),
    gettext_lazy("Mobile"),
    gettext_lazy("Created"),
    gettext_lazy("Decision due"),
    gettext_lazy("Decided"),
)


@admin_required
@require_GET
def cases_csv(request):
    """Every case (the list's filters apply), streamed; UTF-8 with a BOM so Excel reads Arabic."""
    form = CaseFilterForm(request.GET or None, channels=selectors.case_channels())
    filters = form.filters()
    cases = selectors.case_list(actor=request.user, **filters)
    access_record(
        actor=request.user, action=AccessAction.EXPORT, object_type="case", detail=filters
    )
    english = current_language() == "en"
    association = request.association
    sensitive = sees_sensitive(request.user)
    # Translated now: the rows are written after the view returns.
    titles = [str(title) for title in (*CSV_COLUMNS, *(CSV_SENSITIVE_COLUMNS if sensitive else ()))]
    kinds = {value: str(label) for value, label in CaseKind.choices}
    states = {value: str(label) for value, label in CaseStatus.choices}

    def rows():
        # The response is streamed after the view returns: stay in this association's schema.
        with tenant_context(association):
            for case in cases.iterator(chunk_size=500):
                person = case.beneficiary
                yield (
                    case.reference,
                    kinds.get(case.kind, case.kind),
                    states.get(case.status, case.status),
                    case.channel_name_en if english else case.channel_name_ar,
                    person.national_id,
                    person.full_name,
                    person.phone,
                    timezone.localtime(case.created_at).date().isoformat(),
                    case.committee_due_on.isoformat() if case.committee_due_on else "",
                    case.decided_on.isoformat() if case.decided_on else "",
                    *(
                        (person.household_notes, person.health_notes, person.monthly_income)
                        if sensitive
                        else ()
                    ),
                )

    stamp = timezone.localdate().isoformat()
    return csv_response(csv_lines(titles, rows()), filename=f"{association.slug}-cases-{stamp}.csv")
