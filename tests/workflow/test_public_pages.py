"""The beneficiary's pages on the association's host: /request/, its status link, /survey/."""

from __future__ import annotations

import datetime
import html
import re
import secrets

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from common.hijri import hijri_with_gregorian
from publishing.selectors import policy_published
from tests.helpers import BENEFICIARY, POLICY, REQUEST_FORM, client_for, publish
from workflow import services, surveys
from workflow.models import Beneficiary, Case, CaseEvent, CaseStatus, Survey
from workflow.tokens import token_hash

ANSWER = {"score": "4", "deadline_kept": "yes", "staff_courteous": "no", "comment": "شكرًا"}
SECRET_NOTE = "ملاحظة داخلية لا يراها المستفيد"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The rate limit counts in the cache, which outlives each test's rolled-back transaction.
    cache.clear()
    yield
    cache.clear()


def page(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, field: str) -> str:
    """The error text shown under one field of the form (empty when it has none)."""
    match = re.search(rf'id="id_{field}-errors">(.*?)</div>', page(response), re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def altered(token: str) -> str:
    return token[:-1] + ("y" if token.endswith("x") else "x")


def file_request(client, lang="ar", **changes):
    data = {**REQUEST_FORM, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/request/?lang={lang}", data)


def in_schema(tenant):
    return schema_context(tenant.association.schema_name)


def counts(tenant) -> tuple[int, int, int]:
    with in_schema(tenant):
        return Case.objects.count(), Beneficiary.objects.count(), CaseEvent.objects.count()


def status_path(response) -> str:
    assert response.status_code == 302, page(response)[:2000]
    assert re.fullmatch(
        r"/request/[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}/\?token=[\w-]+", response.url
    )
    return response.url


def act(tenant, case, action, email=None, **data):
    with in_schema(tenant):
        actor = User.objects.get(email=email or tenant.staff_email)
        return services.case_transition(case_id=case.pk, actor=actor, action=action, data=data)


# --- filing a request ------------------------------------------------------------------------


def test_filed_request_opens_a_website_case_and_shows_its_reference_and_private_link(
    alpha, alpha_policy
):
    client = client_for(alpha)
    form = client.get("/request/")
    assert form.status_code == 200
    assert 'dir="rtl"' in page(form)
    for name in ("national_id", "full_name", "phone", "email", "city", "summary", "consent"):
        assert f'name="{name}"' in page(form)
    assert 'href="/policy/"' in page(form)  # the consent sentence links to the policy

    response = file_request(client)
    path = status_path(response)
    with in_schema(alpha):
        case = Case.objects.select_related("beneficiary").get()
        assert path.startswith(f"/request/{case.reference}/")
        assert case.channel_code == "website"
        website = next(c for c in policy_published().content["channels"] if c["code"] == "website")
        assert (case.channel_name_ar, case.channel_name_en) == (
            website["name_ar"],
            website["name_en"],
        )
        assert case.kind == "request"
        assert case.status == CaseStatus.RECEIVED
        assert case.consent_given_at is not None
        assert case.summary == REQUEST_FORM["summary"]
        assert case.beneficiary.national_id == "1000000008"
        assert case.beneficiary.phone == "+966512345678"
        opened = case.events.get()
        assert (opened.action, opened.actor_email) == ("open", "")
        assert opened.data["consent"] is True and opened.data["channel"] == "website"

    status = client.get(path)
    text = page(status)
    assert status.status_code == 200
    assert f'<bdi dir="ltr">{case.reference}</bdi>' in text
    assert "استلمنا طلبكم" in text
    assert f'value="http://alpha.localhost{path}"' in text  # the link to keep, ready to copy
    assert "no-store" in status["Cache-Control"]
    assert status["Referrer-Policy"] == "same-origin"  # the link never leaves the site


def test_a_complaint_from_a_returning_beneficiary_joins_their_record(alpha, alpha_policy):
    client = client_for(alpha)
    status_path(file_request(client))
    form = client.get("/request/?kind=complaint")
    assert re.search(r'value="complaint"[^>]*checked', page(form))
    # The same person, typing the ID in Arabic-Indic digits and with spaces.
    response = file_request(
        client, kind="complaint", national_id="١٠٠٠ ٠٠٠٠ ٠٨", summary="تأخر الرد"
    )
    status_path(response)
    with in_schema(alpha):
        assert Beneficiary.objects.count() == 1
        assert sorted(Case.objects.values_list("kind", flat=True)) == ["complaint", "request"]
    assert "Complaint" in page(client.get(response.url + "&lang=en"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"national_id": "1000000000"}, "national_id", "check digit is wrong: a digit is probably"),
        ({"national_id": "3000000004"}, "national_id", "starts with 1"),
        ({"phone": "0112345678"}, "phone", "Enter a mobile number such as 0512345678."),
        ({"phone": "12345"}, "phone", "This phone number is not valid."),
        ({"consent": None}, "consent", "Your consent to the processing of your data is needed"),
        ({"summary": "x" * (1024 * 1024)}, "summary", "at most 5000 characters"),
        ({"summary": "   "}, "summary", "This field is required."),
        ({"full_name": "محمد\x00أحمد"}, "full_name", "Null characters are not allowed."),
        ({"summary": "طلب\x00"}, "summary", "Null characters are not allowed."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"kind": "praise"}, "kind", "Select a valid choice."),
    ],
)
def test_bad_input_is_named_on_its_field_and_files_nothing(
    alpha, alpha_policy, changes, field, message
):
    client = client_for(alpha)
    before = counts(alpha)
    response = file_request(client, lang="en", **changes)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert "Your request was not sent" in page(response)
    assert counts(alpha) == before
    if field != "full_name":  # what they typed is still there: nothing to type again
        assert 'value="محمد أحمد"' in page(response)


