"""The outbox. `queue_email` writes an email in the same transaction as the
change that caused it, so a rolled-back change leaves none; `deliver_outbox`
sends what has committed, each email once, through the backend named by
MAIL_BACKEND ("console" prints it; an SMTP backend can sit behind `send`)."""

import logging
import sys
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from flask import current_app, render_template
from sqlalchemy import func, select, update

from marketplace.accounts.models import OutboxEmail
from marketplace.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    sender: str
    recipient: str
    subject: str
    body_text: str
    body_html: str


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


BACKENDS: dict[str, type[MailBackend]] = {"console": ConsoleBackend}


def mail_backend() -> MailBackend:
    """MAIL_BACKEND is a name from BACKENDS, or an object with `send(email)`."""
    configured = current_app.config.get("MAIL_BACKEND", "console")
    if not isinstance(configured, str):
        return configured
    try:
        return BACKENDS[configured]()
    except KeyError:
        raise LookupError(
            f"MAIL_BACKEND {configured!r} is unknown; choose one of {sorted(BACKENDS)}"
        ) from None


def queue_email(*, recipient: str, template: str, subject: str, **context: Any) -> OutboxEmail:
    """Render templates/email/<template>.txt and .html into an outbox row."""
    email = OutboxEmail(
        recipient=recipient,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", subject=subject, **context),
        body_html=render_template(f"email/{template}.html", subject=subject, **context),
    )
    db.session.add(email)
    db.session.flush()
    return email


def deliver_outbox() -> int:
    """Send every pending email once; return how many were sent.

    Not a service: like a CLI command it is a unit of work of its own and
    commits, so call it after the change that queued the emails has
    committed. Each row is claimed by a conditional UPDATE and committed
    before it is sent, so two deliveries running at once never send the same
    email twice. A failed send gives its claim back for the next run."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("commit the change before delivering its emails")
    backend = mail_backend()
    sender = current_app.config["MAIL_SENDER"]
    pending = db.session.scalars(
        select(OutboxEmail.id).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.id)
    ).all()
    db.session.commit()
    sent = 0
    for email_id in pending:
        email = _claim(email_id, sender=sender)
        if email is None:
            continue  # another delivery claimed it first
        try:
            backend.send(email)
        except Exception:
            log.exception("sending outbox email %s failed; it stays queued", email_id)
            _release(email_id)
            continue
        sent += 1
    return sent


def _claim(email_id: int, *, sender: str) -> Email | None:
    """Mark one email sent and commit; None when it was no longer pending."""
    claimed = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None))
        .values(sent_at=func.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    row = db.session.get_one(OutboxEmail, email_id, populate_existing=True)
    email = Email(sender, row.recipient, row.subject, row.body_text, row.body_html)
    db.session.commit()
    return email


def _release(email_id: int) -> None:
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id)
        .values(sent_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
