"""The outbox. `queue_email` writes an email in the same transaction as the
change that caused it, so a rolled-back change leaves none; `deliver_outbox`
sends what has committed and is due, each once, through the backend named by
MAIL_BACKEND (mail_backends.py). Right after a commit the emails it queued go
out by themselves (mail_after_commit.py); `flask accounts deliver-outbox`
sends the rest: retries, and whatever a request could not send.

Each email is claimed before it is sent: a conditional UPDATE takes it for
MAIL_CLAIM_SECONDS (a lease, so the claim of a deliverer that crashed
expires) and commits, so two deliverers never hold the same email and no
transaction stays open while the mail server talks. A failed send is tried
again later, MAIL_RETRY_SECONDS doubling up to MAIL_RETRY_MAX_SECONDS; a
permanent refusal, or MAIL_MAX_ATTEMPTS sends, gives up on it."""

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from flask import current_app, render_template
from sqlalchemy import ColumnElement, Row, and_, or_, select, update

from marketplace.accounts.mail_backends import Email, MailDeferred, MailRefused, mail_backend
from marketplace.accounts.models import OutboxEmail
from marketplace.core.clock import as_utc
from marketplace.extensions import db

__all__ = ["QUEUED", "Delivery", "Email", "deliver_outbox", "queue_email"]

log = logging.getLogger(__name__)

# session.info key: ids of the emails queued in the open transaction.
QUEUED = "outbox_queued"
ERROR_LENGTH = 500


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
    db.session.info.setdefault(QUEUED, []).append(email.id)
    return email


@dataclass
class Delivery:
    """What one delivery run did."""

    sent: int = 0
    retrying: int = 0  # failed now, tried again later
    given_up: int = 0
    # Why the run stopped early: the mail server could not be reached or
    # would not talk to us (the emails not tried wait for the next run).
    outage: Exception | None = None


def deliver_outbox(
    *,
    ids: Collection[int] | None = None,
    now: datetime | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Delivery:
    """Send every due email (only those of `ids`, if given), each once.

    Not a service: like a CLI command it is a unit of work of its own and
    commits, so call it after the change that queued the emails has
    committed. `now` fixes the clock (tests); `stop` is asked between two
    emails (a worker shutting down)."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("commit the change before delivering its emails")
    config = current_app.config
    clock = (lambda: now) if now is not None else _now
    backend = mail_backend(config)
    if ids is not None:  # each claim checks it is due: no need to ask first
        due = sorted(ids)
    else:
        query = select(OutboxEmail.id).where(_is_due(clock())).order_by(OutboxEmail.id)
        due = list(db.session.scalars(query))
        db.session.rollback()  # no transaction stays open while the server talks
    delivery = Delivery()
    try:
        for email_id in due:
            if stop():
                break
            email = _claim(email_id, config=config, now=clock())
            if email is None:
                continue  # another deliverer took it, or sent it, first
            try:
                backend.send(email)
            except MailRefused as refused:
                _give_up(email_id, error=refused, now=clock())
                delivery.given_up += 1
            except Exception as error:  # noqa: BLE001 - MailDeferred, or the server is out of reach
                if _retry_later(email_id, error=error, config=config, now=clock()):
                    delivery.retrying += 1
                else:
                    delivery.given_up += 1
                if not isinstance(error, MailDeferred):
                    delivery.outage = error  # the next emails would fail the same way
                    break
            else:
                _mark_sent(email_id, now=clock())
                delivery.sent += 1
    finally:
        close = getattr(backend, "close", None)  # a backend may keep a connection
        if close is not None:
            close()
    return delivery


def _now() -> datetime:
    return datetime.now(UTC)


def _is_due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.failed_at.is_(None),
        or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now),
        or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until <= now),
    )


# What an email is sent with (`_email_of`).
SENT_COLUMNS = (
    OutboxEmail.id,
    OutboxEmail.recipient,
    OutboxEmail.subject,
    OutboxEmail.body_text,
    OutboxEmail.body_html,
    OutboxEmail.created_at,
)


def _claim(email_id: int, *, config: Mapping[str, Any], now: datetime) -> Email | None:
    """Take one due email for the lease and commit; None when it is not due
    any more (sent, claimed by another deliverer, rescheduled)."""
    lease = timedelta(seconds=config["MAIL_CLAIM_SECONDS"])
    # The UPDATE returns what is sent: the claim and the read are one statement.
    row = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, _is_due(now))
        .values(claimed_until=now + lease, attempts=OutboxEmail.attempts + 1)
        .returning(*SENT_COLUMNS)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        db.session.rollback()
        return None
    email = _email_of(row, sender=config["MAIL_SENDER"])
    db.session.commit()
    return email


def _email_of(row: Row[Any], *, sender: str) -> Email:
    created_at = as_utc(row.created_at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return Email(
        sender=sender,
        recipient=row.recipient,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        message_id=f"<outbox.{row.id}.{created_at:%Y%m%d%H%M%S}@{domain}>",
        date=created_at,
    )


def _mark_sent(email_id: int, *, now: datetime) -> None:
    _record(email_id, sent_at=now, last_error=None)


def _retry_later(
    email_id: int, *, error: Exception, config: Mapping[str, Any], now: datetime
) -> bool:
    """Schedule the next try after a failed send; False when that was the
    last one allowed, and the email is given up instead."""
    attempts = db.session.scalar(select(OutboxEmail.attempts).where(OutboxEmail.id == email_id))
    if attempts is None or attempts >= config["MAIL_MAX_ATTEMPTS"]:
        _give_up(email_id, error=error, now=now)
        return False
    delay = min(
        config["MAIL_RETRY_SECONDS"] * 2 ** (attempts - 1), config["MAIL_RETRY_MAX_SECONDS"]
    )
    log.warning(
        "outbox email %s not sent (attempt %s), trying again in %s s: %s",
        email_id,
        attempts,
        delay,
        _describe(error),
    )
    _record(email_id, next_attempt_at=now + timedelta(seconds=delay), last_error=_describe(error))
    return True


def _give_up(email_id: int, *, error: Exception, now: datetime) -> None:
    log.error("outbox email %s given up, not sent: %s", email_id, _describe(error))
    _record(email_id, failed_at=now, last_error=_describe(error))


def _record(email_id: int, **values: Any) -> None:
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
