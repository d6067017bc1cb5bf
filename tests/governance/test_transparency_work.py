"""The self-score counts the published statistics and the yearly satisfaction report (issue 16,
item 5): 0 when an ended period had work and nothing is published, 50 when only an old period's
statistics are out or the board has not decided on the report, 100 when they are recent; not
counted while there is nothing to publish. The console counts the same; beta's are its own."""

import datetime
import html
import re

from tests.console.conftest import console, operator_secret  # noqa: F401
from tests.helpers import POLICY, client_for, publish
from tests.reporting.cases import enquiry

STEPS = ("receive", "answer", "verify", "declare", "decide", "deliver")


def _row(response, key: str) -> tuple[str, str]:
    """The practice's score class and its row's text, as the checklist shows them."""
    page = html.unescape(response.content.decode())
    match = re.search(rf'<tr id="practice-{key}" class="score-(\w+)">(.*?)</tr>', page, re.S)
    assert match, key
    return match.group(1), " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def _total(response) -> str:
    page = html.unescape(response.content.decode())
    return " ".join(re.sub(r"<[^>]+>", " ", page.split('id="transparency-total">')[1]).split())


def test_statistics_and_the_satisfaction_report_count_once_there_is_work_to_publish(
    alpha,
    beta,
    console,  # noqa: F811
):
    publish(alpha, data={**POLICY, "procedure": [{"step": step} for step in STEPS]})
    admin = client_for(alpha, email=alpha.admin_email)
    score = admin.get("/app/transparency/?lang=en")
    assert _row(score, "statistics") == (
        "none",
        "Published statistics on beneficiaries and aid Nothing to publish yet: statistics are of "
        "an ended quarter with cases. — —",
    )
    assert _row(score, "satisfaction")[0] == "none"
    assert "across the 9 practices" in _total(score)

    # Five people were served in the second quarter of 2025 and answered the survey.
    for n in range(1, 6):
        enquiry(alpha, n, channel="phone", on=datetime.date(2025, 5, 10), score=4)
    score = admin.get("/app/transparency/?lang=en")
    klass, text = _row(score, "statistics")
    assert klass == "0" and "Review and publish the statistics of the last ended quarter." in text
    assert 'href="/app/statistics/"' in score.content.decode()
    assert _row(score, "satisfaction")[0] == "0"
    assert "Prepare the report of the last ended year" in _row(score, "satisfaction")[1]
    assert "Transparency self-score: 18% across the 11 practices" in _total(score)  # 200 / 11

    assert (
        admin.post("/app/statistics/publish/", {"year": "2025", "quarter": "2"}).status_code == 302
    )
    klass, text = _row(admin.get("/app/transparency/?lang=en"), "statistics")
    assert klass == "50" and "Published: Quarter 2 of 2025." in text
    assert "these are over six months old" in text
    for n in range(10, 15):
        enquiry(alpha, n, channel="phone", on=datetime.date(2026, 5, 10))
    assert (
        admin.post("/app/statistics/publish/", {"year": "2026", "quarter": "2"}).status_code == 302
    )
    score = admin.get("/app/transparency/?lang=en")
    assert _row(score, "statistics") == (
        "100",
        "Published statistics on beneficiaries and aid Published: Quarter 2 of 2026. 100% —",
    )
    public = client_for(alpha).get("/governance/?lang=en")
    assert 'href="/governance/statistics/2/"' in public.content.decode()

    assert admin.post("/app/statistics/satisfaction/", {"year": "2025"}).status_code == 302
    klass, text = _row(admin.get("/app/transparency/?lang=en"), "satisfaction")
    assert klass == "50" and "the board's decisions are not recorded" in text
    assert "Record the board's decisions on it" in text
    decisions = {"meeting": "9", "meeting_date": "2026-09-17", "decisions": "تحسين الرد الهاتفي"}
    assert admin.post("/app/statistics/satisfaction/2025/", decisions).status_code == 302
    score = admin.get("/app/transparency/?lang=en")
    klass, text = _row(score, "satisfaction")
    assert klass == "100" and "Published with the board's decisions: 2025." in text
    assert "17 September 2026" in text  # the board's meeting
    # Bylaws and six policies missing: (100 × 4) / 11.
    assert "Transparency self-score: 36% across the 11 practices" in _total(score)

    # Beta had no work in an ended period: nothing of alpha's counts for it.
    beta_score = client_for(beta, email=beta.admin_email).get("/app/transparency/?lang=en")
    assert _row(beta_score, "statistics")[0] == "none"
    assert "Transparency self-score: 11% across the 9 practices" in _total(beta_score)

    # The console counts the same, across associations and without their data.
    text = " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", console.get("/console/transparency/?lang=en")
                             .content.decode())).split()
    )  # fmt: skip
    assert "Published statistics on beneficiaries and aid 1" in text
    assert "The yearly satisfaction report and the board's decisions 1" in text
    bands = re.search(r"Associations (.*?) Associations meeting", text).group(1)
    assert "0–24 1" in bands and "25–49 1" in bands


def test_the_scores_follow_the_periods_as_they_end():
    from governance.selectors import TransparencyFacts, practice_scores

    none = TransparencyFacts(
        published_kinds=frozenset(), approved_kinds=frozenset(), has_bylaws=False
    )

    def scores(today, **facts):
        both = practice_scores(TransparencyFacts(**{**none.__dict__, **facts}), today)
        return both["statistics"], both["satisfaction"]

    assert scores(datetime.date(2026, 9, 17)) == (None, None)
    assert scores(datetime.date(2026, 9, 17), statistics_due=True, satisfaction_due=True) == (0, 0)
    # On 17 September 2026 the last two ended quarters are the first and second of 2026.
    q1 = datetime.date(2026, 3, 31)
    assert scores(datetime.date(2026, 9, 17), statistics_latest_end=q1)[0] == 100
    assert (
        scores(datetime.date(2026, 9, 17), statistics_latest_end=q1 - datetime.timedelta(90))[0]
        == 50
    )
    assert scores(datetime.date(2026, 10, 1), statistics_latest_end=q1)[0] == 50
    # The report of one of the last two ended years, published with the board's decisions.
    assert scores(datetime.date(2026, 1, 5), satisfaction_published_year=2024)[1] == 100
    assert scores(datetime.date(2027, 1, 5), satisfaction_published_year=2024)[1] == 50
    assert scores(datetime.date(2026, 1, 5), satisfaction_prepared=True)[1] == 50
