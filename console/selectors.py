"""The console's reads: associations to find, their policy state, template versions, the log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.selectors import members_active_count
from catalog.models import PolicyKind, TemplateVersion
from common import clock
from common.cross_schema import rows_per_schema
from console.models import OperatorAction
from governance.selectors import (
    TransparencyFacts,
    practice_scores,
    practice_title,
    score_percent,
)
from reporting.statistics import Period, quarter_start
from tenants.models import Association
from tenants.selectors import association_files_size
from workflow.models import Case
from workflow.selectors import open_cases_count

# Schemas read per query by policy_states: one UNION ALL of this many sub-selects.
POLICY_STATE_CHUNK = 200


def associations_search(
    *,
    q: str = "",
    status: str = "",
    plan: str = "",
    created_from: datetime.date | None = None,
    created_to: datetime.date | None = None,
    activity: str = "",
) -> QuerySet[Association]:
    """Associations matching the console's filters, with their subscription and usage snapshot
    joined in (one query for a page, whatever the number of associations)."""
    found = Association.objects.select_related("subscription__plan", "usage_snapshot").order_by(
        "-created_at", "-id"
    )
    if q := q.strip():
        found = found.filter(
            Q(slug__icontains=q)
            | Q(name_ar__icontains=q)
            | Q(name_en__icontains=q)
            | Q(email__icontains=q)
        )
    if status:
        found = found.filter(status=status)
    if plan:
        found = found.filter(subscription__plan__code=plan)
    if created_from:
        found = found.filter(created_at__date__gte=created_from)
    if created_to:
        found = found.filter(created_at__date__lte=created_to)
    if activity:
        kind, days = activity.split("_")
        since = timezone.now() - datetime.timedelta(days=int(days))
        if kind == "active":
            found = found.filter(usage_snapshot__last_activity_at__gte=since)
        else:
            found = found.filter(
                Q(usage_snapshot__last_activity_at__lt=since)
                | Q(usage_snapshot__last_activity_at__isnull=True)
            )
    return found


@dataclass(frozen=True)
class PolicyState:
    published_number: int | None
    published_template: int | None
    draft_template: int | None

    @property
    def template_version(self) -> int | None:
        """The template version the association is on: its published policy's, else its draft's."""
        return self.published_template or self.draft_template


def policy_states(schema_names: list[str]) -> dict[str, PolicyState]:
    """Each association's published version and template versions, read in its own schema.

    One query per POLICY_STATE_CHUNK associations (a UNION ALL of small sub-selects), not one
    per association: a thousand associations cost five queries.
    """
    rows = rows_per_schema(
        schema_names,
        "SELECT %s, (SELECT number FROM {schema}.publishing_policyversion "
        "WHERE kind = 'beneficiary' ORDER BY number DESC LIMIT 1), (SELECT template_version "
        "FROM {schema}.publishing_policyversion WHERE kind = 'beneficiary' "
        "ORDER BY number DESC LIMIT 1), (SELECT template_version FROM "
        "{schema}.publishing_policydraft WHERE kind = 'beneficiary')",
        chunk=POLICY_STATE_CHUNK,
    )
    return {
        schema: PolicyState(number, published_template, draft_template)
        for schema, number, published_template, draft_template in rows
    }


def transparency_facts(
    schema_names: list[str], today: datetime.date
) -> dict[str, TransparencyFacts]:
    """Each association's transparency facts (governance.selectors.TransparencyFacts), read in
    its own schema: the kinds it published, the kinds its board approved and not yet
    published, whether it uploaded its bylaws, and its published statistics and satisfaction
    reports with whether it has any to make (as reporting.selectors.work_published reads them).
    A UNION ALL of sub-selects, one association's tables in each, POLICY_STATE_CHUNK
    associations a query."""
    facts: dict[str, TransparencyFacts] = {}
    zone = timezone.get_current_timezone()
    quarter = datetime.datetime.combine(quarter_start(today), datetime.time.min, tzinfo=zone)
    year = datetime.datetime(today.year, 1, 1, tzinfo=zone)
    rows = rows_per_schema(
        schema_names,
        "SELECT %s, ARRAY(SELECT DISTINCT kind FROM "
        "{schema}.publishing_policyversion), ARRAY(SELECT kind FROM "
        "{schema}.publishing_policydraft WHERE approved_at IS NOT NULL), "
        "EXISTS(SELECT 1 FROM {schema}.governance_bylaws), "
        "EXISTS(SELECT 1 FROM {schema}.workflow_case WHERE created_at < %s), "
        # The period that ended last: a whole year ends with its fourth quarter.
        "(SELECT MAX(year * 10 + COALESCE(quarter, 4)) "
        "FROM {schema}.reporting_statisticspublication), "
        "EXISTS(SELECT 1 FROM {schema}.workflow_survey WHERE answered_at < %s), "
        "(SELECT MAX(year) FROM {schema}.reporting_satisfactionreport "
        "WHERE published_at IS NOT NULL), "
        "EXISTS(SELECT 1 FROM {schema}.reporting_satisfactionreport)",
        chunk=POLICY_STATE_CHUNK,
        parameters=(quarter, year),
    )
    for schema, published, approved, has_bylaws, *work in rows:
        cases_before, latest, surveys_before, report_year, prepared = work
        facts[schema] = TransparencyFacts(
            published_kinds=frozenset(published),
            approved_kinds=frozenset(approved),
            has_bylaws=has_bylaws,
            statistics_due=cases_before,
            statistics_latest_end=Period(latest // 10, latest % 10).last_day if latest else None,
            satisfaction_due=surveys_before,
            satisfaction_published_year=report_year,
            satisfaction_prepared=prepared,
        )
    return facts


# The score bands the console counts associations in.
SCORE_BANDS = ((0, 24), (25, 49), (50, 74), (75, 99), (100, 100))


@dataclass(frozen=True)
class TransparencyDistribution:
    associations: int
    bands: list[tuple[str, int]]  # ("50–74", associations whose self-score falls there)
    practices: list[tuple[str, int]]  # (practice, associations meeting it at 100)


def transparency_distribution() -> TransparencyDistribution:
    """How the associations' transparency self-scores spread, and how many meet each practice."""
    today = timezone.localdate(clock.now())
    schemas = list(Association.objects.values_list("schema_name", flat=True))
    scores = [practice_scores(fact, today) for fact in transparency_facts(schemas, today).values()]
    percents = [score_percent(score) for score in scores]
    keys = list(scores[0]) if scores else []
    return TransparencyDistribution(
        associations=len(scores),
        bands=[
            (f"{low}–{high}" if low != high else f"{low}", sum(low <= p <= high for p in percents))
            for low, high in SCORE_BANDS
        ],
        practices=[
            (str(practice_title(key)), sum(score[key] == 100 for score in scores)) for key in keys
        ],
    )


