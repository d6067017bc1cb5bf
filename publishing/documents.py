"""The policy's PDF: rendered by WeasyPrint once per version and language, then kept."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from catalog.models import PolicyKind
from common.saudi import iban_grouped, phone_local, saudi_bank_name, shown_digits
from publishing.models import PolicyDocument, PolicyVersion
from publishing.rendering import (
    approval_on_top,
    html_digits,
    policy_sections,
    version_language,
)
from tenants.models import DEFAULT_LICENSE_LABEL_AR, DEFAULT_LICENSE_LABEL_EN, association_files
from tenants.services import NETWORK_LABELS

logger = logging.getLogger(__name__)


def _phone_shown(phone: str, digits: str) -> str:
    """055 123 4567 in the chosen digits. Arabic-Indic digits are not strong left-to-right
    characters: without a mark after each space, bidi puts their groups right to left."""
    shown = shown_digits(phone_local(phone), digits)
    return shown.replace(" ", " \u200e") if digits == "arabic" else shown


def _letterhead_shown(association: dict, language: str, digits: str) -> dict:
    """The letterhead as printed: phones as Saudis write them, IBANs in fours, each bank named
    (from the IBAN's code when the association gave no name), digits in the chosen style."""
    label = association.get(f"license_label_{language}") or (
        DEFAULT_LICENSE_LABEL_AR if language == "ar" else DEFAULT_LICENSE_LABEL_EN
    )
    return {
        "basmala": bool(association.get("basmala")),
        "reference_header": bool(association.get("reference_header")),
        "license_label": label,
        "license_number": shown_digits(association.get("license_number") or "", digits),
        "postal_code": shown_digits(association.get("postal_code") or "", digits),
        "phones": [_phone_shown(phone, digits) for phone in association["phones"]],
        "emails": association.get("emails") or [],
        "social_handles": [
            (NETWORK_LABELS.get(network, network), handle)
            for network, handle in (association.get("social_handles") or {}).items()
        ],
        "bank_accounts": [
            {
                "bank_name": account.get("bank_name") or saudi_bank_name(account["iban"]),
                "iban": iban_grouped(account["iban"]),
            }
            for account in association.get("bank_accounts") or []
        ],
    }


def policy_context(version: PolicyVersion, language: str, *, for_print: bool) -> dict:
    """What the page and the PDF show of `version` when `language` is asked for (an
    Arabic-only policy: its Arabic, `page_language` keeping what was asked)."""
    content = version.content
    page_language, language = language, version_language(content, language)
    association = content["association"]
    logo = association.get("logo")
    if logo and for_print:
        path = Path(association_files.path(logo))
        logo_src = path.as_uri() if path.is_file() else ""
    else:
        logo_src = association_files.url(logo) if logo else ""
    sections = policy_sections(content, language)
    # Versions published before the letterhead's lists keep the page they were published with.
    legacy = "phones" not in association
    # Arabic-Indic digits are the Arabic page's; the English page keeps Latin ones.
    digits = association.get("digits", "latin") if language == "ar" and not legacy else "latin"
    approval_top = None
    if approval_on_top(content) and sections and sections[0].key == "approval":
        approval_top, sections = sections[0], sections[1:]
    for section in sections:
        section.html = html_digits(section.html, digits)
    return {
        "version": version,
        "content": content,
        "letterhead": association,
        "legacy": legacy,
        "document_template": f"publishing/_policy_document{'_v1' if legacy else ''}.html",
        "shown": None if legacy else _letterhead_shown(association, language, digits),
        "digits": digits,
        "name": association[f"name_{language}"] or association["name_ar"],
        "other_name": association["name_en" if language == "ar" else "name_ar"],
        "sections": sections,
        "approval_top": approval_top,
        "logo_src": logo_src,
        "language": language,
        "page_language": page_language,
        "for_print": for_print,
        # The beneficiary policy's pages keep their own heading (and their captured HTML).
        "policy_title": ""
        if version.kind == PolicyKind.BENEFICIARY
        else PolicyKind(version.kind).label,
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
    with translation.override(version_language(version.content, language)):
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
    stem = "policy" if version.kind == PolicyKind.BENEFICIARY else version.kind
    if document:  # the row outlived its file: render it again into the same row
        document.pdf.save(f"{stem}-v{version.number}-{language}.pdf", ContentFile(pdf))
        return document
    document = PolicyDocument(version=version, language=language)
    document.pdf.save(f"{stem}-v{version.number}-{language}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Rendered twice at the same moment: keep the first, drop ours.
        document.pdf.delete(save=False)
        return PolicyDocument.objects.get(version=version, language=language)
    logger.info("policy v%s PDF rendered in %s", version.number, language)
    return document
