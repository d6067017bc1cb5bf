from __future__ import annotations

from catalog.models import CatalogItem, PolicyKind, TemplateVersion


def template_current(kind: str = PolicyKind.BENEFICIARY) -> TemplateVersion:
    """The newest released template version of `kind` (version 1 of each always exists: a
    migration loads it)."""
    return TemplateVersion.of_every_kind.filter(
        kind=kind, released_at__isnull=False
    ).prefetch_related("sections")[0]


def template_version_get(
    *, number: int, kind: str = PolicyKind.BENEFICIARY
) -> TemplateVersion | None:
    return (
        TemplateVersion.of_every_kind.filter(kind=kind, number=number, released_at__isnull=False)
        .prefetch_related("sections")
        .first()
    )


def catalogue_items(*, kind: str) -> list[CatalogItem]:
    return list(CatalogItem.objects.filter(kind=kind))
