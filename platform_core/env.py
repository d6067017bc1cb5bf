"""The one reader of the environment. Settings ask it; nothing else reads os.environ."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import overload

import dj_email_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# State of the embedded defaults (database, broker, mail, media); never committed.
LOCAL_DIR = Path(os.environ.get("MUSTAFID_LOCAL_DIR", BASE_DIR / ".local"))
# What a running `make run` recorded (its database and address), for commands run beside it.
LAUNCHER_ENV_FILE = LOCAL_DIR / "launcher.env"


def _launcher_recorded() -> dict[str, str]:
    if not LAUNCHER_ENV_FILE.exists():
        return {}
    pairs = (
        line.split("=", 1) for line in LAUNCHER_ENV_FILE.read_text().splitlines() if "=" in line
    )
    return {name.strip(): value.strip() for name, value in pairs}


@overload
def text(name: str, default: str) -> str: ...
@overload
def text(name: str, default: None = None) -> str | None: ...


def text(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name) or _launcher_recorded().get(name)
    return value if value not in (None, "") else default


def flag(name: str, default: bool = False) -> bool:
    value = text(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def integer(name: str, default: int) -> int:
    value = text(name)
    try:
        return default if value is None else int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from error


def items(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (text(name) or default).split(",") if item.strip()]


def fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys, each checked now: a bad key would otherwise surface only
    when the first secret is sealed or opened."""
    keys = items(name)
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{name}: key {number} is not a Fernet key (32 url-safe base64-encoded bytes, "
                "as Fernet.generate_key() makes one)"
            ) from error
    return keys


def database_url() -> str:
    """DATABASE_URL, else the embedded server a running `make run` recorded."""
    url = text("DATABASE_URL")
    if url:
        return url
    raise ImproperlyConfigured(
        "No database: set DATABASE_URL, or start the embedded one with `make run`."
    )


def secret_key() -> str:
    """SECRET_KEY, else one kept under .local/ so that sessions survive restarts."""
    key = text("SECRET_KEY")
    if key:
        return key
    path = LOCAL_DIR / "secret_key"
    if not path.exists():
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def all_or_none(*names: str) -> bool:
    """True when every variable is set, False when none is; half a configuration fails fast."""
    present = [name for name in names if text(name)]
    if present and len(present) != len(names):
        missing = sorted(set(names) - set(present))
        raise ImproperlyConfigured(f"{', '.join(present)} set without {', '.join(missing)}")
    return bool(present)


def email(url: str) -> dict:
    """Django's e-mail settings from EMAIL_URL (smtp://…, console:, file:///absolute/path)."""
    if url.startswith("file://"):
        # dj-email-url drops the leading slash of file:///path; a file URL's path is absolute.
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": url.removeprefix("file://"),
        }
    return dj_email_url.parse(url)
