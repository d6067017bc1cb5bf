"""The association's bylaws, as the PDF its admins upload (in its own schema and folder)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class InterestKind(models.TextChoices):
    FINANCIAL = "financial", _("A financial interest (shares, a business, a contract)")
    FAMILY = "family", _("A family or personal relationship")
    POSITION = "position", _("A position held elsewhere (employment, a board, an adviser)")
    GIFT = "gift", _("A gift, hospitality or benefit received")
    OTHER = "other", _("Another interest")


class BoardMember(models.Model):
    """A member of the board who discloses through a personal link, not as a member of the
    workspace: a board seat needs neither a plan seat nor access to beneficiaries' records."""

    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField()
    added_by = models.EmailField()
    # sha256 of the personal disclosure link's token; issuing a new link replaces it.
    link_token_hash = models.CharField(max_length=64, blank=True)
    link_issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name


class Disclosure(models.Model):
    """One signed yearly conflict-of-interest disclosure, append-only: a correction is a new
    signed row and the newest of a person's year is the one in force (a database trigger
    refuses UPDATE and DELETE). The person is a member (by e-mail, which outlives the member's
    row) or a board member."""

    year = models.PositiveSmallIntegerField()  # the Gregorian year, Riyadh time
    member_email = models.EmailField(blank=True)
    board_member = models.ForeignKey(
        BoardMember, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures"
    )
    role = models.CharField(max_length=12)  # the member's role, or "board", when signed
    signed_name = models.CharField(max_length=200)
    declared = models.BooleanField()
    no_conflict = models.BooleanField()
    # [{"kind": InterestKind, "party": str, "description": str}], empty with no_conflict.
    interests = models.JSONField(default=list, blank=True)
    policy_version = models.PositiveIntegerField()
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at", "-pk"]
        indexes = [models.Index(fields=["year", "member_email"], name="disclosure_year_member")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(member_email="") & models.Q(board_member__isnull=False))
                | (~models.Q(member_email="") & models.Q(board_member__isnull=True)),
                name="disclosure_one_person",
            ),
            models.CheckConstraint(condition=models.Q(declared=True), name="disclosure_declared"),
            models.CheckConstraint(
                condition=(models.Q(no_conflict=True) & models.Q(interests=[]))
                | (models.Q(no_conflict=False) & ~models.Q(interests=[])),
                name="disclosure_none_or_interests",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.signed_name}"


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class WhistleblowingReport(models.Model):
    """A concern reported under the whistleblowing policy. This row holds no word of it (its
    reference, dates and status only): what was said and by whom is in WhistleblowingMessage,
    which the association's export leaves out (console.archive)."""

    reference = models.CharField(max_length=12, unique=True)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    # sha256 of the reporter's private follow-up link's token; the token is never stored.
    token_hash = models.CharField(max_length=64)
    last_message_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="report_status_known"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.OPEN


class MessageAuthor(models.TextChoices):
    REPORTER = "reporter", _("The reporter")
    OFFICER = "officer", _("The officer")


class WhistleblowingMessage(models.Model):
    """What the reporter said (the report, then more information) and the officer's answers.
    The reporter's name and contact are optional; no address of theirs is kept."""

    report = models.ForeignKey(
        WhistleblowingReport, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(max_length=8, choices=MessageAuthor.choices)
    text = models.TextField()
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_contact = models.CharField(max_length=200, blank=True)
    officer_email = models.EmailField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author__in=MessageAuthor.values), name="message_author_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.author} {self.at:%Y-%m-%d}"
