from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import RegexValidator, validate_email
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from common.jobs import BackgroundJob
from common.saudi import ascii_digits, normalize_iban, normalize_phone, saudi_bank_name

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "admin",
        "console",
        "static",
        "media",
        "app",
        "mail",
        "smtp",
        "ftp",
        "billing",
        "status",
        "help",
        "support",
        "docs",
        "blog",
        "public",
        "platform",
        "mustafid",
        "accounts",
        "signup",
        "login",
        "assets",
        "cdn",
        "dev",
        "test",
        "staging",
        "demo-base",
        "association-base",
        "healthz",
        "readyz",
        "pg-catalog",
        "information-schema",
    }
)


# The association row lives in public, so its files cannot rely on the tenant-aware default
# storage (which follows the connection's schema): they are placed under the schema by name.
association_files = FileSystemStorage()


def logo_path(association: Association, filename: str) -> str:
    return f"{association.schema_name}/logo/{Path(filename).name}"


def validate_slug(value: str) -> None:
    if not SLUG_PATTERN.match(value) or "--" in value:
        raise ValidationError(
            _(
                "Use 3 to 40 lowercase Latin letters, digits and single hyphens, "
                "starting and ending with a letter or digit."
            ),
            code="slug_format",
        )
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved."), code="slug_reserved", params={"slug": value}
        )


