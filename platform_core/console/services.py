"""Writing the operators' audit log."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from platform_core.console.models import OperatorAction


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # JSON-safe copies (dates, decimals, UUIDs as text) so the row reads the same forever.
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def operator_action_record(
    *,
    actor_email: str,
    action: str,
    association_slug: str = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> OperatorAction:
    return OperatorAction.objects.create(
        actor_email=actor_email,
        action=action,
        association_slug=association_slug,
        summary=summary[:300],
        before=_plain(before),
        after=_plain(after),
        ip_address=ip_address,
    )
