"""The published figures as pages and the PDF show them: labels in the page's language, and the
words that stand for a suppressed count."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.i18n import current_language
from reporting.disclosure import TOTAL
from reporting.statistics import TABLES
from workflow.models import CaseKind

COLUMNS = {
    CaseKind.REQUEST.value: CaseKind.REQUEST.label,
    CaseKind.SUGGESTION.value: CaseKind.SUGGESTION.label,
    CaseKind.COMPLAINT.value: CaseKind.COMPLAINT.label,
    "accepted": gettext_lazy("Accepted"),
    "rejected": gettext_lazy("Rejected"),
    "answered": gettext_lazy("Enquiries answered"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "within": gettext_lazy("Within the published deadline"),
    "late": gettext_lazy("After the deadline"),
    "satisfied": gettext_lazy("Satisfied (4 or 5)"),
    "neutral": gettext_lazy("Neutral (3)"),
    "dissatisfied": gettext_lazy("Dissatisfied (1 or 2)"),
}
TITLES = {
    "received": gettext_lazy("Requests received, by channel"),
    "outcomes": gettext_lazy("Outcomes, by channel"),
    "deadline": gettext_lazy("Committee decisions within the published deadline, by channel"),
    "satisfaction": gettext_lazy("Satisfaction surveys answered, by channel"),
}


def suppressed_label() -> str:
    return _("Fewer than 5")


def period_label(year: int, quarter: int | None) -> str:
    if quarter is None:
        return _("The year %(year)s") % {"year": year}
    return _("Quarter %(quarter)s of %(year)s") % {"quarter": quarter, "year": year}


def channel_name(names: list[str] | tuple[str, str] | None, code: str) -> str:
    if not names:
        return code
    return (names[1] if current_language() == "en" else names[0]) or names[0]


def withheld_label() -> str:
    return _("Withheld")


def _shown(value, withheld: bool = False) -> str:
    if value is None:
        return withheld_label() if withheld else suppressed_label()
    return str(value)


def statistics_view(content: dict) -> dict:
    """A publication's content, labelled for a page."""
    channels = content["channels"]
    averages = content.get("averages", {})
    tables = []
    for name in TABLES:
        table = content["tables"][name]
        columns = [str(COLUMNS[column]) for column in table["columns"]]
        withheld = {tuple(key) for key in table.get("withheld", [])}
        tables.append(
            {
                "name": name,
                "title": str(TITLES[name]),
                "columns": columns,
                "average": name == "satisfaction",
                "rows": [
                    {
                        "label": channel_name(channels.get(row["code"]), row["code"]),
                        "cells": [
                            {
                                "label": COLUMNS[column],
                                "value": _shown(value, (row["code"], column) in withheld),
                            }
                            for column, value in zip(table["columns"], row["cells"], strict=True)
                        ],
                        "total": _shown(row["total"], (row["code"], TOTAL) in withheld),
                        "average": averages.get(row["code"]),
                    }
                    for row in table["rows"]
                ],
                "totals": [
                    {"label": COLUMNS[column], "value": _shown(value, (TOTAL, column) in withheld)}
                    for column, value in zip(table["columns"], table["totals"], strict=True)
                ],
                "total": _shown(table["total"], (TOTAL, TOTAL) in withheld),
                "total_average": averages.get("_total"),
            }
        )
    period = content["period"]
    return {
        "label": period_label(period["year"], period["quarter"]),
        "first_day": datetime.date.fromisoformat(period["first_day"]),
        "last_day": datetime.date.fromisoformat(period["last_day"]),
        "beneficiaries": _shown(
            content["beneficiaries"], content.get("beneficiaries_withheld", False)
        ),
        "tables": tables,
    }


def satisfaction_view(content: dict) -> dict:
    """A satisfaction report's figures per channel beside the previous year's, with the trend
    of the average score."""
    current, previous = content["current"], content["previous"]

    def line(label: str, now: dict, before: dict | None) -> dict:
        before = before or {"answers": 0}
        trend = None
        if now.get("average") is not None and before.get("average") is not None:
            trend = round(now["average"] - before["average"], 2)
        return {
            "label": label,
            "answers": _shown(now["answers"], now.get("withheld", False)),
            "average": now.get("average"),
            "kept": now.get("kept_percent"),
            "courteous": now.get("courteous_percent"),
            "previous_answers": _shown(before["answers"], before.get("withheld", False)),
            "previous_average": before.get("average"),
            "trend": trend,
        }

    codes = sorted(set(current["channels"]) | set(previous["channels"]))
    return {
        "year": content["year"],
        "previous_year": content["year"] - 1,
        "rows": [
            line(
                channel_name(content["channels"].get(code), code),
                current["channels"].get(code, {"answers": 0}),
                previous["channels"].get(code),
            )
            for code in codes
        ],
        "total": line(_("All channels"), current["total"], previous["total"]),
    }
