"""Operations on members (association schemas) and operators (public schema)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Collection

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import User
from billing.services import member_limit_check
from common.hijri import hijri_with_gregorian
from common.pg_tools import transaction_lock
from common.text import text_problem
from tenants.selectors import association_current, schema_current

logger = logging.getLogger(__name__)

HANDOFF_SALT = "mustafid.login-handoff"
HANDOFF_MAX_AGE_SECONDS = 120


def user_email_validate(*, email: str) -> str:
    email = (email if isinstance(email, str) else "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from error
    return email


def user_password_validate(*, password: str, email: str = "", full_name: str = "") -> None:
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


def user_create(
    *,
    email: str,
    password: str | None,
    role: str,
    full_name: str = "",
    email_verified: bool = False,
) -> User:
    """A user in the current schema; the e-mail is unique there and the password must be strong."""
    email = user_email_validate(email=email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A member with this e-mail already exists.")})
    if password is not None:
        user_password_validate(password=password, email=email, full_name=full_name)
    user = User.objects.create_user(email, password, role=role, full_name=full_name)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


def operator_create(*, email: str, password: str) -> User:
    """A platform operator, in the public schema. MFA is required before the console opens."""
    with schema_context("public"), transaction.atomic():
        return user_create(
            email=email, password=password, role=User.Role.OPERATOR, email_verified=True
        )


def member_welcome_send(*, user_id: int) -> bool:
    """E-mail the welcome to a new association admin once; False if it had been sent already."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, welcomed_at__isnull=True).first()
        if user is None:
            return False
        association = association_current()
        context = {"user": user, "association": association, "url": association.url("/app/")}
        send_mail(
            subject=render_to_string("emails/welcome_subject.txt", context).strip(),
            message=render_to_string("emails/welcome.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
        user.welcomed_at = timezone.now()
        user.save(update_fields=["welcomed_at"])
    logger.info("welcome e-mail sent to member %s", user_id)
    return True


def login_handoff_make(*, user: User) -> str:
    """A signed, short-lived, single-use token that signs `user` in on their association's host.

    It names the schema, so it is worthless on any other association's host, and it holds the
    user's last login, which the sign-in changes, so it works once.
    """
    last_login = user.last_login.isoformat() if user.last_login else ""
    return signing.dumps(
        {"schema": schema_current(), "user": user.pk, "last_login": last_login},
        salt=HANDOFF_SALT,
    )


def login_handoff_user(*, token: str) -> User | None:
    try:
        data = signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if data.get("schema") != schema_current():
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None:
        return None
    last_login = user.last_login.isoformat() if user.last_login else ""
    return user if last_login == data.get("last_login") else None


# The roles an association gives its members (operators live in the public schema).
MEMBER_ROLES = (User.Role.ADMIN, User.Role.STAFF, User.Role.COMMITTEE, User.Role.REFERRAL)


def member_roles_check(
    *, role, referral_roles, offered: Collection[str], held: Collection[str] = ()
) -> list[str]:
    """`role` and the referral role codes checked together; the codes, each once, in order.

    `offered`: the codes of the draft's and the published policy's referral roles (publishing.
    selectors.referral_role_codes_offered). `held`: the member's codes already, kept even when a
    newer version dropped them, so that the cases referred to them stay answerable.

    Only the `referral` role holds codes: the case work lets that role (and admins, who answer
    every referral) answer a referral, and without a code a holder would see no case at all.
    """
    errors: dict[str, list[str]] = {}
    if role not in MEMBER_ROLES:
        errors["role"] = [_("Choose one of the association's roles.")]
    if not isinstance(referral_roles, list | tuple) or not all(
        isinstance(code, str) for code in referral_roles
    ):
        errors["referral_roles"] = [_("Give a list of referral role codes.")]
        raise ValidationError(errors)
    codes = list(dict.fromkeys(code.strip() for code in referral_roles))
    unknown = [code for code in codes if code not in offered and code not in held]
    if unknown:
        errors["referral_roles"] = [
            _("“%(code)s” is not a referral role of the association's policy.")
            % {"code": code[:60]}
            for code in unknown
        ]
    elif role == User.Role.REFERRAL and not codes:
        errors["referral_roles"] = [
            _("Choose at least one referral role: its holder sees only the cases referred to it.")
        ]
    elif codes and role in MEMBER_ROLES and role != User.Role.REFERRAL:
        errors["referral_roles"] = [
            _(
                "Only a referral role holder answers for referral roles (administrators answer "
                "every referral already): remove them to give another role."
            )
        ]
    if errors:
        raise ValidationError(errors)
    return codes


def member_invite(
    *,
    email: str,
    role: str,
    full_name: str,
    invited_by: User,
    base_url: str,
    referral_roles: Collection[str] = (),
    offered: Collection[str] = (),
) -> User:
    """Create an inactive member and e-mail them a link to choose a password.

    `referral_roles`: the codes they answer for, among `offered` (see member_roles_check)."""
    errors: dict[str, list[str]] = {}
    try:
        email = user_email_validate(email=email)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        codes = member_roles_check(role=role, referral_roles=referral_roles, offered=offered)
    except ValidationError as error:
        errors.update(error.message_dict)
    if problem := text_problem(full_name, limit=200):
        errors["full_name"] = [problem]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member_limit_check()
        user = user_create(
            email=email, password=None, role=role, full_name=(full_name or "").strip()
        )
        user.is_active = False
        user.referral_roles = codes
        user.save(update_fields=["is_active", "referral_roles"])
    _invitation_send(user=user, invited_by=invited_by, base_url=base_url)
    return user


def invitation_expires_on(*, sent_at: datetime.datetime) -> datetime.date:
    """The last day (in Riyadh) on which an invitation sent at `sent_at` still opens: its link
    is a password-reset token, which lives PASSWORD_RESET_TIMEOUT seconds."""
    expires = sent_at + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return timezone.localtime(expires).date()


def _invitation_send(*, user: User, invited_by: User, base_url: str) -> None:
    """E-mail `user` the link to choose a password: who invites them, to which association, in
    which role, and until when (in both languages, Hijri with Gregorian)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    expires_on = invitation_expires_on(sent_at=timezone.now())
    roles = {}
    for language in ("ar", "en"):
        with translation.override(language):
            roles[language] = str(user.get_role_display())
    context = {
        "user": user,
        "inviter": invited_by.full_name or invited_by.email,
        "association": association_current(),
        "role_ar": roles["ar"],
        "role_en": roles["en"],
        "expires_ar": hijri_with_gregorian(expires_on, "ar"),
        "expires_en": hijri_with_gregorian(expires_on, "en"),
        "url": f"{base_url}/app/join/{uid}/{token}/",
    }
    send_mail(
        subject=render_to_string("emails/invite_subject.txt", context).strip(),
        message=render_to_string("emails/invite.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def _invited_get(member_id) -> User:
    """The member behind `member_id` if they were invited and have not joined yet."""
    try:
        member = User.objects.get(pk=int(member_id))
    except (TypeError, ValueError, OverflowError) as error:
        raise User.DoesNotExist from error
    if not member.is_invited:
        raise ValidationError(
            {
                "member": [
                    _("%(member)s has joined already: there is no invitation.") % {"member": member}
                ]
            }
        )
    return member


def member_invite_resend(*, member_id, invited_by: User, base_url: str) -> User:
    """E-mail a pending invitation again, with a fresh link (an earlier one still works until it
    expires). Raises User.DoesNotExist for an id that is no member here."""
    member = _invited_get(member_id)
    _invitation_send(user=member, invited_by=invited_by, base_url=base_url)
    logger.info("invitation of member %s sent again by %s", member.pk, invited_by.pk)
    return member


def member_invite_revoke(*, member_id, actor: User) -> str:
    """Withdraw a pending invitation: the invited member is removed, so their link no longer
    opens and their seat is free. Returns their address."""
    with transaction.atomic():
        member = _invited_get(member_id)
        email = member.email
        EmailAddress.objects.filter(user=member).delete()
        member.delete()
    logger.info("invitation of member %s revoked by %s", member_id, actor.pk)
    return email


def member_active_set(*, member_id, active: bool, actor: User) -> User:
    """Deactivate a member (they can no longer sign in nor use their API keys; their cases and
    timeline stay) or reactivate one (who takes a seat of the plan again). The association
    keeps at least one active administrator, and nobody deactivates themselves."""
    with transaction.atomic():
        # One lock with member_update: a demotion and a deactivation at once would otherwise
        # each see the other administrator still active.
        member = _member_locked(member_id)
        if member.is_invited:
            raise ValidationError(
                {
                    "member": [
                        _("%(member)s has not joined yet: revoke the invitation instead.")
                        % {"member": member}
                    ]
                }
            )
        if member.is_active == active:
            return member
        if not active:
            if member.pk == actor.pk:
                raise ValidationError({"member": [_("You cannot deactivate yourself.")]})
            if _last_active_admin(member):
                raise ValidationError(
                    {
                        "member": [
                            _("This is the last administrator: make another member one first.")
                        ]
                    }
                )
        else:
            member_limit_check()
        member.is_active = active
        member.save(update_fields=["is_active"])
    logger.info(
        "member %s %s by %s", member.pk, "reactivated" if active else "deactivated", actor.pk
    )
    return member


def _member_locked(member_id) -> User:
    """The member behind `member_id`, locked, once this association's changes of roles and
    activity are ours to make (one at a time); User.DoesNotExist for any other id."""
    transaction_lock(f"mustafid.member-roles:{schema_current()}")
    try:
        return User.objects.select_for_update().get(pk=int(member_id))
    except (TypeError, ValueError, OverflowError) as error:
        raise User.DoesNotExist from error


def _last_active_admin(member: User) -> bool:
    return (
        member.role == User.Role.ADMIN
        and member.is_active
        and not User.objects.filter(role=User.Role.ADMIN, is_active=True)
        .exclude(pk=member.pk)
        .exists()
    )


def member_update(
    *, member_id, role=None, referral_roles=None, offered: Collection[str], actor: User
) -> User:
    """Give a member another role and/or referral roles (None: unchanged); all or nothing.

    The association keeps at least one active administrator. Raises User.DoesNotExist for an
    id that is no member here."""
    with transaction.atomic():
        # One change of roles at a time: two admins demoting each other at once would
        # otherwise each see the other still admin and leave the association with none.
        member = _member_locked(member_id)
        role = member.role if role is None else role
        codes = member_roles_check(
            role=role,
            referral_roles=member.referral_roles if referral_roles is None else referral_roles,
            offered=offered,
            held=member.referral_roles,
        )
        if role != User.Role.ADMIN and _last_active_admin(member):
            raise ValidationError(
                {"role": [_("This is the last administrator: make another member one first.")]}
            )
        changed = [
            field
            for field, value in (("role", role), ("referral_roles", codes))
            if getattr(member, field) != value
        ]
        member.role, member.referral_roles = role, codes
        member.save(update_fields=changed)
    if changed:
        logger.info("member %s: %s changed by %s", member.pk, ", ".join(changed), actor.pk)
    return member


def member_invite_accept(*, user: User, password: str) -> User:
    """The invited member chooses a password; their e-mail is proven by the link."""
    user_password_validate(password=password, email=user.email, full_name=user.full_name)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    return user
