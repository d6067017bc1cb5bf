"""The beneficiary's pages on the association's host: file a request, follow it, rate the service.

No sign-in: a request is followed through its private status link and a survey through its
personal link. A wrong link of any kind gives the same 404, whatever part of it is wrong.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from common.hijri import hijri_display
from common.i18n import current_language
from common.private_links import (
    link_opens,
    links_refused_bare,
    private_link,
    status_link_opens,
)
from common.ratelimit import rate_limit_retry_after
from common.validation import errors_onto_form
from publishing.selectors import WEBSITE_CHANNEL, policy_published
from workflow import policy_notice, services, surveys
from workflow.api import PUBLIC_WINDOW_SECONDS, public_submission_exceeded
from workflow.models import Case, CaseKind, CaseStatus
from workflow.public_forms import PublicRequestForm, SurveyForm, UpdatesForm

# What a beneficiary reads about their request, written in Arabic first. (Arabic, English).
STATUS_SENTENCES = {
    CaseStatus.RECEIVED: (
        "استلمنا طلبكم، ويعمل موظفو الجمعية على دراسته والتحقق من بياناته.",
        "We have received your request; the association's staff are reviewing it and checking "
        "its details.",
    ),
    CaseStatus.REFERRED: (
        "أُحيل طلبكم إلى المختص لاستيضاح بعض جوانبه، ثم يعود إلى المراجعة.",
        "Your request was referred to a specialist to clarify some points; it then returns to "
        "review.",
    ),
    # %(body)s: who decides, as the case's policy version names it.
    CaseStatus.IN_COMMITTEE: (
        "طلبكم لدى %(body)s، وستصدر قرارها في موعد أقصاه %(date)s.",
        "Your request is with %(body)s, which will decide by %(date)s.",
    ),
    "in_committee_asap": (
        "طلبكم لدى %(body)s، وستصدر قرارها في أقرب وقت ممكن.",
        "Your request is with %(body)s, which will decide as soon as possible.",
    ),
    CaseStatus.ACCEPTED: (
        "قُبل طلبكم، وسنتواصل معكم لاستكمال التسجيل وتقديم الخدمة.",
        "Your request was accepted; we will contact you to complete your registration and "
        "deliver the service.",
    ),
    CaseStatus.REJECTED: (
        "نعتذر، لم يُقبل طلبكم.",
        "We are sorry: your request was not accepted.",
    ),
    CaseStatus.REGISTERED: (
        "سُجّلتم لدى الجمعية، وتقديم الخدمة قيد الإعداد.",
        "You are registered with the association; the service is being prepared.",
    ),
    CaseStatus.SERVICE_DELIVERED: (
        "قُدّمت لكم الخدمة المطلوبة.",
        "The service you asked for was delivered.",
    ),
    CaseStatus.CLOSED: (
        "أُغلق طلبكم. شكرًا لتواصلكم مع الجمعية.",
        "Your request is closed. Thank you for contacting the association.",
    ),
    CaseStatus.WITHDRAWN: (
        "سُحب طلبكم وأُغلق دون متابعة.",
        "Your request was withdrawn and closed.",
    ),
    "answered": (
        "أُجيب عن استفساركم وأُغلق. شكرًا لتواصلكم مع الجمعية.",
        "Your enquiry was answered and closed. Thank you for contacting the association.",
    ),
}
REJECTION_REASON = ("سبب عدم القبول: %(reason)s", "The reason: %(reason)s")

# The timeline steps a beneficiary sees (anything else stays with the staff), with dates only.
PUBLIC_STEPS = {
    "open": ("استُلم الطلب", "Request received"),
    "verify": ("تُحقّق من البيانات", "Details verified"),
    "refer": ("أُحيل إلى المختص", "Referred to a specialist"),
    "answer_referral": ("عاد من الإحالة إلى المراجعة", "Back from the specialist"),
    "declare": ("وُقّع الإقرار بصحة البيانات", "Declaration signed"),
    "answer": ("أُجيب عن الاستفسار", "Enquiry answered"),
    "submit_to_committee": ("أُرسل إلى %(body)s", "Sent to %(body)s"),
    "decide:accepted": ("قرار %(body)s: مقبول", "Decision of %(body)s: accepted"),
    "decide:rejected": ("قرار %(body)s: غير مقبول", "Decision of %(body)s: not accepted"),
    "register": ("سُجّل المستفيد", "Registered"),
    "deliver": ("قُدّمت الخدمة", "Service delivered"),
    "close": ("أُغلق الطلب", "Closed"),
    "withdraw": ("سُحب الطلب", "Withdrawn"),
    "survey_answered": ("أُجيب عن استبيان الرضا", "Satisfaction survey answered"),
}


def _in_language(pair: tuple[str, str]) -> str:
    return pair[0] if current_language() == "ar" else pair[1]


def submissions_refused(request):
    """The page for an address that used up its hour's public submissions."""
    response = render(request, "workflow/public/rate_limited.html", status=429)
    response["Retry-After"] = str(rate_limit_retry_after(window_seconds=PUBLIC_WINDOW_SECONDS))
    return response