def validate_iban(value: str) -> None:
    normalize_iban(value)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def _listed(value, *, limit: int, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError({what: _("Give a list of texts.")})
    items = [item.strip() for item in value if item.strip()]
    if len(items) > limit:
        raise ValidationError({what: _("At most %(n)s.") % {"n": limit}})
    return items


def _phones_clean(value) -> list[str]:
    """The phones in E.164, each checked; the message names the one that is wrong."""
    phones = []
    for number, phone in enumerate(_listed(value, limit=MAX_PHONES, what="phones"), 1):
        try:
            phones.append(normalize_phone(phone))
        except ValidationError as error:
            raise ValidationError(
                {"phones": _("Phone %(n)s: %(error)s") % {"n": number, "error": error.messages[0]}}
            ) from error
    return list(dict.fromkeys(phones))


def _emails_clean(value) -> list[str]:
    emails = []
    for number, email in enumerate(_listed(value, limit=MAX_EMAILS, what="emails"), 1):
        try:
            validate_email(email)
        except ValidationError as error:
            raise ValidationError(
                {"emails": _("E-mail %(n)s: %(error)s") % {"n": number, "error": error.messages[0]}}
            ) from error
        emails.append(email)
    return list(dict.fromkeys(emails))


# The association's profile as people read it: the settings page edits it, the API shows it and
# a published policy's letterhead freezes it (with the social handles, logo and bank accounts).
PROFILE_FIELDS = (
    "name_ar",
    "name_en",
    "license_label_ar",
    "license_label_en",
    "license_number",
    "supervising_authority",
    "address",
    "postal_code",
    "phone",
    "phones",
    "email",
    "emails",
    "website",
    "basmala",
    "reference_header",
    "digits",
)

DEFAULT_LICENSE_LABEL_AR = "رقم الترخيص"
DEFAULT_LICENSE_LABEL_EN = "Licence No."
MAX_PHONES = 5
MAX_EMAILS = 5


class Digits(models.TextChoices):
    LATIN = "latin", _("Latin digits (1446)")
    ARABIC = "arabic", _("Arabic-Indic digits (١٤٤٦)")


class Association(TenantMixin):
    """A non-profit association; its members and work live in its own schema."""

    class Status(models.TextChoices):
        TRIAL = "trial", _("Trial")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    # Schemas are made by workspace.provisioning.association_provision, never by save().
    auto_create_schema = False
    auto_drop_schema = False

    slug = models.CharField(
        _("web address"), max_length=40, unique=True, validators=[validate_slug]
    )
    name_ar = models.CharField(_("name in Arabic"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    # As the association writes it on its letterhead: «تصريح رقم», «رقم الترخيص».
    license_label_ar = models.CharField(
        _("licence label (Arabic)"), max_length=60, blank=True, default=DEFAULT_LICENSE_LABEL_AR
    )
    license_label_en = models.CharField(
        _("licence label (English)"), max_length=60, blank=True, default=DEFAULT_LICENSE_LABEL_EN
    )
    license_number = models.CharField(
        _("licence / NCNP registration number"), max_length=50, blank=True
    )
    supervising_authority = models.CharField(_("supervising authority"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", _("A Saudi postal code has 5 digits."))],
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[validate_phone])
    # `phone` and `email` are the first of `phones` and `emails` (CONTRACT.md's v1 readers).
    phones = models.JSONField(_("phones"), default=list, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    emails = models.JSONField(_("e-mails"), default=list, blank=True)
    website = models.URLField(_("website"), blank=True)
    social_handles = models.JSONField(_("social media"), default=dict, blank=True)
    basmala = models.BooleanField(_("basmala at the top of the letterhead"), default=False)
    reference_header = models.BooleanField(_("Number / Date / Attachments header"), default=False)
    digits = models.CharField(
        _("digits on the policy page and PDF"),
        max_length=6,
        choices=Digits.choices,
        default=Digits.LATIN,
    )
    logo = models.ImageField(_("logo"), upload_to=logo_path, storage=association_files, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TRIAL)
    # While suspended: why, since when, and the status that reactivation gives back.
    suspended_reason = models.TextField(blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    status_before_suspension = models.CharField(max_length=12, choices=Status.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["trial", "active", "suspended"]),
                name="association_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(digits__in=["latin", "arabic"]), name="association_digits_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name_en or self.slug

    def clean(self) -> None:
        # Stored the one way: E.164 phones and ASCII digits, whatever digits were typed.
        # Older callers (and archives) give the one phone and e-mail only.
        if not self.phones and self.phone:
            self.phones = [self.phone]
        if not self.emails and self.email:
            self.emails = [self.email]
        errors = {}
        for field, clean in (("phones", _phones_clean), ("emails", _emails_clean)):
            try:
                setattr(self, field, clean(getattr(self, field)))
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        self.phone = self.phones[0] if self.phones else ""
        self.email = self.emails[0] if self.emails else ""
        self.postal_code = ascii_digits(self.postal_code or "")
        self.license_number = ascii_digits(self.license_number or "")

    @property
    def primary_host(self) -> str:
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    def url(self, path: str = "/") -> str:
        port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
        return f"{settings.PLATFORM_SCHEME}://{self.primary_host}{port}{path}"


class Domain(DomainMixin):
    class Meta:
        constraints = [models.UniqueConstraint(Lower("domain"), name="domain_unique_ci")]


class BankAccount(models.Model):
    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="bank_accounts"
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    holder_name = models.CharField(_("account holder"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["association", "iban"], name="bank_account_iban_unique")
        ]

    def __str__(self) -> str:
        return self.iban

    def clean(self) -> None:
        if self.iban:
            self.iban = normalize_iban(self.iban)
            self.bank_name = self.bank_name or saudi_bank_name(self.iban)


class AssociationExport(BackgroundJob):
    """An archive of one association: its schema's dump, its public rows and its files.

    Kept by slug and schema name as well as by foreign key: the export outlives a deleted
    association (that is what it is for), and restores it as a new one.
    """

    class Step(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        DATABASE = "database", _("Copying the database")
        RECORDS = "records", _("Copying the association's records")
        FILES = "files", _("Copying the files")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Stopped by an error")

    association = models.ForeignKey(
        Association, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    association_slug = models.CharField(max_length=40, db_index=True)
    schema_name = models.CharField(max_length=63)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.QUEUED)
    # The archive's name inside settings.EXPORTS_ROOT (never under MEDIA_ROOT).
    file = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    requested_by = models.EmailField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="association_export_progress_range"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="association_export_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"export of {self.association_slug} ({self.status})"

    @property
    def path(self) -> Path | None:
        """Where the archive is on disk, once there is one."""
        return Path(settings.EXPORTS_ROOT) / self.file if self.file else None


class SmsSender(models.Model):
    """An association's own SMS sender name (registered with the provider for it, LOCALE.md) and
    its own Unifonic application, entered by an operator; without them its messages go with
    the platform's. The AppSid is kept sealed (common.sealing) and never shown back in full.
    Not part of an association's export: credentials are entered again after a restore."""

    association = models.OneToOneField(
        Association, on_delete=models.CASCADE, related_name="sms_sender"
    )
    sender_name = models.CharField(max_length=11, blank=True)
    sender_registered = models.BooleanField(default=False)
    app_sid_sealed = models.TextField(blank=True)
    # Enough for an operator to tell which application is set, not to use it.
    app_sid_last4 = models.CharField(max_length=4, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SMS sender of {self.association_id}"


class SmsMessageRoute(models.Model):
    """Which association a message the provider numbered belongs to: written when it is handed
    over, read by the platform host's receipt webhook (one account's receipts reach one URL)."""

    provider_message_id = models.CharField(max_length=100, unique=True)
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.provider_message_id
