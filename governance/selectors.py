"""Reads of the governance page and the transparency self-score.

The self-score lists the disclosure practices of the governance standard (its transparency and
disclosure standard) that Mustafid can show, each scored as the standard scores a practice:
0, 50 or 100 %. What each practice needs is written in our own words below."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.models import PolicyKind
from common.hijri import hijri_with_gregorian
from common.i18n import current_language
from governance.disclosures import disclosure_year, disclosures_missing
from governance.models import Bylaws
from publishing.selectors import PolicyStanding, policies_standing

COI = PolicyKind.CONFLICT_OF_INTEREST


def bylaws_current() -> Bylaws | None:
    return Bylaws.objects.first()


@dataclass(frozen=True)
class TransparencyFacts:
    """What the score is computed from: the kinds with a published version, the kinds whose
    draft the board approved (not yet published), and whether the bylaws are uploaded. The
    console reads the same facts from every schema (console.selectors.transparency_facts)."""

    published_kinds: frozenset[str]
    approved_kinds: frozenset[str]
    has_bylaws: bool
    # Members and board members without a conflict-of-interest disclosure this year.
    disclosures_missing: int = 0


def practice_scores(facts: TransparencyFacts) -> dict[str, int]:
    """Each practice's score, 0, 50 or 100: the bylaws published or not; a policy published
    (approved and public: 100), approved by the board but not yet public (50), or neither (0);
    the complaints channel with its log, which every association on Mustafid has. The
    conflict-of-interest policy is practised, not only published: 100 once everyone concerned
    disclosed for the current year, 50 while someone has not."""
    scores = {"bylaws": 100 if facts.has_bylaws else 0}
    for kind in PolicyKind.values:
        scores[f"policy:{kind}"] = (
            100 if kind in facts.published_kinds else 50 if kind in facts.approved_kinds else 0
        )
    if scores[f"policy:{COI}"] == 100 and facts.disclosures_missing:
        scores[f"policy:{COI}"] = 50
    scores["complaints"] = 100
    return scores


def practice_title(key: str) -> str | Promise:
    """A practice's name, from its key in practice_scores."""
    if key.startswith("policy:"):
        return PolicyKind(key.removeprefix("policy:")).label
    return {"bylaws": _("The bylaws"), "complaints": _("A complaints channel and its log")}[key]


def score_percent(scores: dict[str, int]) -> int:
    """The practices' mean, rounded down: 100 only when every practice is at 100."""
    return sum(scores.values()) // len(scores) if scores else 0


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


def _not_shown_yet(key: str, title: str | Promise) -> Practice:
    """A practice Mustafid cannot show yet: listed, so the reviewer's list is whole, not scored."""
    return Practice(
        key=key,
        title=title,
        score=None,
        shown=_("Not yet shown by Mustafid: not counted in the score."),
        link="",
        approved_on="",
        missing="",
        fix_url="",
    )


def transparency_checklist() -> TransparencyChecklist:
    """The current association's self-score, practice by practice."""
    standings = policies_standing()
    bylaws = bylaws_current()
    published = frozenset(s.kind for s in standings if s.latest)
    missing = disclosures_missing(year=disclosure_year()) if COI in published else 0
    facts = TransparencyFacts(
        published_kinds=published,
        approved_kinds=frozenset(s.kind for s in standings if s.approved_unpublished),
        has_bylaws=bylaws is not None,
        disclosures_missing=missing,
    )
    scores = practice_scores(facts)
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
            else _policy_practice(s, scores[f"policy:{s.kind}"])
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
        _not_shown_yet("statistics", _("Published statistics on beneficiaries and aid")),
        _not_shown_yet(
            "satisfaction", _("The yearly satisfaction report and the board's decisions")
        ),
    ]
    return TransparencyChecklist(practices=practices)
