"""Recording who reached a beneficiary's record, as the work calls it.

The trail itself (the append-only AccessRecord table, where the request came from) belongs to
the audit app, above the work it records. Audit plugs its recorder in here when Django loads
it (AuditConfig.ready), so workflow and privacy record through this module without importing
the layer above them. Without audit installed, recording fails loudly rather than silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Added")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    DOWNLOAD = "download", _("Downloaded")
    EXPORT = "export", _("Exported")
    SEARCH = "search", _("Searched")


_recorder: Callable[..., Any] | None = None


def access_recorder_set(recorder: Callable[..., Any]) -> None:
    """The audit app's recorder, called with the keywords of `access_record`."""
    global _recorder
    _recorder = recorder


def access_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    detail: dict[str, Any] | None = None,
) -> Any:
    """Record that `actor` did `action` to `obj` (or to the kind of object named, for searches
    and exports); the row can never change afterwards (audit.services.access_record)."""
    if _recorder is None:
        raise ImproperlyConfigured("No access trail: the audit app is not installed.")
    return _recorder(actor=actor, action=action, obj=obj, object_type=object_type, detail=detail)