def test_an_empty_submission_names_every_required_field(alpha, alpha_policy):
    response = client_for(alpha).post("/request/?lang=en", {})
    assert response.status_code == 200
    for field in ("national_id", "full_name", "phone", "summary", "consent"):
        assert field_errors(response, field), field
    assert counts(alpha)[0] == 0


def test_every_problem_is_named_at_once(alpha, alpha_policy):
    response = file_request(
        client_for(alpha), lang="en", national_id="1000000000", phone="0112345678", consent=None
    )
    assert "check digit" in field_errors(response, "national_id")
    assert "mobile number" in field_errors(response, "phone")
    assert "consent" in field_errors(response, "consent")
    assert field_errors(response, "full_name") == ""
    assert counts(alpha)[0] == 0


def test_emoji_and_right_to_left_marks_in_the_name_are_kept(alpha, alpha_policy):
    name = "\u200fمحمد 🌙 أحمد\u200f"
    status_path(file_request(client_for(alpha), full_name=name))
    with in_schema(alpha):
        assert Beneficiary.objects.get().full_name == name


def test_without_the_website_channel_the_form_is_a_clear_404_and_files_nothing(alpha):
    publish(alpha, data={**POLICY, "channels": ["interview", "phone"]})
    client = client_for(alpha)
    response = client.get("/request/?lang=en")
    assert response.status_code == 404
    text = page(response)
    assert "Online requests are not open" in text
    assert "does not take requests through its website" in text
    with in_schema(alpha):
        for channel in policy_published().content["channels"]:
            assert channel["name_en"] in text
    assert file_request(client).status_code == 404
    assert counts(alpha) == (0, 0, 0)


def test_before_any_publication_the_form_is_a_404_and_files_nothing(alpha, beta, alpha_policy):
    # Alpha publishes the website channel; beta has published nothing.
    client = client_for(beta)
    response = client.get("/request/?lang=en")
    assert response.status_code == 404
    assert "has not published" in page(response)
    assert file_request(client).status_code == 404
    assert counts(beta) == (0, 0, 0)


