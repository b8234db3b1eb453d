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


@pytest.mark.parametrize(
    "shares",
    [
        '{"empowerment": 0, "central": 0, "kecamatan": 0}',
        '{"empowerment": 50, "central": 30}',
        '{"empowerment": 50.5, "central": 30, "kecamatan": 20}',
        "[50, 30, 20]",
    ],
)
def test_commission_shares_that_cannot_split_fail_fast(shares):
    with pytest.raises(ConfigError, match="COMMISSION_SHARES"):
        load_config({"COMMISSION_SHARES": shares})


def test_production_refuses_email_links_to_this_machine(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CACHE_REDIS_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.setenv("SMTP_HOST", "smtp.aspikmas.id")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app()
    monkeypatch.setenv("PUBLIC_URL", "https://pasar.aspikmas.id")
    assert create_app().config["PUBLIC_URL"] == "https://pasar.aspikmas.id"


def test_the_development_key_is_announced_loudly(caplog, tmp_path):
    sqlite = f"sqlite:///{tmp_path / 'x.sqlite'}"
    with caplog.at_level("WARNING", logger="marketplace.config"):
        create_app({"SQLALCHEMY_DATABASE_URI": sqlite})
    assert any("PERINGATAN: SECRET_KEY tidak diisi" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="marketplace.config"):
        create_app({"SQLALCHEMY_DATABASE_URI": sqlite, "SECRET_KEY": "k" * 40})
    assert not any("SECRET_KEY" in r.getMessage() for r in caplog.records)
