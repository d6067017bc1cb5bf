"""Secrets kept encrypted at rest (an association's own SMS credentials): Fernet (AES-128-CBC
with an HMAC-SHA256, cryptography's), keys from the environment.

ENCRYPTION_KEYS is a comma-separated list of Fernet keys: the first seals, every one opens, so
a key is rotated by putting a new one first, running `manage.py secrets_reseal`, then dropping
the old one. Without the variable one key is derived from SECRET_KEY (changing SECRET_KEY then
makes what was sealed unreadable: production sets ENCRYPTION_KEYS).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SealBroken(Exception):
    """A sealed value no key opens (a key dropped too early, or the value was altered)."""


def _box() -> MultiFernet:
    keys = list(settings.ENCRYPTION_KEYS) or [
        base64.urlsafe_b64encode(hashlib.sha256(f"seal:{settings.SECRET_KEY}".encode()).digest())
    ]
    return MultiFernet([Fernet(key) for key in keys])


def seal(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _box().decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise SealBroken("no encryption key opens this value") from error


def reseal(sealed: str) -> str:
    """The value sealed again under the first key (a key rotation)."""
    try:
        return _box().rotate(sealed.encode()).decode()
    except InvalidToken as error:
        raise SealBroken("no encryption key opens this value") from error