def test_eleventh_submission_in_an_hour_is_refused_with_429_and_files_nothing(
    alpha, alpha_policy, clock
):
    client = client_for(alpha)
    for _ in range(10):
        status_path(client.post("/request/", REQUEST_FORM, REMOTE_ADDR="10.1.1.1"))
    response = client.post("/request/?lang=en", REQUEST_FORM, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert "Too many attempts" in page(response)
    # The window is the clock hour: at 09:30 it ends in half an hour, at 09:59:59 in a second.
    assert response["Retry-After"] == "1800"
    clock.at = clock.at.replace(minute=59, second=59)
    response = client.post("/request/", REQUEST_FORM, REMOTE_ADDR="10.1.1.1")
    assert (response.status_code, response["Retry-After"]) == (429, "1")
    assert counts(alpha)[0] == 10
    # Reading the form is not counted; another address is not limited by this one.
    assert client.get("/request/", REMOTE_ADDR="10.1.1.1").status_code == 200
    status_path(client.post("/request/", REQUEST_FORM, REMOTE_ADDR="10.2.2.2"))


def test_failed_submissions_count_towards_the_limit(alpha, alpha_policy):
    client = client_for(alpha)
    for _ in range(10):
        assert file_request(client, national_id="1000000000").status_code == 200
    assert file_request(client).status_code == 429
    assert counts(alpha)[0] == 0


# --- the status page -------------------------------------------------------------------------


@pytest.fixture
def filed(alpha, alpha_policy):
    """A request filed online: its case and its private status path."""
    path = status_path(file_request(client_for(alpha)))
    with in_schema(alpha):
        return Case.objects.get(), path


def test_status_page_follows_the_case_in_plain_arabic_without_staff_details(alpha, filed):
    case, path = filed
    client = client_for(alpha)
    admin = alpha.admin_email
    act(alpha, case, "refer", role="social_researcher", note=SECRET_NOTE)
    assert "أُحيل طلبكم إلى المختص" in page(client.get(path))
    act(alpha, case, "answer_referral", email=admin, note=SECRET_NOTE)
    act(alpha, case, "verify")
    act(alpha, case, "declare", signed_by="محمد أحمد")
    case = act(alpha, case, "submit_to_committee")
    due = hijri_with_gregorian(case.committee_due_on, "ar")
    text = page(client.get(path))
    assert f"طلبكم لدى لجنة البحث، وستصدر قرارها في موعد أقصاه {due}." in text
    act(alpha, case, "decide", email=admin, decision="rejected", reason="الدخل يتجاوز الحد")
    text = page(client.get(path))
    assert "نعتذر، لم يُقبل طلبكم." in text
    assert "سبب عدم القبول: الدخل يتجاوز الحد" in text
    act(alpha, case, "close")
    text = page(client.get(path))
    assert "أُغلق طلبكم." in text
    assert "سبب عدم القبول: الدخل يتجاوز الحد" in text
    steps = re.findall(r"<li>(.*?) — ", text)
    assert steps == [
        "استُلم الطلب", "أُحيل إلى المختص", "عاد من الإحالة إلى المراجعة", "تُحقّق من البيانات",
        "وُقّع الإقرار بصحة البيانات", "أُرسل إلى لجنة البحث", "قرار لجنة البحث: غير مقبول", "أُغلق الطلب",
    ]  # fmt: skip
    for secret in (SECRET_NOTE, alpha.staff_email, alpha.admin_email, "social_researcher"):
        assert secret not in text
    for personal in ("1000000008", "512345678", "mohammed@example.com", REQUEST_FORM["summary"]):
        assert personal not in text


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (CaseStatus.RECEIVED, "استلمنا طلبكم"),
        (CaseStatus.REFERRED, "أُحيل طلبكم إلى المختص"),
        (CaseStatus.IN_COMMITTEE, "وستصدر قرارها في أقرب وقت ممكن"),  # no due date: "asap"
        (CaseStatus.ACCEPTED, "قُبل طلبكم، وسنتواصل معكم"),
        (CaseStatus.REJECTED, "نعتذر، لم يُقبل طلبكم."),
        (CaseStatus.REGISTERED, "سُجّلتم لدى الجمعية"),
        (CaseStatus.SERVICE_DELIVERED, "قُدّمت لكم الخدمة المطلوبة."),
        (CaseStatus.CLOSED, "أُغلق طلبكم."),
        (CaseStatus.WITHDRAWN, "سُحب طلبكم"),
    ],
)
def test_every_status_has_its_sentence(alpha, filed, status, sentence):
    case, path = filed
    with in_schema(alpha):
        Case.objects.filter(pk=case.pk).update(status=status)
    response = client_for(alpha).get(path)
    assert response.status_code == 200
    assert sentence in page(response)


def test_status_page_speaks_english_on_request(alpha, filed):
    _case, path = filed
    text = page(client_for(alpha).get(path + "&lang=en"))
    assert 'dir="ltr"' in text
    assert "We have received your request" in text
    assert "استلمنا طلبكم" not in text


def test_a_wrong_token_or_reference_gives_the_same_404(alpha, filed):
    case, path = filed
    token = path.split("token=")[1]
    client = client_for(alpha)
    other = "ABCD-EFGH" if case.reference != "ABCD-EFGH" else "ABCD-EFGJ"
    responses = [
        client.get(f"/request/{case.reference}/?token={altered(token)}"),
        client.get(f"/request/{case.reference}/"),
        client.get(f"/request/{other}/?token={token}"),
        client.get(f"/request/{case.reference}/?token={'a' * 5000}"),
    ]
    assert [r.status_code for r in responses] == [404] * 4
    # Alike but for the language switcher, which links to the very address asked for.
    assert len({re.sub(r'href="[^"]*lang=en"', "", page(r)) for r in responses}) == 1
    assert case.reference not in page(responses[0]).split("<main")[1]


