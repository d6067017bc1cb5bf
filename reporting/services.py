"""Publishing the statistics of a period and the yearly satisfaction report."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import clock
from common.text import text_problem
from reporting.disclosure import TOTAL, Cell, Key, Shown, Table, hidden_entries, is_small
from reporting.models import SatisfactionReport, StatisticsPublication
from reporting.statistics import BENEFICIARIES, Period, table_values, year_data
from workflow.models import Survey

FIRST_YEAR = 2000
MAX_MEETING = 50
MAX_DECISIONS = 5000


def _today() -> datetime.date:
    return timezone.localdate(clock.now())


def _whole(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def statistics_period_check(*, year, quarter) -> Period:
    """The period named by a year and a quarter (blank: the whole year), once it has ended, or a
    ValidationError per field."""
    errors: dict[str, list[str]] = {}
    number = _whole(year)
    if number is None or not FIRST_YEAR <= number <= 9999:
        errors["year"] = [_("Enter a year from %(first)s on.") % {"first": FIRST_YEAR}]
    part = None if quarter in (None, "") else _whole(quarter)
    if quarter not in (None, "") and part not in (1, 2, 3, 4):
        errors["quarter"] = [_("Choose a quarter from 1 to 4, or the whole year.")]
    if errors or number is None:
        raise ValidationError(errors)
    period = Period(number, part)
    if period.last_day >= _today():
        field = "quarter" if part else "year"
        raise ValidationError(
            {field: [_("This period has not ended yet: its statistics can be published after it.")]}
        )
    return period


def _shown(content: dict, name: str) -> Shown:
    """A published table as the disclosure check reads it: its quarters and what it hid."""
    period = Period(content["period"]["year"], content["period"]["quarter"])
    table = content["tables"][name]
    columns = [*table["columns"], TOTAL]
    hidden = set()
    for row in table["rows"]:
        for column, value in zip(columns, [*row["cells"], row["total"]], strict=True):
            if value is None:
                hidden.add((row["code"], column))
    for column, value in zip(columns, [*table["totals"], table["total"]], strict=True):
        if value is None:
            hidden.add((TOTAL, column))
    return Shown(period.quarters, frozenset(hidden))


def _beneficiaries_hidden(
    people: dict[int, frozenset[int]], period: Period, published: list[dict]
) -> bool:
    """Whether the number of beneficiaries must be hidden: fewer than five, or a year and one of
    its quarters that differ by fewer than five people."""
    own = frozenset().union(*(people[q] for q in period.quarters))
    if is_small(Cell(own, own)):
        return True
    for content in published:
        if content[BENEFICIARIES] is None:
            continue
        other = Period(content["period"]["year"], content["period"]["quarter"])
        theirs = frozenset().union(*(people[q] for q in other.quarters))
        bigger, smaller = (own, theirs) if len(own) >= len(theirs) else (theirs, own)
        if is_small(Cell(bigger - smaller, bigger - smaller)):
            return True
    return False


def _average(scores: list[int]) -> float | None:
    return round(sum(scores) / len(scores), 2) if scores else None


def statistics_compute(*, period: Period) -> dict:
    """The statistics of `period` as they would be published now: counts per channel with every
    count of fewer than five people, and whatever would let one be worked out from this and the
    year's earlier publications, suppressed (None)."""
    data = year_data(period.year)
    published = [
        publication.content
        for publication in StatisticsPublication.objects.filter(year=period.year).order_by("number")
    ]
    tables = {}
    for name, table in data.tables.items():
        shown = [_shown(content, name) for content in published]
        hidden = hidden_entries(table, quarters=period.quarters, published=shown)
        tables[name] = table_values(table, period.quarters, hidden)
    people = frozenset().union(*(data.people[q] for q in period.quarters))
    codes = {row["code"] for table in tables.values() for row in table["rows"]}
    return {
        "period": {
            "year": period.year,
            "quarter": period.quarter,
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
        },
        "channels": {code: list(data.channels[code]) for code in sorted(codes)},
        # With the requests' grand total hidden, the people served would stand in for it.
        BENEFICIARIES: None
        if tables["received"]["total"] is None
        or _beneficiaries_hidden(data.people, period, published)
        else len(people),
        "beneficiaries_withheld": not is_small(Cell(people, people)),
        "tables": tables,
        "averages": _satisfaction_averages(data.tables["satisfaction"], period, tables),
    }


def _satisfaction_averages(table: Table, period: Period, tables: dict) -> dict[str, float | None]:
    """The average score (1 to 5) of each channel whose number of answers is published."""
    shown = {row["code"] for row in tables["satisfaction"]["rows"] if row["total"] is not None}
    if tables["satisfaction"]["total"] is not None:
        shown.add(TOTAL)
    averages: dict[str, float | None] = {}
    for code in [*table.rows, TOTAL]:
        if code not in shown:
            continue
        ids = table.cell((code, TOTAL), period.quarters).items
        scores = Survey.objects.filter(pk__in=ids, score__isnull=False).values_list(
            "score", flat=True
        )
        averages[code] = _average([int(score) for score in scores if score is not None])
    return averages


def statistics_is_empty(content: dict) -> bool:
    return not any(table["rows"] for table in content["tables"].values())


