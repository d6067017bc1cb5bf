"""What the apps above publishing do when a version is published, plugged in when Django loads
them: workflow tells the beneficiaries (WorkflowConfig.ready); publishing never imports it.
Receivers run inside the publishing transaction, so they only enqueue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_published: list[Callable[..., None]] = []


def policy_published_connect(receiver: Callable[..., None]) -> None:
    """`receiver(version=...)` runs once a version is published."""
    if receiver not in _published:
        _published.append(receiver)


def policy_published(*, version: Any) -> None:
    for receiver in _published:
        receiver(version=version)
