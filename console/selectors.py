"""The console's reads: associations to find, their policy state, template versions, the log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.selectors import members_active_count
from catalog.models import PolicyKind, TemplateVersion
from common import clock
from common.cross_schema import rows_per_schema
from console.models import OperatorAction
from governance.disclosures import disclosure_year
from governance.selectors import (
    TransparencyFacts,
    practice_scores,
    practice_title,
    score_percent,
)
from reporting.statistics import Period, quarter_start
from tenants.models import Association, SmsSender
from tenants.selectors import association_files_size
from workflow.models import OPEN_STATUSES, Case
from workflow.selectors import cases_open_and_total

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


@dataclass(frozen=True)
class UsageCounts:
    members: int  # active members, as members_active_count counts them
    open_cases: int  # as the case counters (workflow CaseCount) hold them


def usage_counts(schema_names: list[str]) -> dict[str, UsageCounts]:
    """Each association's active members and open cases now, read in its own schema from its
    members table and its case counters: the list shows them without each association's page
    having been opened. POLICY_STATE_CHUNK associations a query."""
    with connection.cursor() as cursor:
        # An association still being provisioned has no schema yet: it shows no counts.
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schema_names])
        existing = {name for (name,) in cursor.fetchall()}
    rows = rows_per_schema(
        [schema for schema in schema_names if schema in existing],
        "SELECT %s, (SELECT count(*) FROM {schema}.accounts_user WHERE is_active), "
        "(SELECT coalesce(sum(n), 0) FROM {schema}.workflow_casecount WHERE key = ANY(%s))",
        chunk=POLICY_STATE_CHUNK,
        parameters=(list(OPEN_STATUSES),),
    )
    return {
        schema: UsageCounts(members=members, open_cases=int(open_cases))
        for schema, members, open_cases in rows
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
        "EXISTS(SELECT 1 FROM {schema}.reporting_satisfactionreport), "
        # The active members and board members with no disclosure this year.
        "(SELECT count(*) FROM {schema}.accounts_user u WHERE u.is_active "
        "AND u.role <> 'operator' AND NOT EXISTS (SELECT 1 FROM "
        "{schema}.governance_disclosure d WHERE d.year = %s "
        "AND d.member_email = u.email)) + (SELECT count(*) FROM "
        "{schema}.governance_boardmember b WHERE b.active AND NOT EXISTS "
        "(SELECT 1 FROM {schema}.governance_disclosure d WHERE d.year = %s "
        "AND d.board_member_id = b.id))",
        chunk=POLICY_STATE_CHUNK,
        parameters=(quarter, year, disclosure_year(), disclosure_year()),
    )
    for schema, published, approved, has_bylaws, *work, missing in rows:
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
            disclosures_missing=missing,
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
        last_change = Case.objects.aggregate(latest=Max("updated_at"))["latest"]
        # The counters the case services keep, not a count of every case.
        open_cases, total_cases = cases_open_and_total()
    moments = [moment for moment in (last_login, last_change) if moment is not None]
    return AssociationUsage(
        members=members,
        open_cases=open_cases,
        total_cases=total_cases,
        storage_bytes=association_files_size(association),
        last_activity_at=max(moments) if moments else None,
    )


def sms_sender_of(association: Association) -> SmsSender | None:
    """The association's own SMS sender, if an operator set one."""
    return SmsSender.objects.filter(association=association).first()
