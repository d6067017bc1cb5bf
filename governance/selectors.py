"""Reads of the governance page and the transparency self-score.

The self-score lists the disclosure practices of the governance standard (its transparency and
disclosure standard) that Mustafid can show, each scored as the standard scores a practice:
0, 50 or 100 %. What each practice needs is written in our own words below."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.models import PolicyKind
from common import clock
from common.hijri import hijri_with_gregorian
from common.i18n import current_language
from governance.disclosures import disclosure_year, disclosures_missing
from governance.models import Bylaws
from publishing.selectors import PolicyStanding, policies_standing
from reporting.models import SatisfactionReport, StatisticsPublication
from reporting.presentation import period_label
from reporting.selectors import work_published
from reporting.statistics import quarter_start

COI = PolicyKind.CONFLICT_OF_INTEREST


def bylaws_current() -> Bylaws | None:
    return Bylaws.objects.first()


@dataclass(frozen=True)
class TransparencyFacts:
    """What the score is computed from: the kinds with a published version, the kinds whose
    draft the board approved (not yet published), whether the bylaws are uploaded, and what
    there is to publish about the work and what was published. The console reads the same
    facts from every schema (console.selectors.transparency_facts)."""

    published_kinds: frozenset[str]
    approved_kinds: frozenset[str]
    has_bylaws: bool
    # A case received before this quarter: an ended period has statistics to publish.
    statistics_due: bool = False
    statistics_latest_end: datetime.date | None = None  # the last day of the latest published
    # A survey answered before this year: an ended year has a satisfaction report to make.
    satisfaction_due: bool = False
    satisfaction_published_year: int | None = None  # the latest report with its feedback out
    satisfaction_prepared: bool = False  # any report prepared, published or not
    # Members and board members without a conflict-of-interest disclosure this year.
    disclosures_missing: int = 0


def _statistics_recent_from(today: datetime.date) -> datetime.date:
    """The earliest last day a recent publication may have: the quarter before the last ended
    one (an ended quarter's statistics take some weeks to review and publish)."""
    start = quarter_start(today)
    return quarter_start(start - datetime.timedelta(days=1)) - datetime.timedelta(days=1)


def practice_scores(facts: TransparencyFacts, today: datetime.date) -> dict[str, int | None]:
    """Each practice's score, 0, 50 or 100 (None: nothing to publish yet, not counted): the
    bylaws published or not; a policy published (approved and public: 100), approved by the
    board but not yet public (50), or neither (0), the conflict-of-interest policy only 100
    once everyone concerned disclosed for the current year; the complaints channel with its
    log, which every association on Mustafid has; statistics published for one of the last two ended
    quarters (100), only older ones (50), none though an ended quarter had cases (0); the
    satisfaction report of one of the last two ended years published with the board's
    decisions (100), a report prepared but not published or only an older one (50), none
    though surveys were answered in an ended year (0)."""
    scores: dict[str, int | None] = {"bylaws": 100 if facts.has_bylaws else 0}
    for kind in PolicyKind.values:
        scores[f"policy:{kind}"] = (
            100 if kind in facts.published_kinds else 50 if kind in facts.approved_kinds else 0
        )
    if scores[f"policy:{COI}"] == 100 and facts.disclosures_missing:
        scores[f"policy:{COI}"] = 50
    scores["complaints"] = 100
    latest = facts.statistics_latest_end
    if latest is not None:
        scores["statistics"] = 100 if latest >= _statistics_recent_from(today) else 50
    else:
        scores["statistics"] = 0 if facts.statistics_due else None
    published = facts.satisfaction_published_year
    if published is not None and published >= today.year - 2:
        scores["satisfaction"] = 100
    elif published is not None or facts.satisfaction_prepared:
        scores["satisfaction"] = 50
    else:
        scores["satisfaction"] = 0 if facts.satisfaction_due else None
    return scores


def practice_title(key: str) -> str | Promise:
    """A practice's name, from its key in practice_scores."""
    if key.startswith("policy:"):
        return PolicyKind(key.removeprefix("policy:")).label
    return {
        "bylaws": _("The bylaws"),
        "complaints": _("A complaints channel and its log"),
        "statistics": _("Published statistics on beneficiaries and aid"),
        "satisfaction": _("The yearly satisfaction report and the board's decisions"),
    }[key]


def score_percent(scores: dict[str, int | None]) -> int:
    """The counted practices' mean, rounded down: 100 only when every one is at 100."""
    counted = [score for score in scores.values() if score is not None]
    return sum(counted) // len(counted) if counted else 0


@dataclass(frozen=True)
class Practice:
    key: str
    title: str | Promise
    score: int | None  # None: Mustafid does not show it yet, so it is not counted
    shown: str | Promise  # what Mustafid shows for it
    link: str
    approved_on: str  # the board's approval, Hijri with Gregorian, where there is one
    missing: str | Promise  # what is missing, and the step that fixes it ("" at 100 %)
    fix_url: str


@dataclass(frozen=True)
class TransparencyChecklist:
    practices: list[Practice]

    @property
    def scored(self) -> list[Practice]:
        return [practice for practice in self.practices if practice.score is not None]

    @property
    def percent(self) -> int:
        return score_percent({p.key: p.score for p in self.scored if p.score is not None})

    @property
    def complete(self) -> bool:
        return all(practice.score == 100 for practice in self.scored)

    @property
    def next_missing(self) -> Practice | None:
        """The first practice not yet at 100 %: the workspace's next step."""
        return next((p for p in self.scored if p.score != 100), None)


def _disclosures_practice(standing: PolicyStanding, missing: int) -> Practice:
    """The conflict-of-interest policy, published, while someone has not disclosed this year."""
    practice = _policy_practice(standing, 100)
    year = disclosure_year()
    return Practice(
        key=practice.key,
        title=practice.title,
        score=50,
        shown=_("Published; %(n)s of the people concerned have not disclosed for %(year)s.")
        % {"n": missing, "year": year},
        link=practice.link,
        approved_on=practice.approved_on,
        missing=_(
            "Every member and board member signs the yearly disclosure (members in the "
            "workspace, board members through their personal link)."
        ),
        fix_url=reverse("disclosure_register"),
    )


def _policy_practice(standing: PolicyStanding, score: int) -> Practice:
    beneficiary = standing.kind == PolicyKind.BENEFICIARY
    latest = standing.latest
    link = ""
    if latest:
        link = reverse("policy") if beneficiary else reverse("kind_policy", args=[standing.kind])
    settings_url = (
        reverse("policy_settings")
        if beneficiary
        else reverse("kind_policy_settings", args=[standing.kind])
    )
    shown: str | Promise
    missing: str | Promise
    if score == 100:
        shown, missing = _("Published, with the board's approval."), ""
    elif score == 50:
        shown = _("Approved by the board, not yet published.")
        missing = _("Publish it: the standard looks for it on your site.")
    else:
        shown = _("Not published.")
        missing = _(
            "Write it in your own words from the shared template, then record the board "
            "meeting that approved it: it is published at once."
        )
    approval = (latest.content.get("approval") or {}) if latest else {}
    return Practice(
        key=f"policy:{standing.kind}",
        title=standing.title,
        score=score,
        shown=shown,
        link=link,
        approved_on=hijri_with_gregorian(
            datetime.date.fromisoformat(approval["approved_on"]), current_language()
        )
        if approval.get("approved_on")
        else "",
        missing=missing,
        # Not yet approved: the policies' page, where one meeting approves several.
        fix_url=""
        if score == 100
        else settings_url
        if score == 50
        else reverse("policies_overview"),
    )


def _statistics_practice(score: int | None, latest: StatisticsPublication | None) -> Practice:
    shown: str | Promise
    missing: str | Promise = ""
    if latest is None:
        shown = (
            _("Nothing to publish yet: statistics are of an ended quarter with cases.")
            if score is None
            else _("Not published.")
        )
    else:
        shown = _("Published: %(period)s.") % {"period": period_label(latest.year, latest.quarter)}
    if score == 0:
        missing = _("Review and publish the statistics of the last ended quarter.")
    elif score == 50:
        missing = _(
            "Publish the statistics of a more recent quarter: these are over six months old."
        )
    return Practice(
        key="statistics",
        title=practice_title("statistics"),
        score=score,
        shown=shown,
        link=reverse("statistics_public", args=[latest.number]) if latest else "",
        approved_on="",
        missing=missing,
        fix_url=reverse("statistics") if missing else "",
    )


def _satisfaction_practice(score: int | None, report: SatisfactionReport | None) -> Practice:
    """`report`: the published one that meets the practice, else the newest prepared."""
    shown: str | Promise
    missing: str | Promise = ""
    fix_url = reverse("satisfaction_reports")
    if report is None:
        shown = (
            _("Nothing to report yet: the report is of an ended year with survey answers.")
            if score is None
            else _("Not prepared.")
        )
        missing = _("Prepare the report of the last ended year and table it at a board meeting.")
    elif report.published_at is None:
        shown = _("The report of %(year)s is prepared; the board's decisions are not recorded.") % {
            "year": report.year
        }
        missing = _("Record the board's decisions on it: its feedback is then published.")
        fix_url = reverse("satisfaction_report", args=[report.year])
    else:
        shown = _("Published with the board's decisions: %(year)s.") % {"year": report.year}
        if score != 100:
            missing = _("Prepare the report of a more recent year and table it at a board meeting.")
    return Practice(
        key="satisfaction",
        title=practice_title("satisfaction"),
        score=score,
        shown=shown,
        link=reverse("satisfaction_public", args=[report.year])
        if report is not None and report.published_at is not None
        else "",
        approved_on=hijri_with_gregorian(report.board_date, current_language())
        if report is not None and report.board_date
        else "",
        missing=missing if score is not None else "",
        fix_url=fix_url if score is not None and missing else "",
    )


def transparency_checklist() -> TransparencyChecklist:
    """The current association's self-score, practice by practice."""
    standings = policies_standing()
    bylaws = bylaws_current()
    today = timezone.localdate(clock.now())
    work = work_published(today)
    published = frozenset(s.kind for s in standings if s.latest)
    missing = disclosures_missing(year=disclosure_year()) if COI in published else 0
    facts = TransparencyFacts(
        published_kinds=published,
        approved_kinds=frozenset(s.kind for s in standings if s.approved_unpublished),
        has_bylaws=bylaws is not None,
        statistics_due=work.statistics_due,
        statistics_latest_end=work.statistics_latest_end,
        satisfaction_due=work.satisfaction_due,
        satisfaction_published_year=work.satisfaction_published.year
        if work.satisfaction_published
        else None,
        satisfaction_prepared=work.satisfaction_prepared is not None,
        disclosures_missing=missing,
    )
    scores = practice_scores(facts, today)
    practices = [
        Practice(
            key="bylaws",
            title=_("The bylaws"),
            score=scores["bylaws"],
            shown=_("Published as a PDF.") if bylaws else _("Not uploaded."),
            link=reverse("governance_bylaws") if bylaws else "",
            approved_on="",
            missing="" if bylaws else _("Upload the bylaws' PDF in the governance settings."),
            fix_url="" if bylaws else reverse("governance_settings"),
        ),
        *(
            _disclosures_practice(s, missing)
            if s.kind == COI and s.latest and missing
            else _policy_practice(s, scores[f"policy:{s.kind}"] or 0)
            for s in standings
        ),
        Practice(
            key="complaints",
            title=_("A complaints channel and its log"),
            score=scores["complaints"],
            shown=_(
                "The complaints and suggestions form is public; every complaint is logged "
                "with its answer."
            ),
            link=reverse("complaints"),
            approved_on="",
            missing="",
            fix_url="",
        ),
        _statistics_practice(scores["statistics"], work.statistics_latest),
        _satisfaction_practice(
            scores["satisfaction"],
            # Met: the published report; else the newest, whose step is the next to take.
            work.satisfaction_published
            if scores["satisfaction"] == 100
            else work.satisfaction_prepared,
        ),
    ]
    return TransparencyChecklist(practices=practices)
