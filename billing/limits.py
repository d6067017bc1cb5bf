"""What a plan's limits count.

Billing holds the limits as numbers; what they count belongs to the apps above it. Each app
registers one counter for its limit when Django loads it (its AppConfig.ready), so billing
imports no tenant model.
"""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context

from common.pg_tools import transaction_lock

MEMBERS = "members"
OPEN_CASES = "open_cases"
SMS_SEGMENTS = "sms_segments"  # this calendar month's, in Riyadh

_counters: dict[str, Callable[[], int]] = {}


def limit_counter_register(limit: str, counter: Callable[[], int]) -> None:
    """Say what `limit` counts: `counter` runs in the association's schema."""
    _counters[limit] = counter


def limit_usage(limit: str, *, schema_name: str) -> int:
    """How much of `limit` the association in `schema_name` uses, counted in its schema."""
    with schema_context(schema_name):
        return _counters[limit]()


def limit_usage_locked(limit: str, *, schema_name: str) -> int:
    """`limit_usage`, counted while holding the association's lock on that limit until the
    caller's transaction ends: simultaneous requests at the limit count one after another, so
    the insert a count allowed is in before the next count (never the limit plus one)."""
    transaction_lock(f"mustafid.limit:{schema_name}:{limit}")
    return limit_usage(limit, schema_name=schema_name)
