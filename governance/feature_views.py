"""The conflict-of-interest disclosures and their register, and the whistleblowing form, its
follow-up link and the officers' pages. HTTP only: governance.disclosures and
governance.whistleblowing hold the rules."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from common.csv_export import csv_lines, csv_response
from common.private_links import link_opens, private_link
from common.validation import errors_onto_form
from governance import disclosures, whistleblowing
from governance.forms import (
    BoardMemberForm,
    DisclosureForm,
    OfficersForm,
    ReportAnswerForm,
    ReportForm,
    ReportMessageForm,
)
from governance.models import BoardMember, InterestKind, WhistleblowingReport
from tenants.permissions import admin_required, member_required
from workflow.api import public_submission_exceeded
from workflow.public_views import submissions_refused

# --- conflict of interest ----------------------------------------------------------------


def _disclosure_page(request, *, form, history, person_name, status=200, link_token=""):
    return render(
        request,
        "governance/disclosure.html",
        {
            "form": form,
            "history": history,
            "person_name": person_name,
            "year": disclosures.disclosure_year(),
            "policy_number": disclosures.coi_policy_number(),
            "link_token": link_token,
        },
        status=status,
    )


def _disclosure_post(request, form, **person):
    """Sign from a posted form; True when signed (the errors are on the form otherwise)."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        disclosures.disclosure_sign(
            signed_name=data["signed_name"],
            declared=data["declared"],
            no_conflict=data["no_conflict"],
            interests=form.interests(),
            **person,
        )
    except ValidationError as error:
        errors_onto_form(form, error)
        return False
    messages.success(request, _("Your disclosure was signed and recorded."))
    return True


@member_required
@require_http_methods(["GET", "POST"])
def disclosure_mine(request):
    """A member's yearly disclosure: signed here, a correction signed anew."""
    form = DisclosureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _disclosure_post(request, form, member=request.user):
        return redirect("disclosure_mine")
    return _disclosure_page(
        request,
        form=form,
        history=disclosures.disclosures_of_member(request.user.email),
        person_name=request.user.full_name,
        status=400 if form.errors else 200,
    )


@private_link
@require_http_methods(["GET", "POST"])
def disclosure_board(request, token: str):
    """A board member's yearly disclosure, through the personal link an admin gave them."""
    board_member = link_opens(request, lambda: disclosures.board_member_for_token(token))
    if isinstance(board_member, HttpResponse):
        return board_member
    form = DisclosureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _disclosure_post(request, form, board_member=board_member):
        return redirect("disclosure_board", token=token)
    return _disclosure_page(
        request,
        form=form,
        history=disclosures.disclosures_of_board_member(board_member),
        person_name=board_member.full_name,
        status=400 if form.errors else 200,
        link_token=token,
    )


def _year(request) -> int:
    years = disclosures.disclosure_years()
    try:
        year = int(request.GET.get("year", years[0]))
    except ValueError as error:
        raise Http404 from error
    if year not in years:
        raise Http404
    return year


def _register_page(request, *, board_form=None, status=200):
    year = _year(request)
    rows = disclosures.disclosure_register(year=year)
    return render(
        request,
        "governance/disclosure_register.html",
        {
            "year": year,
            "years": disclosures.disclosure_years(),
            "rows": rows,
            "missing": sum(row.current is None for row in rows),
            "board_form": board_form or BoardMemberForm(),
            "board_members": disclosures.board_members_active(),
            "policy_number": disclosures.coi_policy_number(),
            "interest_kinds": dict(InterestKind.choices),
        },
        status=status,
    )


@admin_required
@require_http_methods(["GET"])
def disclosure_register(request):
    """Who disclosed what this year, and who has not yet (admins)."""
    return _register_page(request)


@admin_required
@require_http_methods(["GET"])
def disclosure_register_csv(request):
    """Every disclosure of the year, corrections included, one interest a line."""
    year = _year(request)
    kinds = dict(InterestKind.choices)
    rows = []
    for disclosure in disclosures.disclosures_of_year(year=year):
        person = (
            disclosure.board_member.email or disclosure.board_member.full_name
            if disclosure.board_member
            else disclosure.member_email
        )
        base = [
            disclosure.year,
            disclosure.signed_name,
            person,
            disclosure.role,
            disclosure.signed_at.isoformat(),
            disclosure.policy_version,
            _("Yes") if disclosure.no_conflict else _("No"),
        ]
        for interest in disclosure.interests or [{}]:
            rows.append(
                [
                    *base,
                    str(kinds.get(interest.get("kind", ""), "")),
                    interest.get("party", ""),
                    interest.get("description", ""),
                ]
            )
    titles = [
        _("Year"),
        _("Signed name"),
        _("E-mail"),
        _("Role"),
        _("Signed at"),
        _("Policy version"),
        _("No conflict"),
        _("Kind of interest"),
        _("Party"),
        _("Description"),
    ]
    return csv_response(csv_lines(titles, rows), filename=f"disclosures-{year}.csv")


