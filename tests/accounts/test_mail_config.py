"""Mail settings from the environment, and production refusing an email
setup that would print reset links into the server log."""

import pytest

from marketplace.accounts.mail_backends import SmtpBackend, mail_backend
from marketplace.config import ConfigError, check_production, load_config

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/pasar",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "CACHE_REDIS_URL": "redis://127.0.0.1:6379/1",
    "PUBLIC_URL": "https://pasar.aspikmas.id",
    "MAIL_BACKEND": "smtp",
    "SMTP_HOST": "smtp.aspikmas.id",
    "SMTP_USERNAME": "noreply@aspikmas.id",
    "SMTP_PASSWORD": "rahasia",
}


def test_production_starts_with_smtp():
    check_production(load_config(PRODUCTION))


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"MAIL_BACKEND": "console"}, "MAIL_BACKEND=smtp"),
        ({"MAIL_BACKEND": ""}, "MAIL_BACKEND=smtp"),  # unset: the console
        ({"SMTP_HOST": ""}, "SMTP_HOST"),
        ({"SMTP_SECURITY": "none"}, "unencrypted"),
    ],
)
def test_production_refuses_mail_that_cannot_reach_people(changes, refusal):
    environment = {name: value for name, value in (PRODUCTION | changes).items() if value != ""}
    with pytest.raises(ConfigError, match=refusal):
        check_production(load_config(environment))


def test_smtp_settings_and_their_defaults():
    config = load_config({"MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.aspikmas.id"})
    assert (config["SMTP_PORT"], config["SMTP_SECURITY"], config["SMTP_TIMEOUT"]) == (
        587,
        "starttls",
        10,
    )
    assert load_config({"SMTP_SECURITY": "ssl"})["SMTP_PORT"] == 465
    assert load_config({"SMTP_SECURITY": "ssl", "SMTP_PORT": "2465"})["SMTP_PORT"] == 2465
    backend = mail_backend(config)
    assert isinstance(backend, SmtpBackend)
    assert (backend.settings.host, backend.settings.port) == ("smtp.aspikmas.id", 587)


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY"),
        ({"SMTP_PORT": "dua lima"}, "SMTP_PORT"),
        ({"SMTP_TIMEOUT": "sepuluh"}, "SMTP_TIMEOUT"),
        ({"SMTP_TIMEOUT": "0"}, "SMTP_TIMEOUT"),
        ({"MAIL_MAX_ATTEMPTS": "banyak"}, "MAIL_MAX_ATTEMPTS"),
        # A claim shorter than a slow send would let a second deliverer send it too.
        ({"SMTP_TIMEOUT": "120", "MAIL_CLAIM_SECONDS": "600"}, "MAIL_CLAIM_SECONDS"),
    ],
)
def test_bad_mail_settings_fail_fast(environment, refusal):
    with pytest.raises(ConfigError, match=refusal):
        load_config(environment)


def test_smtp_without_a_host_is_a_clear_error():
    with pytest.raises(LookupError, match="SMTP_HOST"):
        mail_backend(load_config({"MAIL_BACKEND": "smtp"}))
