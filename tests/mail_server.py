"""A real SMTP server for the tests (aiosmtpd, in a thread, on a free local
port), with TLS certificates from a test CA (trustme). Loaded as a plugin by
tests/conftest.py, so every test folder has its fixtures:

- `mail_server`: STARTTLS with a certificate of the test CA; its `config`
  points the app at it (MAIL_BACKEND=smtp), `received` lists what arrived.
- `start_mail_server(**options)`: another one (implicit TLS, AUTH, a
  certificate nobody trusts, or no TLS).
- `silent_mail_server`, `unused_port_config`: app overrides for a server
  that takes the connection and never says a word, and for one that is down.
- `app_environment(...)`: the environment of a `flask` or `gunicorn`
  process on the test database."""

import asyncio
import email
import email.policy
import logging
import os
import socket
import ssl
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    login: str | None  # the AUTH user, when the client logged in


@dataclass
class Handler:
    """Keeps what arrives; answers RCPT TO or DATA for an address with the
    replies queued for it, one per try, then 250."""

    received: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)  # whole, then refused at DATA
    replies: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    data_replies: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # When set: DATA says so in `at_data`, then waits until `gate` opens.
    gate: threading.Event | None = None
    at_data: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.replies[address]:
            return self.replies[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.at_data.set()
        if self.gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 30)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = session.auth_data.login.decode() if session.authenticated else None
        arrived = Received(envelope.mail_from, envelope.rcpt_tos, message, login)
        queued = self.data_replies[envelope.rcpt_tos[0]]
        if queued:
            self.refused.append(arrived)
            return queued.pop(0)
        self.received.append(arrived)
        return "250 OK"


@dataclass
class MailServer:
    port: int
    handler: Handler
    config: dict[str, Any]  # app overrides that send through this server

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def reply(self, address: str, *replies: str, at: str = "RCPT") -> None:
        """Answer the next tries to send to `address` with `replies`, one
        per try, at RCPT TO or at the end of DATA (the message is whole)."""
        replies_of = self.handler.replies if at == "RCPT" else self.handler.data_replies
        replies_of[address].extend(replies)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA(organization_name="Pasar Aspikmas test CA")


@pytest.fixture(scope="session")
def test_ca_file(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca: trustme.CA, names: tuple[str, ...]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def _authenticate(users: dict[str, str]) -> Callable[..., AuthResult]:
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        known = users.get(auth_data.login.decode())
        if known is None or known != auth_data.password.decode():
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)

    return authenticator


@pytest.fixture
def start_mail_server(
    test_ca: trustme.CA, test_ca_file: str
) -> Iterator[Callable[..., MailServer]]:
    """`start_mail_server(security="starttls" | "ssl" | "none", users=None,
    ca=None, names=...)`: `users` ({login: password}) makes AUTH required;
    `ca` signs the server's certificate instead of the test CA the app
    trusts; `names` are the host names the certificate is for."""
    started: list[Controller] = []
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.ERROR)  # aiosmtpd's chatter

    def start(
        security: str = "starttls",
        users: dict[str, str] | None = None,
        ca: trustme.CA | None = None,
        names: tuple[str, ...] = (HOST, "localhost"),
    ) -> MailServer:
        handler = Handler()
        context = server_context(ca or test_ca, names)
        options: dict[str, Any] = {}
        if security == "starttls":
            options |= {"tls_context": context, "require_starttls": True}
        elif security == "ssl":
            options |= {"ssl_context": context}
        if users is not None:
            options |= {
                "authenticator": _authenticate(users),
                "auth_required": True,
                "auth_require_tls": security != "none",
            }
        port = free_port()
        controller = Controller(handler, hostname=HOST, port=port, **options)
        controller.start()
        started.append(controller)
        config = {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": HOST,
            "SMTP_PORT": port,
            "SMTP_SECURITY": security,
            "SMTP_TIMEOUT": 5,
            "SMTP_CA_FILE": test_ca_file,
            "SMTP_USERNAME": None,
            "SMTP_PASSWORD": None,
        }
        return MailServer(port=port, handler=handler, config=config)

    yield start
    for controller in started:
        controller.stop()
    mail_log.setLevel(level)


@pytest.fixture
def mail_server(start_mail_server: Callable[..., MailServer]) -> MailServer:
    return start_mail_server()


@pytest.fixture
def silent_mail_server(test_ca_file: str) -> Iterator[dict[str, Any]]:
    """App overrides for a server that accepts the connection (the kernel
    does, from the listen backlog) and never answers."""
    with socket.create_server((HOST, 0)) as listener:
        yield {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": HOST,
            "SMTP_PORT": listener.getsockname()[1],
            "SMTP_SECURITY": "starttls",
            "SMTP_TIMEOUT": 1,
            "SMTP_CA_FILE": test_ca_file,
        }


@pytest.fixture
def unused_port_config(test_ca_file: str) -> dict[str, Any]:
    """App overrides for a mail server that is down (nothing listens)."""
    return {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": HOST,
        "SMTP_PORT": free_port(),
        "SMTP_SECURITY": "starttls",
        "SMTP_TIMEOUT": 1,
        "SMTP_CA_FILE": test_ca_file,
    }


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    """The text and the HTML part of a received message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def app_environment(database_url: str, upload_dir: str, **config: Any) -> dict[str, str]:
    """The environment of a `flask` or `gunicorn` process on the test
    database, with `config` (e.g. a mail server's) as its settings."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SMTP_", "MAIL_", "DATABASE_", "APP_ENV"))
    }
    environment |= {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "UPLOAD_DIR": upload_dir,
        "APP_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    environment |= {name: str(value) for name, value in config.items() if value is not None}
    return environment
