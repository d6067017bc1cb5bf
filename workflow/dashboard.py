"""The workspace's home figures (/app/), shaped for plain HTML bars."""

from __future__ import annotations

import datetime

from accounts.models import User
from common.i18n import current_language
from workflow import selectors
from workflow.models import CaseStatus


def _bar_step(count: int, largest: int) -> int:
    """The bar's length in steps of 5% (the stylesheet has a class per step, no inline style)."""
    return round(count * 20 / largest) * 5 if largest else 0


def workspace_dashboard(*, actor: User) -> dict:
    """The figures of the workspace's home (/app/) over the cases `actor` may see, shaped for
    plain HTML bars."""
    figures = selectors.dashboard_figures(actor=actor)
    largest = max((count for _status, count in figures.open_by_status), default=0)
    rate = figures.on_time_rate
    english = current_language() == "en"
    return {
        "figures": figures,
        "overdue_until": figures.today - datetime.timedelta(days=1),
        "by_status": [
            {
                "status": status,
                "label": CaseStatus(status).label,
                "count": count,
                "bar": _bar_step(count, largest),
            }
            for status, count in figures.open_by_status
        ],
        "on_time_percent": None if rate is None else round(rate * 100),
        "on_time_bar": None if rate is None else round(rate * 20) * 5,
        "satisfaction": [
            {
                "channel": row.channel_name_en if english else row.channel_name_ar,
                "answers": row.answers,
                "score": row.average_score,
                "bar": _bar_step(round(row.average_score * 100), 500),
            }
            for row in figures.satisfaction
        ],
    }