def statistics_publish(*, year, quarter, actor_email: str) -> StatisticsPublication:
    """Publish the statistics of an ended period, once, as the next immutable publication."""
    period = statistics_period_check(year=year, quarter=quarter)
    with transaction.atomic():
        # One publication at a time per association: each one is checked against the others.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE reporting_statisticspublication IN SHARE ROW EXCLUSIVE MODE")
        existing = StatisticsPublication.objects.filter(
            year=period.year, quarter=period.quarter
        ).first()
        if existing:
            raise ValidationError(
                {
                    "quarter" if period.quarter else "year": [
                        _("The statistics of this period were published already (number %(n)s).")
                        % {"n": existing.number}
                    ]
                }
            )
        content = statistics_compute(period=period)
        if statistics_is_empty(content):
            raise ValidationError(
                {"year": [_("Nothing was recorded in this period: there is nothing to publish.")]}
            )
        last = StatisticsPublication.objects.order_by("-number").first()
        return StatisticsPublication.objects.create(
            number=(last.number + 1) if last else 1,
            year=period.year,
            quarter=period.quarter,
            published_at=clock.now(),
            published_by=actor_email,
            content=content,
        )


def _year_figures(year: int) -> dict:
    """Each channel's answered surveys of `year`: how many, the average score, and the share who
    said the deadline was kept and the staff courteous; channels of fewer than five people (or
    whose number would follow from the total) hidden."""
    start = datetime.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = start.replace(year=year + 1)
    rows = Survey.objects.filter(answered_at__gte=start, answered_at__lt=end).values(
        "id",
        "score",
        "deadline_kept",
        "staff_courteous",
        "case__beneficiary_id",
        "case__channel_code",
    )
    cells: dict[Key, Cell] = {}
    answers: dict[str, list] = {}
    for row in rows:
        code = row["case__channel_code"]
        key = (code, "answers")
        cells[key] = cells.get(key, Cell()) | Cell(
            frozenset({row["id"]}), frozenset({row["case__beneficiary_id"]})
        )
        answers.setdefault(code, []).append(row)
    table = Table(rows=sorted(answers), columns=["answers"], quarters={1: cells})
    hidden = hidden_entries(table, quarters=(1,), published=[])

    def figures(selected: list, key: Key) -> dict:
        if key in hidden:
            people = {row["case__beneficiary_id"] for row in selected}
            return {
                "answers": None,
                "withheld": not is_small(Cell(frozenset(people), frozenset(people))),
            }
        kept = [row["deadline_kept"] for row in selected if row["deadline_kept"] is not None]
        courteous = [
            row["staff_courteous"] for row in selected if row["staff_courteous"] is not None
        ]
        return {
            "answers": len(selected),
            "average": _average([row["score"] for row in selected]),
            "kept_percent": round(100 * sum(kept) / len(kept)) if kept else None,
            "courteous_percent": round(100 * sum(courteous) / len(courteous))
            if courteous
            else None,
        }

    everyone = [row for selected in answers.values() for row in selected]
    return {
        "channels": {code: figures(answers[code], (code, TOTAL)) for code in sorted(answers)},
        "total": figures(everyone, (TOTAL, TOTAL)),
    }


def _channel_names(codes: set[str]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for code, name_ar, name_en in (
        Survey.objects.filter(case__channel_code__in=codes)
        .order_by("-answered_at")
        .values_list("case__channel_code", "case__channel_name_ar", "case__channel_name_en")
    ):
        names.setdefault(code, [name_ar, name_en])
    return names


def satisfaction_report_prepare(*, year, actor_email: str) -> SatisfactionReport:
    """Prepare the satisfaction report of an ended year, once: each channel's survey results
    beside the previous year's. Its figures never change afterwards."""
    number = _whole(year)
    if number is None or not FIRST_YEAR <= number <= 9999:
        raise ValidationError(
            {"year": [_("Enter a year from %(first)s on.") % {"first": FIRST_YEAR}]}
        )
    if datetime.date(number, 12, 31) >= _today():
        raise ValidationError(
            {"year": [_("This year has not ended yet: its report can be prepared after it.")]}
        )
    with transaction.atomic():
        if SatisfactionReport.objects.filter(year=number).exists():
            raise ValidationError({"year": [_("The report of this year was prepared already.")]})
        current, previous = _year_figures(number), _year_figures(number - 1)
        if not current["channels"]:
            raise ValidationError(
                {"year": [_("No survey was answered in this year: there is nothing to report.")]}
            )
        codes = set(current["channels"]) | set(previous["channels"])
        content = {
            "year": number,
            "current": current,
            "previous": previous,
            "channels": _channel_names(codes),
        }
        return SatisfactionReport.objects.create(
            year=number, prepared_at=clock.now(), prepared_by=actor_email, content=content
        )


def satisfaction_report_publish(
    *, report: SatisfactionReport, meeting, meeting_date, decisions, actor_email: str
) -> SatisfactionReport:
    """Record the board's decisions on the report (meeting, date, text) and publish the feedback;
    once published, nothing of it changes."""
    errors: dict[str, list[str]] = {}
    if problem := text_problem(meeting, limit=MAX_MEETING, required=True, plain=True):
        errors["meeting"] = [problem]
    if problem := text_problem(decisions, limit=MAX_DECISIONS, required=True, plain=True):
        errors["decisions"] = [problem]
    if not isinstance(meeting_date, datetime.date):
        errors["meeting_date"] = [_("Give the meeting's date.")]
    elif meeting_date > _today():
        errors["meeting_date"] = [_("The meeting's date cannot be in the future.")]
    elif meeting_date < timezone.localdate(report.prepared_at):
        errors["meeting_date"] = [_("The board met on the report after it was prepared.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = SatisfactionReport.objects.select_for_update().get(pk=report.pk)
        if locked.published_at is not None:
            raise ValidationError(
                {"decisions": [_("This report's feedback was published already.")]}
            )
        locked.board_meeting = meeting.strip()
        locked.board_date = meeting_date
        locked.board_decisions = decisions.strip()
        locked.published_at = clock.now()
        locked.published_by = actor_email
        locked.save(
            update_fields=[
                "board_meeting",
                "board_date",
                "board_decisions",
                "published_at",
                "published_by",
            ]
        )
    return locked
