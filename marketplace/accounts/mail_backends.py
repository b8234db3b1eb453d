"""How an email leaves: MAIL_BACKEND names a backend with `send(email)`.
"console" prints it (development); "smtp" hands it to a mail server with the
standard library's smtplib, over STARTTLS or implicit TLS with verified
certificates.

A backend says what became of one email by what it raises: nothing (sent),
`MailRefused` (the server will never take it: give up), `MailDeferred` (the
server asked to try it later). Anything else means the server could not be
reached or would not talk to us: no email can go now."""

import smtplib
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol, TextIO


class MailError(Exception):
    """The mail server answered about this one email."""


class MailRefused(MailError):
    """A permanent refusal (SMTP 5xx): sending it again cannot help."""


class MailDeferred(MailError):
    """A temporary refusal (SMTP 4xx): try this email again later."""


@dataclass(frozen=True)
class Email:
    sender: str
    recipient: str
    subject: str
    body_text: str
    body_html: str
    # Stable for one outbox row, so a retried send is recognisable.
    message_id: str
    date: datetime

    def as_message(self) -> EmailMessage:
        """A multipart/alternative message: the text part, then the HTML part,
        both UTF-8 in quoted-printable (safe for any server)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.date)
        message["Message-ID"] = self.message_id
        message["Auto-Submitted"] = "auto-generated"  # no vacation replies (RFC 3834)
        message.set_content(self.body_text, charset="utf-8", cte="quoted-printable")
        message.add_alternative(
            self.body_html, subtype="html", charset="utf-8", cte="quoted-printable"
        )
        return message


class MailBackend(Protocol):
    def send(self, email: Email) -> None: ...


class ConsoleBackend:
    """Development and tests: 'sending' is printing the text part."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, email: Email) -> None:
        stream = self.stream or sys.stdout
        print(
            f"--- email ---\nFrom: {email.sender}\nTo: {email.recipient}\n"
            f"Subject: {email.subject}\n\n{email.body_text}\n--- end of email ---",
            file=stream,
            flush=True,
        )


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "ssl" (implicit TLS) or "none"
    username: str | None
    password: str | None
    timeout: float
    ca_file: str | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "SmtpSettings":
        if not config.get("SMTP_HOST"):
            raise LookupError("MAIL_BACKEND=smtp needs SMTP_HOST")
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            security=config["SMTP_SECURITY"],
            username=config.get("SMTP_USERNAME"),
            password=config.get("SMTP_PASSWORD"),
            timeout=config["SMTP_TIMEOUT"],
            ca_file=config.get("SMTP_CA_FILE"),
        )


class SmtpBackend:
    """One connection for a whole delivery run: opened at the first send
    (TLS, then AUTH when a username is set), closed by `close()`. Every
    socket operation gives up after `timeout` seconds."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, email: Email) -> None:
        smtp = self._smtp or self._connect()
        try:
            smtp.send_message(email.as_message())
        except smtplib.SMTPRecipientsRefused as refused:
            # smtplib has reset the transaction: the connection goes on.
            ((code, reply),) = refused.recipients.values()
            raise _answer(code, reply) from refused
        except smtplib.SMTPDataError as refused:
            raise _answer(refused.smtp_code, refused.smtp_error) from refused
        except BaseException:
            self.close()  # the conversation is in an unknown state
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        # Certificates and host names are verified; SMTP_CA_FILE, when set,
        # is the only CA trusted (a private mail server).
        context = ssl.create_default_context(cafile=settings.ca_file)
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=context)  # refuses a server without STARTTLS
            if settings.username:
                smtp.login(settings.username, settings.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp


def _answer(code: int, reply: bytes | str) -> MailError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    words = f"{code} {text}"
    return MailRefused(words) if 500 <= code < 600 else MailDeferred(words)


def mail_backend(config: Mapping[str, Any]) -> MailBackend:
    """MAIL_BACKEND is "console", "smtp", or an object with `send(email)` (tests)."""
    configured = config.get("MAIL_BACKEND", "console")
    if not isinstance(configured, str):
        return configured
    if configured == "console":
        return ConsoleBackend()
    if configured == "smtp":
        return SmtpBackend(SmtpSettings.from_config(config))
    raise LookupError(f"MAIL_BACKEND {configured!r} is unknown; choose console or smtp")
