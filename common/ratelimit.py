"""A fixed-window rate limit over Django's cache (whose keys carry the association's schema).

Windows are aligned to the clock (an hour's window starts on the hour), read from common.clock."""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.core.cache import cache

from common import clock


def client_ip(request) -> str:
    # X-Forwarded-For is anyone's to write: only believed behind our own proxy, whose address
    # it appends last (infra/README.md).
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def client_ip_address(request) -> str | None:
    """The client's address as the audit records store it: a valid IP, else None."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    return f"ratelimit:{scope}:{key}:{int(clock.now().timestamp() // window_seconds)}"


def rate_limit_exceeded(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `key` in `scope`; True once more than `limit` hits fell in this window."""
    cache_key = _cache_key(scope, key, window_seconds)
    cache.add(cache_key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 1)
        count = 1
    return count > limit


def rate_limit_retry_after(*, window_seconds: int) -> int:
    """Whole seconds until this window ends, when a refused client may try again (at least 1)."""
    return max(1, math.ceil(window_seconds - clock.now().timestamp() % window_seconds))


def rate_limit_reached(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """True once `limit` hits fell in this window; counts nothing."""
    return (cache.get(_cache_key(scope, key, window_seconds)) or 0) >= limit


# Private links (a request's status, a survey) are guessed only by trying: after this many wrong
# ones in an hour an address gets no answer at all, right or wrong, so a hit cannot be told
# from a miss. A beneficiary mistyping a link a few times is far below it.
LINK_MISSES_PER_HOUR = 20
LINK_WINDOW_SECONDS = 3600


def link_guessing(request) -> bool:
    """True when the client's address used up its wrong private links for the hour."""
    return rate_limit_reached(
        scope="link-miss",
        key=client_ip(request),
        limit=LINK_MISSES_PER_HOUR,
        window_seconds=LINK_WINDOW_SECONDS,
    )


def link_missed(request) -> None:
    """Count a wrong private link against the client's address."""
    rate_limit_exceeded(
        scope="link-miss",
        key=client_ip(request),
        limit=LINK_MISSES_PER_HOUR,
        window_seconds=LINK_WINDOW_SECONDS,
    )
