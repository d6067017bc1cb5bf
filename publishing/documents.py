"""The policy's PDF: rendered by WeasyPrint once per version and language, then kept."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from publishing.models import PolicyDocument, PolicyVersion
from publishing.rendering import policy_sections
from tenants.models import association_files

logger = logging.getLogger(__name__)


def policy_context(version: PolicyVersion, language: str, *, for_print: bool) -> dict:
    content = version.content
    association = content["association"]
    logo = association.get("logo")
    if logo and for_print:
        path = Path(association_files.path(logo))
        logo_src = path.as_uri() if path.is_file() else ""
    else:
        logo_src = association_files.url(logo) if logo else ""
    return {
        "version": version,
        "content": content,
        "letterhead": association,
        "name": association[f"name_{language}"] or association["name_ar"],
        "other_name": association["name_en" if language == "ar" else "name_ar"],
        "sections": policy_sections(content, language),
        "logo_src": logo_src,
        "language": language,
    }


def pdf_from_html(html: str) -> bytes:
    """The PDF of our own HTML. Its images are our files (the logo) and inline data: WeasyPrint
    fetches nothing over the network, whatever a stored text might someday smuggle in."""
    # Imported here: WeasyPrint takes a second to load, and only the PDF needs it.
    import weasyprint
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def policy_pdf_render(version: PolicyVersion, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(
            "publishing/policy_pdf.html", policy_context(version, language, for_print=True)
        )
    return pdf_from_html(html)


def policy_document_get(*, version: PolicyVersion, language: str) -> PolicyDocument:
    """The kept PDF of `version` in `language`, rendered now if it was not yet."""
    document = PolicyDocument.objects.filter(version=version, language=language).first()
    if document and document.pdf.storage.exists(document.pdf.name):
        return document
    pdf = policy_pdf_render(version, language)
    if document:  # the row outlived its file: render it again into the same row
        document.pdf.save(f"policy-v{version.number}-{language}.pdf", ContentFile(pdf))
        return document
    document = PolicyDocument(version=version, language=language)
    document.pdf.save(f"policy-v{version.number}-{language}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Rendered twice at the same moment: keep the first, drop ours.
        document.pdf.delete(save=False)
        return PolicyDocument.objects.get(version=version, language=language)
    logger.info("policy v%s PDF rendered in %s", version.number, language)
    return document
