"""Limits per account and per recipient, beside Flask-Limiter's limits per
address, kept in the same storage (RATELIMIT_STORAGE_URI, Redis in
production), so every worker sees the same counts.

- Logging in to one account: after `FREE_FAILURES` wrong passwords in a day,
  each further failure makes the next try wait longer (30 s, 1 min, 2 min, …
  at most 15 min). The wait is never a permanent lock that an attacker could
  keep a member out with, a right password clears the count, and so does a
  password reset. The same holds for emails that have no account, so the
  answer says nothing about which emails exist.
- Emails sent to one address by request of strangers (password reset, "you
  already have an account", verification): at most `RECIPIENT_LIMIT` an
  hour; the rest are dropped without a word, as the page may not tell.

Keys hold a digest of the email, never the email itself. When the storage is
down, the limits are skipped (and that is logged once, not per request);
Flask-Limiter's per-address limits then count in each worker's memory
(RATELIMIT_IN_MEMORY_FALLBACK_ENABLED)."""

import hashlib
import logging
import math
import time

from limits import parse

from marketplace.accounts.services import normalise_email
from marketplace.extensions import limiter

log = logging.getLogger(__name__)

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 15 * 60
FAILURES_FORGOTTEN_AFTER = 24 * 60 * 60
RECIPIENT_LIMIT = parse("3 per hour")

_storage_down = False


def _key(kind: str, email: str) -> str:
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]
    return f"accounts/{kind}/{digest}"


def _storage_failed(error: Exception) -> None:
    global _storage_down
    if not _storage_down:
        log.error("rate-limit storage unavailable, account limits skipped: %s", error)
    _storage_down = True


def _storage_back() -> None:
    global _storage_down
    if _storage_down:
        log.warning("rate-limit storage is back; account limits apply again")
    _storage_down = False


def wait_for(failures: int) -> int:
    """Seconds the next login try waits after `failures` wrong passwords."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_FAILURES), LONGEST_WAIT_SECONDS)


def login_wait(email: str) -> int:
    """Seconds before this account may try to log in again (0: now)."""
    try:
        storage = limiter.storage
        failures = storage.get(_key("login-failures", email))
        if failures < FREE_FAILURES:
            _storage_back()
            return 0
        lock = f"{_key('login-wait', email)}/{failures}"
        remaining = storage.get_expiry(lock) - time.time() if storage.get(lock) else 0
    except Exception as error:  # noqa: BLE001 - any storage failure: skip the limit
        _storage_failed(error)
        return 0
    _storage_back()
    return max(0, math.ceil(remaining))


def login_failed(email: str) -> int:
    """Count a wrong password; returns the seconds the next try must wait."""
    try:
        storage = limiter.storage
        failures = storage.incr(_key("login-failures", email), FAILURES_FORGOTTEN_AFTER)
        wait = wait_for(failures)
        if wait:
            storage.incr(f"{_key('login-wait', email)}/{failures}", wait)
    except Exception as error:  # noqa: BLE001
        _storage_failed(error)
        return 0
    _storage_back()
    return wait


def login_succeeded(email: str) -> None:
    """A right password (or a password reset) forgets the failures."""
    try:
        limiter.storage.clear(_key("login-failures", email))
    except Exception as error:  # noqa: BLE001
        _storage_failed(error)


def may_email(recipient: str) -> bool:
    """Whether one more email asked for by a stranger may go to `recipient`."""
    try:
        key = _key("mail", recipient)
        allowed = limiter.limiter.hit(RECIPIENT_LIMIT, "accounts/recipient", key)
    except Exception as error:  # noqa: BLE001
        _storage_failed(error)
        return True
    _storage_back()
    if not allowed:
        log.info("email to one recipient over %s: dropped", RECIPIENT_LIMIT)
    return bool(allowed)
