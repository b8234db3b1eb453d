"""A backend that went away (Redis, for now) is logged once when it goes
and once when it comes back, not with a traceback on every request: during
an outage every request would fail the same way, and the log is what people
read to find it.

    try:
        cache.cache.inc(KEY)
    except redis.RedisError as error:
        outages.failed("Redis (cache halaman)", error)
    else:
        outages.recovered("Redis (cache halaman)")
"""

import logging
import threading
import time

log = logging.getLogger("marketplace.outages")

# While a backend stays down, say so again after this many seconds.
REMIND_SECONDS = 300.0

_lock = threading.Lock()
_down: dict[str, float] = {}  # backend -> when it was last logged (monotonic)


def failed(backend: str, error: BaseException) -> None:
    """`backend` failed with `error`: logged when it starts, and again every
    REMIND_SECONDS while it lasts (per process)."""
    now = time.monotonic()
    with _lock:
        last = _down.get(backend)
        if last is not None and now - last < REMIND_SECONDS:
            return
        _down[backend] = now
    log.warning(
        "%s tidak dapat dipakai: %s: %s (dicatat sekali tiap %d detik selama gangguan)",
        backend,
        type(error).__name__,
        error,
        REMIND_SECONDS,
    )


def recovered(backend: str) -> None:
    """`backend` answered again: logged once, if it had failed."""
    if backend not in _down:  # the usual case, without the lock
        return
    with _lock:
        was_down = _down.pop(backend, None) is not None
    if was_down:
        log.warning("%s dapat dipakai lagi.", backend)


def is_down(backend: str) -> bool:
    return backend in _down
