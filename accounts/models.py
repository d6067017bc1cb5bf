from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **fields) -> User:
        return self.create_user(
            email, password, role=User.Role.OPERATOR, is_staff=True, is_superuser=True, **fields
        )


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. In an association's schema a member; in public an operator.

    The table exists in every schema, so a member of one association is unknown to every other.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        STAFF = "staff", _("Beneficiary relations staff")
        COMMITTEE = "committee", _("Committee member")
        REFERRAL = "referral", _("Referral role holder")
        OPERATOR = "operator", _("Platform operator")

    # Stored lower-case (UserManager), so unique means unique whatever the case typed.
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.STAFF)
    # Codes of the policy's referral roles this member answers for (PRODUCT.md).
    referral_roles = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)  # Django admin access; unused by the product
    date_joined = models.DateTimeField(default=timezone.now)
    welcomed_at = models.DateTimeField(null=True, blank=True)
    # Designated by an admin in the whistleblowing policy's settings: reads the reports, which
    # nobody else does (governance.services.whistleblowing_officers_set).
    whistleblowing_officer = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    role__in=["admin", "staff", "committee", "referral", "operator"]
                ),
                name="user_role_known",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_association_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_invited(self) -> bool:
        """Invited and not joined yet: no password chosen (a deactivated member keeps theirs)."""
        return not self.is_active and not self.has_usable_password()

    @property
    def is_operator(self) -> bool:
        return self.role == self.Role.OPERATOR


class ApiToken(models.Model):
    """A named API key of a member. Only its SHA-256 is kept: a copy of the database gives no
    working key. `prefix` (the key's first characters) finds the row without the key itself."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
