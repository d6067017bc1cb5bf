"""The document retention policy's periods: per class of record Mustafid keeps, the years after
which the daily retention job (privacy/retention.py) erases its personal data. The published
version's periods are what the job applies, and what its page, PDF and API print."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.saudi import ascii_digits

MIN_YEARS, MAX_YEARS = 1, 50
# The classes the job erases, in the order the page lists them: {key: (Arabic, English)}.
RETENTION_CLASSES = {
    "closed_cases": (
        "البيانات الشخصية للمستفيدين الذين انتهت جميع طلباتهم، ومستنداتهم وإجاباتهم النصية في "
        "استبانات الرضا",
        "the personal data of beneficiaries whose requests have all ended, with their documents "
        "and the words of their survey answers",
    ),
    "complaints": (
        "البيانات الشخصية لمقدمي الشكاوى والمقترحات التي أُجيب عنها",
        "the personal data of those who sent a complaint or suggestion that was answered",
    ),
}
RETENTION_LABELS = {
    "closed_cases": gettext_lazy("Closed cases (years after the last one ended)"),
    "complaints": gettext_lazy("Answered complaints (years after the answer)"),
}
# A new draft's periods, until the board sets its own.
RETENTION_DEFAULTS = {"closed_cases": 5, "complaints": 5}


def retention_clean(value, errors: dict) -> dict[str, int]:
    """{class: years} with every class, each a whole number from 1 to 50; the problems are
    keyed `retention_<class>` (the editor's field)."""
    if not isinstance(value, dict) or set(value) - set(RETENTION_CLASSES):
        errors["retention"] = [
            _("Give the years for each of: %(classes)s.")
            % {"classes": ", ".join(RETENTION_CLASSES)}
        ]
        return dict(RETENTION_DEFAULTS)
    periods = {}
    for key in RETENTION_CLASSES:
        years = value.get(key)
        text = "" if years is None or isinstance(years, bool) else ascii_digits(str(years)).strip()
        if not text.isdigit() or not MIN_YEARS <= int(text) <= MAX_YEARS:
            errors[f"retention_{key}"] = [
                _("Give a whole number of years from %(min)s to %(max)s.")
                % {"min": MIN_YEARS, "max": MAX_YEARS}
            ]
            continue
        periods[key] = int(text)
    return {**RETENTION_DEFAULTS, **periods}


def _years(years: int, language: str) -> str:
    if language != "ar":
        return f"{years} year{'' if years == 1 else 's'}"
    # Arabic counts: 1 and 2 have their own words, 3–10 a plural noun, 11 and more a singular.
    return {1: "سنة واحدة", 2: "سنتان"}.get(years) or (
        f"{years} سنوات" if years <= 10 else f"{years} سنة"
    )


def retention_lines(periods: dict, language: str) -> list[str]:
    """The periods as the page prints them, one line per class."""
    lines = []
    for key, (arabic, english) in RETENTION_CLASSES.items():
        if key in periods:
            words = arabic if language == "ar" else english
            lines.append(f"{words}: {_years(periods[key], language)}")
    return lines


def retention_heading(language: str) -> str:
    return (
        "المدد التي تطبقها الجمعية آليًا، تُمحى بعدها البيانات الشخصية وتبقى الإحصاءات:"
        if language == "ar"
        else "The periods the association applies automatically, after which personal data is "
        "erased and statistics are kept:"
    )
