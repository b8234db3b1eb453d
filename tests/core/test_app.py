import pytest

from marketplace import create_app
from marketplace.config import ConfigError, load_config


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure():
    config = load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_bad_numbers_in_environment_fail_fast():
    with pytest.raises(ConfigError, match="COMMISSION_DEFAULT_BPS"):
        load_config({"COMMISSION_DEFAULT_BPS": "lima persen"})


def test_max_content_length_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