def _status_path(case: Case, token: str) -> str:
    return f"{reverse('request_status', args=[case.reference])}?{urlencode({'token': token})}"


@require_http_methods(["GET", "POST"])
def request_form(request):
    """The online request: only when the published policy lists the website channel."""
    policy = policy_published()
    if policy is None or not policy.takes_online_requests:
        channels = policy.channel_names(current_language()) if policy else []
        return render(
            request,
            "workflow/public/request_unavailable.html",
            {"published": policy is not None, "channels": channels},
            status=404,
        )
    initial = (
        {"kind": request.GET.get("kind")} if request.GET.get("kind") in CaseKind.values else {}
    )
    form = PublicRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if public_submission_exceeded(request):
            return submissions_refused(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case, token = services.case_open(
                    channel=WEBSITE_CHANNEL,
                    beneficiary=data["beneficiary"],
                    summary=data["summary"],
                    consent=data["consent"],
                    kind=data["kind"],
                    actor=None,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("Your request was sent. Note its reference and keep this page's link."),
                )
                return redirect(_status_path(case, token))
    return render(request, "workflow/public/request_form.html", {"form": form})


@private_link
@require_GET
def request_status(request, reference: str):
    """Where a request stands, in plain words, for whoever holds its private link."""
    case = status_link_opens(request, reference, services.case_status_for_token)
    if isinstance(case, HttpResponse):
        return case
    policy = services.case_policy(case)
    words = {"body": policy.decision_body_name(current_language()) if policy else ""}
    steps, decision = [], None
    for event in case.events.all():
        key = event.action
        if key == "decide":
            decision = event.data.get("decision")
            key = f"decide:{decision}"
        if key in PUBLIC_STEPS:
            label = _in_language(PUBLIC_STEPS[key])
            steps.append({"label": label % words if "%(" in label else label, "at": event.at})
    if case.status == CaseStatus.IN_COMMITTEE:
        if case.committee_due_on:
            sentence = _in_language(STATUS_SENTENCES[CaseStatus.IN_COMMITTEE]) % {
                **words,
                "date": hijri_display(case.committee_due_on),
            }
        else:
            sentence = _in_language(STATUS_SENTENCES["in_committee_asap"]) % words
    elif case.answered_at:
        sentence = _in_language(STATUS_SENTENCES["answered"])
    else:
        sentence = _in_language(STATUS_SENTENCES[CaseStatus(case.status)])
    reason = ""
    if decision == CaseStatus.REJECTED and case.decision_reason:
        reason = _in_language(REJECTION_REASON) % {"reason": case.decision_reason}
    token = request.GET.get("token", "")
    return render(
        request,
        "workflow/public/request_status.html",
        {
            "case": case,
            "kind": CaseKind(case.kind).label,
            "sentence": sentence,
            "reason": reason,
            "steps": steps,
            "expected": _expected_reply(case, policy, words["body"]),
            "status_url": request.build_absolute_uri(_status_path(case, token)),
        },
    )


def _expected_reply(case: Case, policy, body: str) -> dict | None:
    """When the beneficiary may expect a decision, by the deadline the case's version publishes:
    the due date once the case is with the decision body, else the promise that starts then."""
    if case.decided_on or not case.is_open or case.kind != CaseKind.REQUEST:
        return None
    if case.committee_due_on:
        return {"date": case.committee_due_on}
    if case.submitted_on or policy is None or policy.deadline_kind == "asap":
        return {"text": _("%(body)s decides as soon as possible.") % {"body": body}}
    days = policy.deadline_days
    text = (
        ngettext(
            "Once your file is complete and sent to %(body)s, it decides within %(days)s working "
            "day; this page will then show the date.",
            "Once your file is complete and sent to %(body)s, it decides within %(days)s working "
            "days; this page will then show the date.",
            days,
        )
        if policy.deadline_kind == "working"
        else ngettext(
            "Once your file is complete and sent to %(body)s, it decides within %(days)s day; "
            "this page will then show the date.",
            "Once your file is complete and sent to %(body)s, it decides within %(days)s days; "
            "this page will then show the date.",
            days,
        )
    )
    return {"text": text % {"body": body, "days": days}}


@private_link
@require_GET
def request_short_link(request, token: str):
    """The short link in the text message: to the request's status page."""
    case = link_opens(request, lambda: services.case_for_token(token=token))
    if isinstance(case, HttpResponse):
        return case
    return redirect(_status_path(case, token))


@private_link
@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    """The satisfaction survey: answered once, before its link expires."""
    found = link_opens(request, lambda: surveys.survey_for_token(token))
    if isinstance(found, HttpResponse):
        return found
    if found.answered_at is not None:
        return render(request, "workflow/public/survey_thanks.html", {"survey": found})
    if surveys.survey_is_expired(found):
        return render(request, "workflow/public/survey_expired.html", {"survey": found}, status=410)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.survey_answer(survey=found, **form.cleaned_data)
        except surveys.SurveyClosed:
            # Answered or expired meanwhile (another tab): the page says which.
            return redirect(request.path)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return redirect(request.path)
    return render(request, "workflow/public/survey_form.html", {"form": form, "survey": found})


@require_http_methods(["GET", "POST"])
def policy_updates(request):
    """«Tell me of updates»: whoever leaves a Saudi mobile or an e-mail address, with consent,
    is told of each new version of the policy (workflow.policy_notice)."""
    if policy_published() is None:
        raise Http404
    form = UpdatesForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if public_submission_exceeded(request):
            return submissions_refused(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                policy_notice.update_subscribe(
                    phone=data["phone"],
                    email=data["email"],
                    language=current_language(),
                    consent=data["consent"] is True,
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Almost done: open the link we sent to confirm. Until then you are told "
                        "nothing, and without it the number or address is deleted in 7 days."
                    ),
                )
                return redirect("policy_updates")
    return render(
        request,
        "workflow/public/policy_updates.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def policy_updates_confirm(request, token: str):
    """The link sent to a new subscriber: one button (a link scanner's GET confirms nothing),
    and the address is told of the next versions. Wrong links count against the address."""
    subscriber = link_opens(
        request,
        lambda: policy_notice.update_subscriber_for_confirm_token(token),
        refused=links_refused_bare,
    )
    if isinstance(subscriber, HttpResponse):
        return subscriber
    if request.method == "POST":
        policy_notice.update_confirm(subscriber=subscriber)
        messages.success(request, _("Confirmed: you will be told of each new version."))
        return redirect("policy_updates")
    return render(request, "workflow/public/policy_updates_confirm.html")


@require_http_methods(["GET", "POST"])
def policy_updates_stop(request, token: str):
    """The link in a notice's e-mail: one button, and no more notices to that address."""
    email = link_opens(
        request, lambda: policy_notice.email_for_stop_token(token), refused=links_refused_bare
    )
    if isinstance(email, HttpResponse):
        return email
    if request.method == "POST":
        policy_notice.update_unsubscribe(email=email)
        messages.success(request, _("Done: no more notices go to this address."))
        return redirect(request.path)
    response = render(request, "workflow/public/policy_updates_stop.html")
    add_never_cache_headers(response)
    return response
