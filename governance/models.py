"""The association's bylaws, as the PDF its admins upload (in its own schema and folder)."""

from __future__ import annotations

from django.db import models


class Bylaws(models.Model):
    """One upload of the bylaws; the newest is the one shown. Earlier ones are kept, as a
    general assembly's amendments are."""

    file = models.FileField(upload_to="bylaws/")
    size = models.PositiveIntegerField()
    uploaded_by = models.EmailField()
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name_plural = "bylaws"

    def __str__(self) -> str:
        return f"bylaws of {self.uploaded_at:%Y-%m-%d}"
