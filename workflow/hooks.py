"""What the apps around the work add to a case's life, plugged in when Django loads them.

Privacy records the consent a case was opened with and refuses what a withdrawn consent
forbids; it sits above workflow, so it registers here (PrivacyConfig.ready) and workflow never
imports it. Receivers run in the order they were registered, inside the service's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_case_opened: list[Callable[..., None]] = []
_action_refusals: list[Callable[..., str | None]] = []


def case_opened_connect(receiver: Callable[..., None]) -> None:
    """`receiver(case=..., actor_email=...)` runs once a case is opened."""
    if receiver not in _case_opened:
        _case_opened.append(receiver)


def case_action_refusal_connect(check: Callable[..., str | None]) -> None:
    """`check(case=..., action=...)` says why `action` is refused on `case`, or None."""
    if check not in _action_refusals:
        _action_refusals.append(check)


def case_opened(*, case: Any, actor_email: str) -> None:
    for receiver in _case_opened:
        receiver(case=case, actor_email=actor_email)


def case_action_refusal(*, case: Any, action: str) -> str | None:
    for check in _action_refusals:
        reason = check(case=case, action=action)
        if reason is not None:
            return reason
    return None