@dataclass(frozen=True)
class TemplateVersionRow:
    version: TemplateVersion
    published_on_it: int  # associations whose published policy follows this version
    drafts_on_it: int  # associations with no published policy whose draft follows it


def template_versions_overview() -> list[TemplateVersionRow]:
    states = policy_states(list(Association.objects.values_list("schema_name", flat=True)))
    rows = []
    for version in TemplateVersion.objects.all():
        rows.append(
            TemplateVersionRow(
                version=version,
                published_on_it=sum(
                    1 for s in states.values() if s.published_template == version.number
                ),
                drafts_on_it=sum(
                    1
                    for s in states.values()
                    if s.published_template is None and s.draft_template == version.number
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class KindTemplateRow:
    kind: str
    title: str
    current: TemplateVersion


def kind_templates() -> list[KindTemplateRow]:
    """The current released template of every kind but the beneficiary policy's, in the
    standard's order (one query)."""
    current = {
        version.kind: version
        for version in TemplateVersion.of_every_kind.filter(released_at__isnull=False)
        .exclude(kind=PolicyKind.BENEFICIARY)
        .order_by("kind", "-number")
        .distinct("kind")
    }
    return [
        KindTemplateRow(kind=kind, title=str(label), current=current[kind])
        for kind, label in PolicyKind.choices
        if kind in current
    ]


def operator_actions_search(
    *,
    q: str = "",
    actor: str = "",
    action: str = "",
    association: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[OperatorAction]:
    found = OperatorAction.objects.all()
    if q := q.strip():
        # The text search reaches into before/after too (jsonb as text keeps Arabic readable).
        found = found.alias(
            before_text=Cast("before", TextField()), after_text=Cast("after", TextField())
        ).filter(
            Q(summary__icontains=q)
            | Q(action__icontains=q)
            | Q(actor_email__icontains=q)
            | Q(association_slug__icontains=q)
            | Q(before_text__icontains=q)
            | Q(after_text__icontains=q)
        )
    if actor := actor.strip():
        found = found.filter(actor_email__icontains=actor)
    if action := action.strip():
        found = found.filter(action__startswith=action)
    if association := association.strip():
        found = found.filter(association_slug=association.lower())
    if date_from:
        found = found.filter(created_at__date__gte=date_from)
    if date_to:
        found = found.filter(created_at__date__lte=date_to)
    return found


@dataclass(frozen=True)
class AssociationUsage:
    members: int  # active members (invitations not yet accepted are not counted)
    open_cases: int
    total_cases: int
    storage_bytes: int  # the association's files under MEDIA_ROOT/<schema>/
    last_activity_at: datetime.datetime | None  # latest of a member's sign-in and a case's change


def association_usage(association: Association) -> AssociationUsage:
    """What the association holds and when it was last used, counted in its own schema."""
    with schema_context(association.schema_name):
        members = members_active_count()
        last_login = User.objects.aggregate(latest=Max("last_login"))["latest"]
        cases = Case.objects.aggregate(total=Count("id"), last_change=Max("updated_at"))
        open_cases = open_cases_count()
    moments = [moment for moment in (last_login, cases["last_change"]) if moment is not None]
    return AssociationUsage(
        members=members,
        open_cases=open_cases,
        total_cases=cases["total"],
        storage_bytes=association_files_size(association),
        last_activity_at=max(moments) if moments else None,
    )
