"""Behind a proxy (PROXY_FIX_X_FOR, PROXY_FIX_X_PROTO): the login limit
counts each client behind the proxy apart, and without the setting the
forwarded headers change nothing, so nobody dodges a limit by sending them."""

import uuid

import pytest
from flask import request

from marketplace.config import ConfigError, load_config

PROXY = "10.0.0.2"  # the nginx in front: every request comes from it


def unique_address() -> str:
    raw = uuid.uuid4().bytes
    return f"203.0.{raw[0]}.{raw[1] or 1}"


def attempt(app, forwarded_for: str, remote: str = PROXY) -> int:
    """A wrong password for an account that does not exist (a new one each
    time, so only the per-address limit can refuse it)."""
    response = app.test_client().post(
        "/akun/masuk",
        data={"email": f"{uuid.uuid4().hex[:12]}@contoh.id", "password": "tebak-tebak"},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": remote},
    )
    return response.status_code


def test_two_clients_behind_one_proxy_have_a_limit_each(make_app):
    app = make_app(PROXY_FIX_X_FOR=1, LOGIN_RATE_LIMIT="3 per minute")
    first, second = unique_address(), unique_address()

    assert 429 not in [attempt(app, first) for _ in range(3)]
    assert attempt(app, first) == 429
    assert attempt(app, second) != 429


def test_a_client_cannot_dodge_the_limit_by_forging_the_header_behind_a_proxy(make_app):
    """nginx appends the address it sees; only that last one is believed."""
    app = make_app(PROXY_FIX_X_FOR=1, LOGIN_RATE_LIMIT="3 per minute")
    client = unique_address()
    codes = [attempt(app, f"{unique_address()}, {client}") for _ in range(4)]
    assert codes[-1] == 429


def test_without_a_proxy_the_forwarded_header_is_ignored(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")  # PROXY_FIX_X_FOR=0, the default
    attacker = unique_address()
    codes = [attempt(app, unique_address(), remote=attacker) for _ in range(4)]
    assert 429 not in codes[:3]
    assert codes[3] == 429


@pytest.fixture
def echo(make_app):
    """An app with one extra view that tells what the request looks like."""

    def build(**overrides):
        app = make_app(**overrides)

        @app.get("/_echo")
        def show():
            return {
                "address": request.remote_addr,
                "scheme": request.scheme,
                "host": request.host,
            }

        return app.test_client()

    return build


FORWARDED = {
    "X-Forwarded-For": "198.51.100.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Port": "8443",
    "X-Forwarded-Prefix": "/evil",
}


def test_the_proxy_tells_the_client_and_the_scheme_but_never_the_host(echo):
    client = echo(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    seen = client.get(
        "/_echo",
        headers=FORWARDED | {"Host": "pasar.aspikmas.id"},
        environ_base={"REMOTE_ADDR": PROXY},
    ).json
    assert seen == {"address": "198.51.100.7", "scheme": "https", "host": "pasar.aspikmas.id"}


def test_with_no_proxy_setting_forwarded_headers_change_nothing(echo):
    client = echo()
    seen = client.get(
        "/_echo",
        headers=FORWARDED | {"Host": "pasar.aspikmas.id"},
        environ_base={"REMOTE_ADDR": PROXY},
    ).json
    assert seen == {"address": PROXY, "scheme": "http", "host": "pasar.aspikmas.id"}


def test_proxy_settings_from_the_environment():
    assert (load_config({})["PROXY_FIX_X_FOR"], load_config({})["PROXY_FIX_X_PROTO"]) == (0, 0)
    config = load_config({"PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1"})
    assert (config["PROXY_FIX_X_FOR"], config["PROXY_FIX_X_PROTO"]) == (1, 1)
    for bad in ("-1", "satu"):
        with pytest.raises(ConfigError, match="PROXY_FIX_X_FOR"):
            load_config({"PROXY_FIX_X_FOR": bad})