def test_alphas_status_link_opens_nothing_on_betas_host(alpha, beta, filed):
    _case, path = filed
    response = client_for(beta).get(path)
    assert response.status_code == 404
    assert "استلمنا طلبكم" not in page(response)


# --- the satisfaction survey -----------------------------------------------------------------


def closed_with_survey(tenant, *, channel="interview", expires_in=datetime.timedelta(days=30)):
    """A closed case and its survey's personal token."""
    token = secrets.token_urlsafe(24)
    with in_schema(tenant):
        case, _ = services.case_open(
            channel=channel, beneficiary=BENEFICIARY, summary="طلب", consent=True, actor=None
        )
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
        survey = Survey.objects.create(
            case=case, token_hash=token_hash(token), expires_at=timezone.now() + expires_in
        )
    return survey, token


def test_survey_link_from_the_closing_email_takes_one_answer(
    alpha, filed, mailoutbox, tasks_inline
):
    case, path = filed
    admin = alpha.admin_email
    for action, email, data in [
        ("verify", None, {}),
        ("declare", None, {"signed_by": "محمد أحمد"}),
        ("submit_to_committee", None, {}),
        ("decide", admin, {"decision": "accepted"}),
        ("register", None, {}),
        ("deliver", None, {"note": SECRET_NOTE}),
        ("close", None, {}),
    ]:
        act(alpha, case, action, email=email, **data)
    survey_path = re.search(r"/survey/[\w-]+/", mailoutbox[-1].body).group(0)
    client = client_for(alpha)

    form = client.get(survey_path)
    assert form.status_code == 200
    text = page(form)
    assert f'<bdi dir="ltr">{case.reference}</bdi>' in text
    assert len(re.findall(r'type="radio" name="score"', text)) == 5
    # Not "no-referrer": browsers would then post with "Origin: null" and CSRF would refuse it.
    assert form["Referrer-Policy"] == "same-origin"
    assert "no-store" in form["Cache-Control"]

    response = client.post(survey_path, ANSWER)
    assert response.status_code == 302 and response.url == survey_path
    thanks = client.get(survey_path + "?lang=en")
    assert thanks.status_code == 200
    assert "Your answers were recorded" in page(thanks)
    assert "<form" not in page(thanks).split("<main")[1]
    with in_schema(alpha):
        survey = Survey.objects.get(case=case)
        assert survey.answered_at is not None
        assert (survey.score, survey.deadline_kept, survey.staff_courteous, survey.comment) == (
            4, True, False, "شكرًا"
        )  # fmt: skip
        event = case.events.get(action="survey_answered")
        assert event.actor_email == ""
    assert "أُجيب عن استبيان الرضا" in page(client_for(alpha).get(path))


def test_a_second_answer_is_refused_and_changes_nothing(alpha, alpha_policy):
    survey, token = closed_with_survey(alpha)
    client = client_for(alpha)
    assert client.post(f"/survey/{token}/", ANSWER).status_code == 302
    again = client.post(f"/survey/{token}/?lang=en", {**ANSWER, "score": "1", "comment": "سيئ"})
    assert again.status_code == 200
    assert "cannot be changed" in page(again)
    with in_schema(alpha):
        survey.refresh_from_db()
        assert (survey.score, survey.comment) == (4, "شكرًا")
        assert survey.case.events.filter(action="survey_answered").count() == 1


def test_the_service_refuses_a_second_answer_even_through_a_stale_copy(alpha, alpha_policy):
    survey, _token = closed_with_survey(alpha)
    with in_schema(alpha):
        stale = Survey.objects.get(pk=survey.pk)
        answer = {"score": 5, "deadline_kept": True, "staff_courteous": True}
        surveys.survey_answer(survey=survey, **answer)
        with pytest.raises(surveys.SurveyClosed) as refused:
            surveys.survey_answer(survey=stale, **{**answer, "score": 1})
        assert refused.value.code == "answered"
        assert Survey.objects.get(pk=survey.pk).score == 5


