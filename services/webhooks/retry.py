"""When to try a failed delivery again, and when to stop (pure).

Exponential backoff, 1, 2, 4, … seconds, capped, with "equal jitter" (half the delay fixed,
half random) so that receivers coming back are not hit by every sender at the same second, yet
never retried at once; the random source is injected, so tests are deterministic. A receiver's
`Retry-After` (429) wins over the backoff. A delivery is given up (dead letter) when it fails
after its retry window has passed; the window runs from when the delivery was queued, or from
a resume or a redelivery, so that a long outage dead-letters a whole backlog together instead
of one notice per window."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime

MAX_EXPONENT = 62


def backoff(
    attempt: int,
    retry_after: float | None = None,
    *,
    cap: float,
    jitter: Callable[[], float] | None = None,
) -> float:
    """Seconds to wait after the `attempt`-th failed attempt (1-based)."""
    if retry_after is not None:
        return max(0.0, retry_after)
    delay = min(cap, 2.0 ** min(max(attempt, 1) - 1, MAX_EXPONENT))
    if jitter is None:
        return delay
    return delay / 2 + delay / 2 * jitter()


def give_up(since: float, now: float, window: float) -> bool:
    """True when a failure at `now` is past the retry window that started at `since`."""
    return now - since >= window


def retry_after(value: str | None, now: float) -> float | None:
    """A `Retry-After` header (seconds, or an HTTP date) as seconds from `now`; None when
    absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)
