"""Rate limits: fixed-window counters in the cache (local memory by default, Redis when
``REDIS_URL`` is set, so limits hold across processes)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from yiwang.kernel.crypto import sm3_hex
from yiwang.kernel.errors import DomainError, ErrorCode


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> None:
    """Count one attempt for ``key`` in ``scope``; refuse with 429 once ``limit`` attempts
    were made in the current window. Keys are hashed, so no identifier sits in the cache."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{scope}:{sm3_hex(key.encode())[:32]}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window_seconds + 1)
            count = 1
    if count > limit:
        retry_after = window_seconds - int(time.time()) % window_seconds
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            _("操作过于频繁,请 %(seconds)s 秒后再试。") % {"seconds": retry_after},
            status=429,
            retry_after=retry_after,
        )
