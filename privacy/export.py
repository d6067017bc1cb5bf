"""A copy of everything the association holds about one person: a ZIP of data.json, a
readable report.html (Arabic, right-to-left, self-contained) and the documents themselves."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation

from complaints.selectors import complaints_of_person
from notifications.selectors import sms_sent_to
from privacy.models import ConsentRecord, DataSubjectRequest, LegalHold
from workflow.labels import EVENT_LABELS
from workflow.models import Beneficiary, Case, CaseStatus
from workflow.policy_notice import update_subscriptions_of

CHUNK = 64 * 1024
# Secrets of the association, not data about the person.
CASE_HIDDEN = frozenset({"status_token_hash"})


def _fields(instance: models.Model, hidden=frozenset()) -> dict:
    return {
        field.name: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in hidden
    }


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._")[:80] or "document"


def subject_data(*, beneficiary: Beneficiary) -> tuple[dict, list[tuple[str, Path]]]:
    """Everything about the person, and the (name in the archive, file) of each document."""
    cases = (
        Case.objects.filter(beneficiary=beneficiary)
        .prefetch_related("events", "documents")
        .select_related("survey")
        .order_by("created_at", "id")
    )
    files: list[tuple[str, Path]] = []
    case_rows = []
    for case in cases:
        documents = []
        for document in case.documents.all():
            archived = (
                f"documents/{case.reference}/{document.pk}-{_safe_name(document.original_name)}"
            )
            if document.file and Path(document.file.path).is_file():
                files.append((archived, Path(document.file.path)))
            documents.append(
                _fields(document, hidden=frozenset({"file", "case"}))
                | {"file_in_archive": archived}
            )
        survey = getattr(case, "survey", None)
        case_rows.append(
            _fields(case, hidden=CASE_HIDDEN)
            | {
                "events": [
                    _fields(event, hidden=frozenset({"case"})) for event in case.events.all()
                ],
                "documents": documents,
                "survey": _fields(survey, hidden=frozenset({"case", "token_hash"}))
                if survey
                else None,
            }
        )
    data = {
        "exported_at": timezone.now(),
        "beneficiary": _fields(beneficiary),
        "cases": case_rows,
        "consents": [
            _fields(record) for record in ConsentRecord.objects.filter(beneficiary=beneficiary)
        ],
        "legal_holds": [
            _fields(hold) for hold in LegalHold.objects.filter(beneficiary=beneficiary)
        ],
        "complaints": [
            _fields(complaint, hidden=frozenset({"status_token_hash"}))
            for complaint in complaints_of_person(
                phone=beneficiary.phone, case_ids=[case["id"] for case in case_rows]
            )
        ],
        "data_requests": [
            _fields(request, hidden=frozenset({"requester_national_id"}))
            for request in DataSubjectRequest.objects.filter(beneficiary=beneficiary)
        ],
        # «Tell me of updates» at their mobile or address, and the texts sent to their mobile.
        "update_subscriptions": [
            _fields(subscriber, hidden=frozenset({"confirm_token_hash"}))
            for subscriber in update_subscriptions_of(
                phone=beneficiary.phone, email=beneficiary.email
            )
        ],
        "text_messages": [
            _fields(message, hidden=frozenset({"text"}))
            for message in sms_sent_to(phone=beneficiary.phone)
        ],
    }
    return data, files


def subject_report_html(*, data: dict, association) -> str:
    """The readable copy: one Arabic page with its own styles, openable anywhere offline."""
    with translation.override("ar"):
        person = [
            (str(field.verbose_name), data["beneficiary"].get(field.name))
            for field in Beneficiary._meta.concrete_fields
            if field.name in data["beneficiary"] and not field.primary_key
        ]
        cases = [
            case
            | {
                "status_label": str(CaseStatus(case["status"]).label),
                "events": [
                    event | {"label": str(EVENT_LABELS.get(event["action"], event["action"]))}
                    for event in case["events"]
                ],
            }
            for case in data["cases"]
        ]
        return render_to_string(
            "privacy/export_report.html",
            {"data": data, "person": person, "cases": cases, "association": association},
        )


class _Sink:
    """A write-only file for zipfile whose bytes are handed on as they are written."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def subject_archive(
    *, data: dict, report_html: str, files: list[tuple[str, Path]]
) -> Iterator[bytes]:
    """The ZIP, produced piece by piece (documents read in chunks, never whole in memory)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        archive.writestr("report.html", report_html)
        yield sink.take()
        for name, path in files:
            with path.open("rb") as source, archive.open(name, "w") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
    yield sink.take()
