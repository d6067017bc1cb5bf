"""Documents on a case: checked by content and size, kept in the association's own folder."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common.access_trail import AccessAction, access_record
from workflow.models import Case, CaseDocument, CaseEvent

MAX_BYTES = 5 * 1024 * 1024
# What the first bytes must be, whatever the file is called.
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def case_document_add(*, case: Case, upload, kind: str, actor: User) -> CaseDocument:
    """Attach a PDF, PNG or JPEG of at most 5 MB to `case`, recorded on its timeline."""
    errors: dict[str, list[str]] = {}
    if kind not in CaseDocument.Kind.values:
        errors["kind"] = [_("Choose the document's type.")]
    if upload is None:
        errors["file"] = [_("Choose a file.")]
    elif upload.size > MAX_BYTES:
        errors["file"] = [_("A document is at most 5 MB.")]
    else:
        head = upload.read(16)
        upload.seek(0)
        content_type = sniff(head)
        if content_type is None:
            errors["file"] = [_("Upload a PDF, PNG or JPEG file.")]
    if errors:
        raise ValidationError(errors)
    document = CaseDocument(
        case=case,
        kind=kind,
        original_name=str(upload.name)[-200:],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor.email,
        uploaded_at=timezone.now(),
    )
    # Named by what the file is, not by what it was called.
    document.file.save(f"upload{EXTENSIONS[content_type]}", upload, save=False)
    try:
        with transaction.atomic():
            document.save()
            CaseEvent.objects.create(
                case=case,
                action="document_added",
                from_status=case.status,
                to_status=case.status,
                actor_email=actor.email,
                data={"document": document.pk, "kind": kind, "name": document.original_name},
            )
            access_record(actor=actor, action=AccessAction.CREATE, obj=document)
    except Exception:
        document.file.delete(save=False)  # no file without its record
        raise
    return document
