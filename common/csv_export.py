"""CSV downloads that Excel opens in Arabic (UTF-8 with a BOM) and cannot take for formulas."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> str:
    """A spreadsheet cell that Excel cannot take for a formula (E.164 mobiles stay as they are)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not (
        text[:1] == "+" and text[1:].isdigit()
    ):
        return "'" + text
    return text


def csv_lines(titles: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header then each row, every cell guarded; the first line starts with the BOM."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(csv_cell(title) for title in titles)
    for row in rows:
        yield writer.writerow(csv_cell(value) for value in row)


def csv_response(lines: Iterator[str], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
