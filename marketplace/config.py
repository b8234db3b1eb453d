"""Settings from environment variables (a `.env` file is read if present),
with safe defaults for development and a fail-fast check for production."""

import json
import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from marketplace.core.errors import DomainError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEV_SECRET_KEY = "dev-only-not-secret"
DEFAULT_SHARES = {"empowerment": 50, "central": 30, "kecamatan": 20}
# The page cache on Redis (core.resilient_cache): an unreachable Redis is a miss, not an error.
RESILIENT_REDIS_CACHE = "marketplace.core.resilient_cache.ResilientRedisCache"


log = logging.getLogger(__name__)
DEV_KEY_WARNING = """
************************************************************************
  PERINGATAN: SECRET_KEY tidak diisi. Aplikasi memakai kunci bawaan
  pengembangan ("dev-only-not-secret"), yang tertulis di kode sumber:
  siapa pun bisa memalsukan sesi login. Jangan buka server ini untuk
  orang lain. Isi SECRET_KEY (lihat README) atau jalankan dengan
  APP_ENV=production, yang menolak berjalan tanpa kunci.
************************************************************************"""


class ConfigError(DomainError):
    """The configuration cannot run the shop."""


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from error


def _proxy_count(env: Mapping[str, str], name: str) -> int:
    count = _env_int(env, name, 0)
    if count < 0:
        raise ConfigError(f"{name} is a number of proxies (0 or more), got {count}")
    return count


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _shares(raw: str | None) -> dict[str, int]:
    """COMMISSION_SHARES as JSON, e.g. {"empowerment": 50, "central": 30, "kecamatan": 20}."""
    if not raw:
        return dict(DEFAULT_SHARES)
    try:
        shares = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigError("COMMISSION_SHARES must be JSON") from error
    if (
        not isinstance(shares, dict)
        or set(shares) != set(DEFAULT_SHARES)
        or not all(type(v) is int and v >= 0 for v in shares.values())
        or sum(shares.values()) == 0
    ):
        raise ConfigError(
            f"COMMISSION_SHARES needs whole shares for {sorted(DEFAULT_SHARES)}, not all zero"
        )
    return shares


def _trusted_hosts(raw: str | None, public_url: str, is_production: bool) -> list[str] | None:
    """TRUSTED_HOSTS, comma-separated; in production PUBLIC_URL's host when
    unset. None (any host) in development."""
    hosts = [host.strip() for host in (raw or "").split(",") if host.strip()]
    if hosts:
        return hosts
    public_host = urlsplit(public_url).hostname
    if is_production and public_host:
        return [public_host]
    return None


SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _mail(env: Mapping[str, str]) -> dict[str, Any]:
    """MAIL_BACKEND=smtp and its SMTP_* settings; how the outbox retries."""
    security = env.get("SMTP_SECURITY") or "starttls"
    if security not in SMTP_PORTS:
        raise ConfigError(f"SMTP_SECURITY must be one of {sorted(SMTP_PORTS)}, got {security!r}")
    timeout = _env_int(env, "SMTP_TIMEOUT", 10)
    if timeout < 1:
        raise ConfigError("SMTP_TIMEOUT must be at least 1 second")
    claim = _env_int(env, "MAIL_CLAIM_SECONDS", 600)
    # An SMTP conversation is about ten steps, each up to the timeout.
    if claim < 10 * timeout:
        raise ConfigError("MAIL_CLAIM_SECONDS must be at least 10 × SMTP_TIMEOUT")
    return {
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": _env_int(env, "SMTP_PORT", SMTP_PORTS[security]),
        "SMTP_SECURITY": security,
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_TIMEOUT": timeout,
        # A PEM file of the CA that signed a private mail server's certificate
        # (then only that CA is trusted); unset: the system's CAs.
        "SMTP_CA_FILE": env.get("SMTP_CA_FILE") or None,
        # A failed send is tried again after 1 minute, then 2, 4, ... at most
        # an hour apart, and given up after MAIL_MAX_ATTEMPTS sends.
        "MAIL_MAX_ATTEMPTS": _env_int(env, "MAIL_MAX_ATTEMPTS", 10),
        "MAIL_RETRY_SECONDS": _env_int(env, "MAIL_RETRY_SECONDS", 60),
        "MAIL_RETRY_MAX_SECONDS": _env_int(env, "MAIL_RETRY_MAX_SECONDS", 3600),
        # How long a deliverer holds an email it is sending (longer than a
        # slow SMTP conversation) before another may take it over.
        "MAIL_CLAIM_SECONDS": claim,
        # After a failed send right after a request, requests leave their
        # emails to `flask accounts deliver-outbox` this long.
        "MAIL_PAUSE_SECONDS": _env_int(env, "MAIL_PAUSE_SECONDS", 300),
    }


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from `env` (the process environment by default)."""
    env = os.environ if env is None else env
    environment = env.get("APP_ENV", "development")
    is_production = environment == "production"
    public_url = env.get("PUBLIC_URL", "http://127.0.0.1:5000")
    return {
        "ENV_NAME": environment,
        "SECRET_KEY": env.get("SECRET_KEY") or (None if is_production else DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{INSTANCE_DIR / 'marketplace.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads"),
        # Fingerprinted and compressed copies of static/, made at start (core/static.py).
        "STATIC_BUILD_DIR": env.get("STATIC_BUILD_DIR") or str(INSTANCE_DIR / "static"),
        "MAX_CONTENT_LENGTH": _env_int(env, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": is_production,
        "WTF_CSRF_ENABLED": True,
        # Strict-Transport-Security max-age, sent in production only (core/headers.py).
        "HSTS_SECONDS": _env_int(env, "HSTS_SECONDS", 365 * 24 * 3600),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _env_bool(env, "RATELIMIT_ENABLED", True),
        # Redis for the limits unreachable: each worker counts in its own memory
        # with the same limits (logins go on, still limited) until it answers.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "CACHE_NO_NULL_WARNING": _env_bool(env, "CACHE_NO_NULL_WARNING", False),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        # Sign-ups from one address: a chapter's training day registers a room full.
        "REGISTER_RATE_LIMIT": env.get("REGISTER_RATE_LIMIT", "10 per hour;50 per day"),
        # A login lasts this many days ("Ingat saya": REMEMBER_DAYS), then asks again.
        "LOGIN_SESSION_DAYS": _env_int(env, "LOGIN_SESSION_DAYS", 7),
        "REMEMBER_DAYS": _env_int(env, "REMEMBER_DAYS", 30),
        "REMEMBER_COOKIE_DURATION": timedelta(days=_env_int(env, "REMEMBER_DAYS", 30)),
        "PASSWORD_RESET_MAX_AGE": _env_int(env, "PASSWORD_RESET_MAX_AGE", 3600),
        "VERIFY_EMAIL_MAX_AGE": _env_int(env, "VERIFY_EMAIL_MAX_AGE", 7 * 24 * 3600),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "console"),
        "MAIL_SENDER": env.get("MAIL_SENDER", "Pasar Aspikmas <noreply@aspikmas.local>"),
        **_mail(env),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE"),
        # Seconds to wait for Stripe's answer, and retries (payments.stripe_api).
        "STRIPE_TIMEOUT_SECONDS": _env_int(env, "STRIPE_TIMEOUT_SECONDS", 6),
        "STRIPE_MAX_NETWORK_RETRIES": _env_int(env, "STRIPE_MAX_NETWORK_RETRIES", 2),
        "COMMISSION_DEFAULT_BPS": _env_int(env, "COMMISSION_DEFAULT_BPS", 500),
        "COMMISSION_SHARES": _shares(env.get("COMMISSION_SHARES")),
        "BANK_ACCOUNT_NAME": env.get("BANK_ACCOUNT_NAME", "Unit Usaha Aspikmas Banyumas"),
        "BANK_ACCOUNT_BANK": env.get("BANK_ACCOUNT_BANK", "Bank Jateng"),
        "BANK_ACCOUNT_NUMBER": env.get("BANK_ACCOUNT_NUMBER", "0000000000"),
        # Catalog pages for anonymous visitors (catalog/cache.py). Several
        # workers need a shared cache: set CACHE_REDIS_URL.
        "CACHE_TYPE": env.get("CACHE_TYPE")
        or (RESILIENT_REDIS_CACHE if env.get("CACHE_REDIS_URL") else "SimpleCache"),
        "CACHE_REDIS_URL": env.get("CACHE_REDIS_URL"),
        "CACHE_KEY_PREFIX": env.get("CACHE_KEY_PREFIX", "pasar/"),
        "CACHE_DEFAULT_TIMEOUT": _env_int(
            env, "CACHE_DEFAULT_TIMEOUT", 600 if env.get("CACHE_REDIS_URL") else 30
        ),
        "CATALOG_PAGE_SIZE": _env_int(env, "CATALOG_PAGE_SIZE", 24),
        "ORDER_PAYMENT_HOURS": _env_int(env, "ORDER_PAYMENT_HOURS", 24),
        # Days after a part is completed before its money can be paid out.
        "PAYOUT_HOLD_DAYS": _env_int(env, "PAYOUT_HOLD_DAYS", 0),
        # The smallest payout line (rupiah): a member below it waits for the next batch.
        "PAYOUT_MINIMUM": _env_int(env, "PAYOUT_MINIMUM", 10_000),
        # A payout batch needs an admin other than its preparer to approve it.
        "PAYOUT_REQUIRE_APPROVAL": _env_bool(env, "PAYOUT_REQUIRE_APPROVAL", True),
        # A kecamatan chapter's officer decides its membership applications
        # (else they only recommend, and the regency admin decides).
        "CHAPTER_CAN_APPROVE": _env_bool(env, "CHAPTER_CAN_APPROVE", False),
        # The only source of absolute URLs (core/urls.py): emails, the API, WhatsApp text.
        "PUBLIC_URL": public_url,
        # Requests for any other Host are refused with a 400 (Flask checks it).
        "TRUSTED_HOSTS": _trusted_hosts(env.get("TRUSTED_HOSTS"), public_url, is_production),
        # Behind a proxy: how many proxies in front set X-Forwarded-For and
        # X-Forwarded-Proto (werkzeug's ProxyFix; 0 = trust neither header).
        "PROXY_FIX_X_FOR": _proxy_count(env, "PROXY_FIX_X_FOR"),
        "PROXY_FIX_X_PROTO": _proxy_count(env, "PROXY_FIX_X_PROTO"),
    }


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse to start production with settings that are only safe in development."""
    if config["ENV_NAME"] != "production":
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigError("SECRET_KEY must be set in production")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("production runs on PostgreSQL: set DATABASE_URL")
    # Several gunicorn workers must share login limits and the page cache.
    if config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        raise ConfigError("production shares login limits: set RATELIMIT_STORAGE_URI=redis://...")
    if config["CACHE_TYPE"] == "SimpleCache":
        raise ConfigError("production shares the page cache: set CACHE_REDIS_URL=redis://...")
    # Emails from cron jobs link to the shop: not to this machine.
    if "127.0.0.1" in config["PUBLIC_URL"] or "localhost" in config["PUBLIC_URL"]:
        raise ConfigError("production emails link to the shop: set PUBLIC_URL=https://...")
    if not config.get("TRUSTED_HOSTS"):
        raise ConfigError("production answers its own host only: set PUBLIC_URL=https://...")
    # Reset links and order emails must reach people, not the server log.
    if config["MAIL_BACKEND"] == "console":
        raise ConfigError("production sends real email: set MAIL_BACKEND=smtp and SMTP_HOST")
    if config["MAIL_BACKEND"] == "smtp" and not config.get("SMTP_HOST"):
        raise ConfigError("MAIL_BACKEND=smtp needs SMTP_HOST")
    if config.get("SMTP_USERNAME") and config.get("SMTP_SECURITY") == "none":
        raise ConfigError("SMTP_SECURITY=none would send SMTP_PASSWORD unencrypted")


def warn_development(config: Mapping[str, Any]) -> None:
    """Say it loudly when sessions are signed with the key everyone can read."""
    if config.get("SECRET_KEY") == DEV_SECRET_KEY and not config.get("TESTING"):
        log.warning(DEV_KEY_WARNING)
