"""Changes to the governance page: the bylaws' upload."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Bylaws

MAX_BYLAWS_BYTES = 5 * 1024 * 1024


def bylaws_upload(*, upload, actor_email: str) -> Bylaws:
    """Keep `upload` as the association's bylaws: a PDF (judged by its first bytes, whatever it
    is called) of at most 5 MB, in the association's own folder."""
    if upload is None:
        raise ValidationError({"file": [_("Choose the bylaws' PDF file.")]})
    if upload.size > MAX_BYLAWS_BYTES:
        raise ValidationError({"file": [_("The bylaws' file is at most 5 MB.")]})
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"file": [_("Upload the bylaws as a PDF file.")]})
    bylaws = Bylaws(size=upload.size, uploaded_by=actor_email, uploaded_at=timezone.now())
    # Named by what it is, not by what it was called.
    bylaws.file.save("bylaws.pdf", upload, save=False)
    try:
        with transaction.atomic():
            bylaws.save()
    except Exception:
        bylaws.file.delete(save=False)  # no file without its record
        raise
    return bylaws
