"""The satisfaction report's PDF, for the board to table at a meeting."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from publishing.documents import pdf_from_html
from reporting.models import SatisfactionReport
from reporting.presentation import satisfaction_view
from tenants.selectors import association_current


def satisfaction_report_pdf(*, report: SatisfactionReport, language: str) -> bytes:
    """Rendered from the report's frozen figures each time: the same report gives the same text."""
    with translation.override(language):
        association = association_current()
        html = render_to_string(
            "reporting/satisfaction_pdf.html",
            {
                "report": report,
                "view": satisfaction_view(report.content),
                "language": language,
                "name": association.name_en if language == "en" else association.name_ar,
            },
        )
    return pdf_from_html(html)
