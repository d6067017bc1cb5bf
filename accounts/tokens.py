"""Members' API keys: made and shown once, kept as a SHA-256, compared in constant time.

A key is 40 random URL-safe characters (240 bits): a plain SHA-256 is enough to keep it, as no
guessing or dictionary can reach it; a slow password hash would only slow every API request.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User
from common.text import text_problem

PREFIX_LENGTH = 10  # the same as the migration that hashed the old keys
# Recording every use would write on every request: once a minute tells an admin enough.
LAST_USE_PRECISION = datetime.timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new named key for `user`: the row, and the key itself, which is never seen again."""
    problem = text_problem(name, limit=100, required=True)
    if problem:
        raise ValidationError({"name": [problem]})
    name = name.strip()
    if not user.is_active:
        raise ValidationError({"user": [_("This member has not joined yet.")]})
    for _attempt in range(3):  # two keys sharing a prefix: astronomically rare, but say it
        key = secrets.token_urlsafe(30)
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user, name=name, prefix=key[:PREFIX_LENGTH], digest=_digest(key)
                )
        except IntegrityError:
            continue
        return token, key
    raise RuntimeError("no free token prefix after three tries")


def api_token_user(*, key: str) -> User | None:
    """The active member whose unrevoked key this is, or None (a wrong key and a revoked one
    look the same to the caller)."""
    if not isinstance(key, str) or len(key) <= PREFIX_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=key[:PREFIX_LENGTH], revoked_at__isnull=True)
        .first()
    )
    # Compared in constant time, and compared even when no row matched, so the time taken
    # does not tell a known prefix from an unknown one.
    expected = token.digest if token else _digest("")
    if not hmac.compare_digest(expected, _digest(key)) or token is None:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_revoke(*, token_id: int) -> ApiToken:
    """Revoke a key of this association's members: it stops working at once, the row stays."""
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise ValidationError({"token": [_("There is no such API key.")]})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
