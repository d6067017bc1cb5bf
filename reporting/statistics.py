"""The published statistics' figures, counted from the cases of one calendar year per quarter.

Every figure is counted on the date its event happened (a case on the day it was received, a
decision on its day, an answer to a survey on its day), so a quarter that has ended never
changes and a year is exactly the sum of its quarters: publications of the same year agree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from reporting.disclosure import QUARTERS, TOTAL, Cell, Key, Table, is_small
from workflow.models import Case, CaseEvent, CaseKind, CaseStatus, Survey

# The tables in the order they are published, and their columns.
TABLES: dict[str, tuple[str, ...]] = {
    "received": tuple(CaseKind.values),
    "outcomes": ("accepted", "rejected", "answered", "withdrawn"),
    "deadline": ("within", "late"),
    "satisfaction": ("satisfied", "neutral", "dissatisfied"),
}
BENEFICIARIES = "beneficiaries"


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None  # None: the whole year

    @property
    def quarters(self) -> tuple[int, ...]:
        return QUARTERS if self.quarter is None else (self.quarter,)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * (self.quarters[0] - 1) + 1, 1)

    @property
    def last_day(self) -> datetime.date:
        month = 3 * self.quarters[-1]
        after = datetime.date(self.year + month // 12, month % 12 + 1, 1)
        return after - datetime.timedelta(days=1)


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * (quarter_of(day) - 1) + 1, 1)


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=zone)


class _Collector:
    """Cells of the tables, quarter by quarter, and each channel's names."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[int, dict[Key, Cell]]] = {name: {} for name in TABLES}
        self.people: dict[int, set[int]] = {q: set() for q in QUARTERS}
        self.channels: dict[str, tuple[str, str]] = {}

    def add(self, table: str, day: datetime.date, channel: str, column: str, item, person) -> None:
        cells = self.cells[table].setdefault(quarter_of(day), {})
        key = (channel, column)
        cells[key] = cells.get(key, Cell()) | Cell(frozenset({item}), frozenset({person}))

    def name(self, code: str, name_ar: str, name_en: str) -> None:
        # Rows come newest first: a channel is named as it was named last.
        self.channels.setdefault(code, (name_ar, name_en))


@dataclass
class YearData:
    tables: dict[str, Table]
    people: dict[int, frozenset[int]]  # the beneficiaries with a case received, per quarter
    channels: dict[str, tuple[str, str]]  # code → (Arabic name, English name)


def year_data(year: int) -> YearData:
    """The cells of every table for each quarter of `year`, read from the cases."""
    start, end = _year_bounds(year)
    collect = _Collector()
    channel = ["channel_code", "channel_name_ar", "channel_name_en"]
    case_channel = [f"case__{name}" for name in channel]

    received = Case.objects.filter(created_at__gte=start, created_at__lt=end).order_by(
        "-created_at"
    )
    for row in received.values("id", "kind", "beneficiary_id", "created_at", *channel):
        day, code = _local_day(row["created_at"]), row["channel_code"]
        collect.name(code, row["channel_name_ar"], row["channel_name_en"])
        collect.add("received", day, code, row["kind"], row["id"], row["beneficiary_id"])
        collect.people[quarter_of(day)].add(row["beneficiary_id"])

    decisions = CaseEvent.objects.filter(
        action="decide", case__decided_on__gte=start.date(), case__decided_on__lt=end.date()
    ).order_by("-case__decided_on")
    for row in decisions.values(
        "case_id",
        "data",
        "case__beneficiary_id",
        "case__decided_on",
        "case__committee_due_on",
        *case_channel,
    ):
        day, code, person = (
            row["case__decided_on"],
            row["case__channel_code"],
            row["case__beneficiary_id"],
        )
        collect.name(code, row["case__channel_name_ar"], row["case__channel_name_en"])
        decision = (row["data"] or {}).get("decision")
        if decision in ("accepted", "rejected"):
            collect.add("outcomes", day, code, decision, row["case_id"], person)
        # A decision under an "as soon as possible" deadline has no due date to be within.
        if row["case__committee_due_on"] is not None:
            column = "within" if day <= row["case__committee_due_on"] else "late"
            collect.add("deadline", day, code, column, row["case_id"], person)

    ended = Case.objects.filter(
        Q(answered_at__gte=start, answered_at__lt=end)
        | Q(status=CaseStatus.WITHDRAWN, closed_at__gte=start, closed_at__lt=end)
    ).order_by("-id")
    for row in ended.values("id", "beneficiary_id", "answered_at", "closed_at", *channel):
        code = row["channel_code"]
        collect.name(code, row["channel_name_ar"], row["channel_name_en"])
        # An enquiry answered, or a request withdrawn: counted on the day it ended.
        column, moment = (
            ("answered", row["answered_at"])
            if row["answered_at"]
            else ("withdrawn", row["closed_at"])
        )
        collect.add("outcomes", _local_day(moment), code, column, row["id"], row["beneficiary_id"])

    surveys = Survey.objects.filter(answered_at__gte=start, answered_at__lt=end).order_by("-id")
    for row in surveys.values("id", "score", "answered_at", "case__beneficiary_id", *case_channel):
        code = row["case__channel_code"]
        collect.name(code, row["case__channel_name_ar"], row["case__channel_name_en"])
        collect.add(
            "satisfaction",
            _local_day(row["answered_at"]),
            code,
            satisfaction_column(row["score"]),
            row["id"],
            row["case__beneficiary_id"],
        )

    tables = {}
    for name, columns in TABLES.items():
        quarters = collect.cells[name]
        rows = sorted({row for cells in quarters.values() for row, _column in cells})
        tables[name] = Table(rows=rows, columns=list(columns), quarters=quarters)
    return YearData(
        tables=tables,
        people={q: frozenset(people) for q, people in collect.people.items()},
        channels=collect.channels,
    )


def satisfaction_column(score: int) -> str:
    return "satisfied" if score >= 4 else "neutral" if score == 3 else "dissatisfied"


def table_values(table: Table, quarters: tuple[int, ...], hidden: frozenset[Key]) -> dict:
    """The table as published: rows that counted anything in the period (or hide something),
    each entry a count or None where it is suppressed; `withheld` lists the entries hidden
    although they count five people or more (so that a hidden one cannot be worked out), which
    the pages do not call «fewer than 5»."""
    rows = [
        row
        for row in table.rows
        if table.cell((row, TOTAL), quarters).items or any(key[0] == row for key in hidden)
    ]

    def value(key: Key) -> int | None:
        return None if key in hidden else len(table.cell(key, quarters).items)

    return {
        "columns": table.columns,
        "rows": [
            {
                "code": row,
                "cells": [value((row, column)) for column in table.columns],
                "total": value((row, TOTAL)),
            }
            for row in rows
        ],
        "totals": [value((TOTAL, column)) for column in table.columns],
        "total": value((TOTAL, TOTAL)),
        "withheld": sorted(
            [row, column]
            for row, column in hidden
            if not is_small(table.cell((row, column), quarters))
        ),
    }