def test_an_expired_survey_is_a_clear_page_and_takes_no_answer(alpha, alpha_policy):
    survey, token = closed_with_survey(alpha, expires_in=datetime.timedelta(seconds=-1))
    client = client_for(alpha)
    response = client.get(f"/survey/{token}/?lang=en")
    assert response.status_code == 410
    assert "This survey has closed" in page(response)
    assert "<form" not in page(response).split("<main")[1]
    assert client.post(f"/survey/{token}/", ANSWER).status_code == 410
    with in_schema(alpha):
        survey.refresh_from_db()
        assert survey.answered_at is None and survey.score is None
        with pytest.raises(surveys.SurveyClosed) as refused:
            surveys.survey_answer(survey=survey, score=3, deadline_kept=True, staff_courteous=True)
        assert refused.value.code == "expired"
        assert not CaseEvent.objects.filter(action="survey_answered").exists()


def test_a_wrong_survey_token_and_alphas_token_on_betas_host_are_404(alpha, beta, alpha_policy):
    _survey, token = closed_with_survey(alpha)
    assert client_for(alpha).get(f"/survey/{altered(token)}/").status_code == 404
    assert client_for(alpha).get(f"/survey/{'x' * 300}/").status_code == 404
    on_beta = client_for(beta)
    assert on_beta.get(f"/survey/{token}/").status_code == 404
    assert on_beta.post(f"/survey/{token}/", ANSWER).status_code == 404
    with in_schema(alpha):
        assert Survey.objects.get().answered_at is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"score": None}, "score", "Choose a score from 1 to 5."),
        ({"score": "6"}, "score", "Choose a score from 1 to 5."),
        ({"score": "ممتاز"}, "score", "Choose a score from 1 to 5."),
        ({"deadline_kept": None}, "deadline_kept", "was the promised time kept?"),
        ({"staff_courteous": "maybe"}, "staff_courteous", "were the staff courteous?"),
        ({"comment": "ا" * 2001}, "comment", "at most 2000 characters"),
        ({"comment": "جيد\x00"}, "comment", "Null characters are not allowed."),
    ],
)
def test_bad_survey_answers_are_named_and_nothing_is_saved(
    alpha, alpha_policy, changes, field, message
):
    survey, token = closed_with_survey(alpha)
    data = {k: v for k, v in {**ANSWER, **changes}.items() if v is not None}
    response = client_for(alpha).post(f"/survey/{token}/?lang=en", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert "Your answers were not saved" in page(response)
    with in_schema(alpha):
        survey.refresh_from_db()
        assert survey.answered_at is None and survey.score is None
        assert not CaseEvent.objects.filter(action="survey_answered").exists()


# --- survey results per channel and month ----------------------------------------------------


def test_survey_results_per_channel_and_month(
    alpha, alpha_policy, django_assert_max_num_queries, clock
):
    riyadh = timezone.get_current_timezone()
    this_month = timezone.localdate(clock.at).replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    long_ago = this_month.replace(year=this_month.year - 2)

    def at(day, hour=12):
        return datetime.datetime.combine(day, datetime.time(hour), tzinfo=riyadh)

    answers = [
        # channel, answered at, score, deadline kept, courteous
        ("interview", at(this_month), 5, True, True),
        ("interview", at(this_month, 0), 2, False, True),  # 00:00 Riyadh is last month in UTC
        ("phone", at(this_month), 3, True, False),
        ("interview", at(last_month), 4, True, True),
        ("interview", at(last_month), 4, True, False),
        ("interview", at(last_month), 1, False, False),
        ("phone", at(long_ago), 1, False, False),  # outside the 12 months
        ("phone", None, None, None, None),  # sent, never answered
    ]
    for channel, answered_at, score, kept, courteous in answers:
        survey, _token = closed_with_survey(alpha, channel=channel)
        with in_schema(alpha):
            Survey.objects.filter(pk=survey.pk).update(
                answered_at=answered_at, score=score, deadline_kept=kept, staff_courteous=courteous
            )
    with in_schema(alpha):
        names = {c["code"]: c for c in policy_published().content["channels"]}
        with django_assert_max_num_queries(2):
            rows = surveys.survey_results(months=12)
    got = [
        (r.month, r.channel_code, r.answers, r.average_score, r.deadline_kept_percent,
         r.courteous_percent)
        for r in rows
    ]  # fmt: skip
    assert got == [
        (this_month, "interview", 2, 3.5, 50.0, 100.0),
        (this_month, "phone", 1, 3.0, 100.0, 0.0),
        (last_month, "interview", 3, 3.0, 66.7, 33.3),
    ]
    assert rows[1].channel_name_ar == names["phone"]["name_ar"]
    assert rows[1].channel_name_en == names["phone"]["name_en"]
    with in_schema(alpha):
        assert [r.month for r in surveys.survey_results(months=1)] == [this_month] * 2
        with pytest.raises(ValueError):
            surveys.survey_results(months=0)
