"""Recording who reached a beneficiary's record: one call, one INSERT.

Where the request came from is remembered by `AccessOriginMiddleware`, so the access helpers
and services that record (workflow's `case_get_for`, `beneficiary_get_for`, the write services)
need only the member and the object.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import User
from audit.models import AccessRecord
from common.ratelimit import client_ip_address
from workflow.models import Beneficiary, Case, CaseDocument

# (IP address, path) of the request being served; (None, "") in tasks and commands.
_origin: ContextVar[tuple[str | None, str]] = ContextVar("access_origin", default=(None, ""))


class AccessOriginMiddleware:
    """Remembers where each request comes from for the access records it leads to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _origin.set((client_ip_address(request), request.path[:500]))
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


def _describe(obj) -> dict[str, Any]:
    if isinstance(obj, Case):
        return {
            "object_type": "case",
            "object_id": str(obj.pk),
            "beneficiary_id": obj.beneficiary_id,
            "case_reference": obj.reference,
        }
    if isinstance(obj, Beneficiary):
        return {"object_type": "beneficiary", "object_id": str(obj.pk), "beneficiary_id": obj.pk}
    if isinstance(obj, CaseDocument):
        return {
            "object_type": "document",
            "object_id": str(obj.pk),
            "beneficiary_id": obj.case.beneficiary_id,
            "case_reference": obj.case.reference,
        }
    return {
        "object_type": obj._meta.model_name,
        "object_id": str(obj.pk),
        "beneficiary_id": getattr(obj, "beneficiary_id", None),
    }


def access_record(
    *,
    actor: User,
    action: str,
    obj=None,
    object_type: str = "",
    detail: dict[str, Any] | None = None,
) -> AccessRecord:
    """Record that `actor` did `action` to `obj` (or to the kind of object named, for searches
    and exports), from where the current request came; the row can never change afterwards."""
    ip_address, path = _origin.get()
    target = _describe(obj) if obj is not None else {"object_type": object_type}
    return AccessRecord.objects.create(
        actor_email=actor.email,
        actor_role=actor.role,
        action=action,
        ip_address=ip_address,
        path=path,
        # JSON-safe (dates, decimals as text) so the row reads the same forever.
        detail=json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder)),
        **target,
    )
