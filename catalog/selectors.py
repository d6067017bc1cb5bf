from __future__ import annotations

from catalog.models import CatalogItem, TemplateVersion


def template_current() -> TemplateVersion:
    """The newest released template version (version 1 always exists: a migration loads it)."""
    return TemplateVersion.objects.filter(released_at__isnull=False).prefetch_related("sections")[0]


def template_version_get(*, number: int) -> TemplateVersion | None:
    return (
        TemplateVersion.objects.filter(number=number, released_at__isnull=False)
        .prefetch_related("sections")
        .first()
    )


def catalogue_items(*, kind: str) -> list[CatalogItem]:
    return list(CatalogItem.objects.filter(kind=kind))
