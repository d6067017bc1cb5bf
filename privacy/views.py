"""Privacy screens: the public notice, the admins' settings, data-subject requests, consent
withdrawal and legal holds. They parse, call one service or selector, and render.

Who handles requests: beneficiary relations staff and admins, the members who open cases and
already see the people's details. Committee and referral members see only the cases put to
them and do not verify identities. Legal holds, the notice and retention are admins' choices.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import PolicyKind
from common import clock
from common.i18n import current_language
from common.validation import errors_onto_form
from privacy import selectors
from privacy import subject_requests as services
from privacy.consent import consent_withdraw
from privacy.export import subject_archive, subject_data, subject_report_html
from privacy.forms import (
    ConsentWithdrawForm,
    CorrectionForm,
    HoldForm,
    NoticeForm,
    OutcomeForm,
    PublishForm,
    ReasonForm,
    RequestForm,
    RetentionForm,
    VerifyForm,
)
from privacy.holds import legal_hold_release, legal_hold_set
from privacy.models import DataSubjectRequest, LegalHold, RequestKind, RequestStatus
from privacy.notice import (
    NoticeConflict,
    association_snapshot,
    notice_draft_ensure,
    notice_draft_update,
    notice_publish,
    notice_sections,
)
from privacy.permissions import handler_required
from privacy.retention import retention_rule_set
from publishing.retention import retention_lines
from publishing.selectors import kind_version_latest
from tenants.permissions import admin_required
from workflow.models import Beneficiary

# --- The public notice -----------------------------------------------------------------------


@require_GET
def notice_page(request, number: int | None = None):
    latest = selectors.notice_latest()
    version = latest if number is None else selectors.notice_version_get(number=number)
    if version is None:
        raise Http404
    language = current_language()
    association = version.content.get("association") or {}
    retention = selectors.retention_in_force()
    return render(
        request,
        "privacy/notice.html",
        {
            "version": version,
            # Where the notice and the policies overlap, they print the same data.
            "retention": retention,
            "retention_lines": retention_lines(retention.periods or {}, language),
            "data_privacy": kind_version_latest(PolicyKind.DATA_PRIVACY),
            "is_current": version.number == latest.number,
            "sections": notice_sections(version.content, language),
            "name": association.get(f"name_{language}") or association.get("name_ar", ""),
            "versions": selectors.notice_versions(),
        },
    )


# --- Admins' settings: the notice and retention ------------------------------------------------


def _settings_page(request, *, notice_form=None, retention_form=None, status=200):
    draft = notice_draft_ensure()
    rule = selectors.retention_rule_get()
    in_force = selectors.retention_in_force()
    notice_form = notice_form or NoticeForm(
        initial={"body_ar": draft.body_ar, "body_en": draft.body_en, "revision": draft.revision}
    )
    retention_form = retention_form or RetentionForm(initial={"years": rule.years or ""})
    content = {"body_ar": draft.body_ar, "body_en": draft.body_en}
    content["association"] = association_snapshot()
    return render(
        request,
        "privacy/settings.html",
        {
            "draft": draft,
            "notice_form": notice_form,
            "publish_form": PublishForm(initial={"revision": draft.revision}),
            "preview": notice_sections(content, current_language()),
            "latest": selectors.notice_latest(),
            "versions": selectors.notice_versions(),
            "rule": rule,
            "retention_policy": in_force.policy_number,
            "retention_lines": retention_lines(in_force.periods or {}, current_language()),
            "retention_form": retention_form,
            "runs": selectors.retention_runs(),
        },
        status=status,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def privacy_settings(request):
    if request.method == "GET":
        return _settings_page(request)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            notice_draft_update(
                body_ar=form.cleaned_data["body_ar"],
                body_en=form.cleaned_data["body_en"],
                actor_email=request.user.email,
                revision=form.cleaned_data["revision"],
            )
        except NoticeConflict:
            messages.error(
                request, _("Someone else changed the notice meanwhile. Review it and save again.")
            )
            return redirect("privacy_settings")
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The privacy notice draft was saved."))
            return redirect("privacy_settings")
    return _settings_page(request, notice_form=form, status=400)


@admin_required
@require_POST
def privacy_notice_publish(request):
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This action could not be read. Reload the page and retry."))
        return redirect("privacy_settings")
    try:
        version = notice_publish(
            actor_email=request.user.email, revision=form.cleaned_data["revision"]
        )
    except NoticeConflict:
        messages.error(
            request, _("Someone else changed the notice meanwhile. Review it and publish again.")
        )
        return redirect("privacy_settings")
    messages.success(
        request,
        _("Version %(number)s of the privacy notice is published.") % {"number": version.number},
    )
    return redirect("privacy_settings")


@admin_required
@require_POST
def privacy_retention(request):
    form = RetentionForm(request.POST)
    if form.is_valid():
        try:
            rule = retention_rule_set(
                years=form.cleaned_data["years"].strip(), actor_email=request.user.email
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            if rule.years:
                message = ngettext(
                    "Retention rule saved: %(years)s year.",
                    "Retention rule saved: %(years)s years.",
                    rule.years,
                ) % {"years": rule.years}
            else:
                message = _("The retention rule is off.")
            messages.success(request, message)
            return redirect("privacy_settings")
    return _settings_page(request, retention_form=form, status=400)


# --- Data-subject requests ---------------------------------------------------------------------


def _request_or_404(request_id) -> DataSubjectRequest:
    try:
        return selectors.subject_request_get(request_id=request_id)
    except DataSubjectRequest.DoesNotExist as error:
        raise Http404 from error


@handler_required
@require_GET
def request_list(request):
    today = timezone.localdate(clock.now())
    return render(
        request,
        "privacy/request_list.html",
        {
            "clocks": selectors.request_clocks(today=today),
            "answered": selectors.subject_requests_answered(),
            "today": today,
        },
    )


@handler_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dsr = services.subject_request_record(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request,
                _("Request no. %(number)s was recorded. It must be answered by %(date)s.")
                % {"number": dsr.pk, "date": dsr.due_on.isoformat()},
            )
            return redirect("privacy_request", request_id=dsr.pk)
    return render(
        request, "privacy/request_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _request_page(
    request, dsr: DataSubjectRequest, *, forms: dict | None = None, status: int = 200
):
    forms = forms or {}
    today = timezone.localdate(clock.now())
    context = {
        "dsr": dsr,
        "days_left": (dsr.due_on - today).days,
        "events": list(dsr.events.all()),
        "verify_form": forms.get("verify") or VerifyForm(),
        "extend_form": forms.get("extend") or ReasonForm(auto_id="extend_%s"),
        "refuse_form": forms.get("refuse") or ReasonForm(auto_id="refuse_%s"),
        "complete_form": forms.get("complete") or OutcomeForm(),
        "errors": forms.get("errors"),
        "holds": selectors.holds_active(beneficiary_id=dsr.beneficiary_id)
        if dsr.beneficiary_id
        else [],
        "anonymisation": selectors.anonymisation_of(beneficiary_id=dsr.beneficiary_id)
        if dsr.beneficiary_id
        else None,
    }
    return render(request, "privacy/request_detail.html", context, status=status)


@handler_required
@require_GET
def request_detail(request, request_id: int):
    return _request_page(request, _request_or_404(request_id))


def _act(request, request_id, *, form_class, name: str, service, success: str, auto_id="id_%s"):
    """One action on a request from its page: parse the form, call the service, show the result."""
    dsr = _request_or_404(request_id)
    form = form_class(request.POST, auto_id=auto_id)
    if form.is_valid():
        try:
            service(dsr=dsr, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, success)
            return redirect("privacy_request", request_id=dsr.pk)
    messages.error(request, _("Nothing was saved: correct the form below."))
    # Also at the top: the form may be one the request's new state no longer shows.
    problems = [message for errors in form.errors.values() for message in errors]
    return _request_page(request, dsr, forms={name: form, "errors": problems}, status=400)


@handler_required
@require_POST
def request_verify(request, request_id: int):
    return _act(
        request,
        request_id,
        form_class=VerifyForm,
        name="verify",
        service=services.subject_request_verify,
        success=_("The person's identity was verified and matched to the beneficiary."),
    )


@handler_required
@require_POST
def request_extend(request, request_id: int):
    return _act(
        request,
        request_id,
        form_class=ReasonForm,
        name="extend",
        service=services.subject_request_extend,
        success=_(
            "The answer was extended by 30 days. The person is told the new date and the "
            "reason, by SMS or e-mail where the request or their file gives one."
        ),
        auto_id="extend_%s",
    )


@handler_required
@require_POST
def request_refuse(request, request_id: int):
    return _act(
        request,
        request_id,
        form_class=ReasonForm,
        name="refuse",
        service=services.subject_request_refuse,
        success=_("The request was refused with its reason."),
        auto_id="refuse_%s",
    )


@handler_required
@require_POST
def request_complete(request, request_id: int):
    return _act(
        request,
        request_id,
        form_class=OutcomeForm,
        name="complete",
        service=services.subject_request_complete,
        success=_("The request was answered."),
    )


@handler_required
@require_POST
def request_delete(request, request_id: int):
    """Carry out a deletion request: erased, or refused with the reason shown."""
    dsr = _request_or_404(request_id)
    try:
        result = services.subject_request_delete(dsr=dsr, actor=request.user)
    except ValidationError as error:
        return _request_page(request, dsr, forms={"errors": error.messages}, status=400)
    if result.done:
        messages.success(request, _("The beneficiary's personal data was erased."))
    else:
        messages.error(
            request, _("The deletion was refused: %(reason)s") % {"reason": result.refusal}
        )
    return redirect("privacy_request", request_id=dsr.pk)


@handler_required
@require_http_methods(["GET", "POST"])
def request_correct(request, request_id: int):
    dsr = _request_or_404(request_id)
    if dsr.kind != RequestKind.CORRECTION or dsr.status != RequestStatus.VERIFIED:
        raise Http404
    person = dsr.beneficiary
    initial = {field: getattr(person, field) or "" for field in services.CORRECTABLE}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.subject_request_correct(
                dsr=dsr, data=form.cleaned_data, actor=request.user
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request,
                _("Corrected: %(fields)s.")
                % {
                    "fields": ", ".join(
                        str(Beneficiary._meta.get_field(field).verbose_name) for field in changes
                    )
                },
            )
            return redirect("privacy_request", request_id=dsr.pk)
    return render(
        request,
        "privacy/request_correct.html",
        {"dsr": dsr, "form": form},
        status=400 if form.errors else 200,
    )


@handler_required
@require_GET
def request_export(request, request_id: int):
    """The person's data as one ZIP, streamed; each download is noted on the request."""
    dsr = _request_or_404(request_id)
    try:
        services.subject_request_download_record(dsr=dsr, actor=request.user)
    except ValidationError as error:
        raise Http404 from error
    data, files = subject_data(beneficiary=dsr.beneficiary)
    report = subject_report_html(data=data, association=request.association)
    # Everything read from the database is read now; the stream only reads the files.
    response = StreamingHttpResponse(
        subject_archive(data=data, report_html=report, files=files), content_type="application/zip"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="data-request-{dsr.pk}-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Consent withdrawal and legal holds (from the beneficiary and case pages) -----------------


def _beneficiary_or_404(beneficiary_id) -> Beneficiary:
    try:
        return selectors.beneficiary_get(beneficiary_id=beneficiary_id)
    except Beneficiary.DoesNotExist as error:
        raise Http404 from error


def _back(beneficiary: Beneficiary, case_id=None):
    """Back to the case page the form was on (one of this person's), else theirs."""
    if case_id and beneficiary.cases.filter(pk=case_id).exists():
        return redirect("case_detail", case_id=case_id)
    return redirect("beneficiary_detail", beneficiary_id=beneficiary.pk)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@handler_required
@require_POST
def consent_withdraw_view(request, beneficiary_id: int):
    beneficiary = _beneficiary_or_404(beneficiary_id)
    form = ConsentWithdrawForm(request.POST)
    if form.is_valid():
        try:
            records = consent_withdraw(
                beneficiary=beneficiary,
                actor=request.user,
                channel=form.cleaned_data["channel"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Consent withdrawn (%(n)s record). Open cases can now only be closed "
                    "or withdrawn.",
                    "Consent withdrawn (%(n)s records). Open cases can now only be closed "
                    "or withdrawn.",
                    len(records),
                )
                % {"n": len(records)},
            )
    _form_errors(request, form)
    return _back(beneficiary, form.cleaned_data.get("case") if form.is_bound else None)


@admin_required
@require_POST
def hold_set(request, beneficiary_id: int):
    beneficiary = _beneficiary_or_404(beneficiary_id)
    form = HoldForm(request.POST)
    if form.is_valid():
        try:
            legal_hold_set(
                beneficiary=beneficiary, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request, _("Legal hold set: this beneficiary's data cannot be deleted.")
            )
    _form_errors(request, form)
    return _back(beneficiary)


@admin_required
@require_POST
def hold_release(request, hold_id: int):
    try:
        hold = selectors.hold_get(hold_id=hold_id)
    except LegalHold.DoesNotExist as error:
        raise Http404 from error
    try:
        legal_hold_release(hold=hold, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The legal hold was released."))
    return redirect("beneficiary_detail", beneficiary_id=hold.beneficiary_id)
