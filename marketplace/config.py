"""Settings from environment variables (a `.env` file is read if present),
with safe defaults for development and a fail-fast check for production."""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marketplace.core.errors import DomainError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEV_SECRET_KEY = "dev-only-not-secret"
DEFAULT_SHARES = {"empowerment": 50, "central": 30, "kecamatan": 20}


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


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from `env` (the process environment by default)."""
    env = os.environ if env is None else env
    environment = env.get("APP_ENV", "development")
    is_production = environment == "production"
    return {
        "ENV_NAME": environment,
        "SECRET_KEY": env.get("SECRET_KEY") or (None if is_production else DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{INSTANCE_DIR / 'marketplace.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads"),
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
        "CACHE_NO_NULL_WARNING": _env_bool(env, "CACHE_NO_NULL_WARNING", False),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        "PASSWORD_RESET_MAX_AGE": _env_int(env, "PASSWORD_RESET_MAX_AGE", 3600),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "console"),
        "MAIL_SENDER": env.get("MAIL_SENDER", "Pasar Aspikmas <noreply@aspikmas.local>"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE"),
        "COMMISSION_DEFAULT_BPS": _env_int(env, "COMMISSION_DEFAULT_BPS", 500),
        "COMMISSION_SHARES": _shares(env.get("COMMISSION_SHARES")),
        "BANK_ACCOUNT_NAME": env.get("BANK_ACCOUNT_NAME", "Unit Usaha Aspikmas Banyumas"),
        "BANK_ACCOUNT_BANK": env.get("BANK_ACCOUNT_BANK", "Bank Jateng"),
        "BANK_ACCOUNT_NUMBER": env.get("BANK_ACCOUNT_NUMBER", "0000000000"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Catalog pages for anonymous visitors (catalog/cache.py). Several
        # workers need a shared cache: set CACHE_REDIS_URL.
        "CACHE_TYPE": env.get("CACHE_TYPE")
        or ("RedisCache" if env.get("CACHE_REDIS_URL") else "SimpleCache"),
        "CACHE_REDIS_URL": env.get("CACHE_REDIS_URL"),
        "CACHE_KEY_PREFIX": env.get("CACHE_KEY_PREFIX", "pasar/"),
        "CACHE_DEFAULT_TIMEOUT": _env_int(
            env, "CACHE_DEFAULT_TIMEOUT", 600 if env.get("CACHE_REDIS_URL") else 30
        ),
        "CATALOG_PAGE_SIZE": _env_int(env, "CATALOG_PAGE_SIZE", 24),
        "ORDER_PAYMENT_HOURS": _env_int(env, "ORDER_PAYMENT_HOURS", 24),
        # Days after a part is completed before its money can be paid out.
        "PAYOUT_HOLD_DAYS": _env_int(env, "PAYOUT_HOLD_DAYS", 0),
        # Links in emails sent outside a request (the expiry job).
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
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