@admin_required
@require_POST
def board_member_add(request):
    """Add a board member; their personal disclosure link is shown once, to pass on."""
    form = BoardMemberForm(request.POST)
    if form.is_valid():
        try:
            board_member, token = disclosures.board_member_add(
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                actor=request.user,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            _link_message(request, board_member, token)
            return redirect("disclosure_register")
    return _register_page(request, board_form=form, status=400)


def _link_message(request, board_member: BoardMember, token: str) -> None:
    link = request.association.url(reverse("disclosure_board", args=[token]))
    messages.success(
        request,
        _(
            "Give %(name)s this personal link to sign the yearly disclosure: %(url)s (it is "
            "shown once; issuing a new one stops this one)."
        )
        % {"name": board_member.full_name, "url": link},
    )


@admin_required
@require_POST
def board_member_link(request, board_member_id: int):
    """A new personal link for a board member (a lost one stops working)."""
    try:
        board_member, token = disclosures.board_member_link_issue(board_member_id=board_member_id)
    except BoardMember.DoesNotExist as error:
        raise Http404 from error
    _link_message(request, board_member, token)
    return redirect("disclosure_register")


@admin_required
@require_POST
def board_member_remove(request, board_member_id: int):
    """A board member who left the board: no longer counted as due, their link stops."""
    try:
        board_member = disclosures.board_member_remove(board_member_id=board_member_id)
    except BoardMember.DoesNotExist as error:
        raise Http404 from error
    messages.success(
        request,
        _("%(name)s is no longer asked to disclose; what they signed stays in the register.")
        % {"name": board_member.full_name},
    )
    return redirect("disclosure_register")


# --- whistleblowing ----------------------------------------------------------------------


def _follow_up_path(report: WhistleblowingReport, token: str) -> str:
    path = reverse("whistleblowing_follow_up", args=[report.reference])
    return f"{path}?{urlencode({'token': token})}"


@never_cache
@require_http_methods(["GET", "POST"])
def whistleblowing_form(request):
    """Anyone reports a concern, named or not, once the whistleblowing policy is published."""
    if not whistleblowing.whistleblowing_published():
        return render(request, "governance/whistleblowing_closed.html", status=404)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if public_submission_exceeded(request):
            return submissions_refused(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, token = whistleblowing.report_file(
                    text=data["text"], name=data["name"], contact=data["contact"]
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(
                    request,
                    _("Your report was received. Keep this page's link: it is the only way back."),
                )
                return redirect(_follow_up_path(report, token))
    return render(
        request,
        "governance/whistleblowing_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@private_link
@require_http_methods(["GET", "POST"])
def whistleblowing_follow_up(request, reference: str):
    """The reporter's private page: the officer's answers, and more information to add."""
    token = request.GET.get("token", "")
    report = link_opens(
        request, lambda: whistleblowing.report_for_token(reference=reference.strip(), token=token)
    )
    if isinstance(report, HttpResponse):
        return report
    form = ReportMessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if public_submission_exceeded(request):
            return submissions_refused(request)
        if form.is_valid():
            try:
                whistleblowing.report_add_information(report=report, text=form.cleaned_data["text"])
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Your information was added to the report."))
                return redirect(_follow_up_path(report, token))
    return render(
        request,
        "governance/whistleblowing_follow_up.html",
        {"report": report, "messages_": whistleblowing.report_messages(report), "form": form},
        status=400 if form.errors else 200,
    )


def officer_required(view):
    """Only a designated officer: for anyone else these pages do not exist (404)."""

    @wraps(view)
    @member_required
    def wrapped(request, *args, **kwargs):
        if not whistleblowing.is_officer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@officer_required
@require_http_methods(["GET"])
def whistleblowing_reports(request):
    return render(
        request,
        "governance/whistleblowing_reports.html",
        {"reports": whistleblowing.reports_for(actor=request.user)},
    )


def _report_page(request, report, *, form=None, status=200):
    return render(
        request,
        "governance/whistleblowing_report.html",
        {
            "report": report,
            "messages_": whistleblowing.report_messages(report),
            "form": form or ReportAnswerForm(),
        },
        status=status,
    )


@officer_required
@require_http_methods(["GET", "POST"])
def whistleblowing_report(request, report_id: int):
    """One report and its messages (each read recorded); the officer answers or closes it."""
    try:
        report = whistleblowing.report_get_for(actor=request.user, report_id=report_id)
    except WhistleblowingReport.DoesNotExist as error:
        raise Http404 from error
    if request.method == "GET":
        return _report_page(request, report)
    form = ReportAnswerForm(request.POST)
    if form.is_valid():
        try:
            whistleblowing.report_answer(
                actor=request.user,
                report_id=report.pk,
                text=form.cleaned_data["text"],
                close=form.cleaned_data["close"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("Saved: the reporter reads it through their link."))
            return redirect("whistleblowing_report", report_id=report.pk)
    return _report_page(request, report, form=form, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def whistleblowing_officers(request):
    """The admin designates who reads reports; admins do not read them unless designated."""
    candidates = whistleblowing.officer_candidates()
    form = OfficersForm(
        request.POST if request.method == "POST" else None,
        candidates=candidates,
        initial={"officers": [m.pk for m in candidates if m.whistleblowing_officer]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            whistleblowing.whistleblowing_officers_set(
                member_ids=form.cleaned_data["officers"], actor=request.user
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The whistleblowing officers were saved."))
            return redirect("whistleblowing_officers")
    return render(
        request,
        "governance/whistleblowing_officers.html",
        {"form": form, "officers": whistleblowing.officers_current()},
        status=400 if form.errors else 200,
    )
