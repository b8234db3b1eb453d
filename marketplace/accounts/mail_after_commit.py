"""The one place that sends email: after the commit that queued it.

`queue_email` notes the row in its session. When that session commits, the
noted emails are handed to what is running: a request sends them once its
response has gone to the client (`response.call_on_close`: the WSGI server
calls it after the last byte, gunicorn included); a CLI command (the cron
jobs) sends them when it ends. A rollback drops the note, so a change that
did not happen sends nothing. Whatever could not go (a script's commit, a
mail server down) waits in the outbox for `flask accounts deliver-outbox`.

Sending after a response never turns the committed change into an error:
any failure is caught, the email stays queued, and this process leaves its
requests' emails to the cron job for MAIL_PAUSE_SECONDS. The outage is
logged as every backend's is (core.outages): when it starts, while it lasts
at most every few minutes, and once when delivery works again."""

import time
from collections.abc import Callable
from functools import partial

import click
from flask import Flask, Response, current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from marketplace.accounts.mail import QUEUED, deliver_outbox
from marketplace.core import outages

COMMITTED = "outbox_committed"  # g (a request) or click's ctx.meta (a command)
EXTENSION = "mail_delivery"
# How the log names the outage: the emails wait in the outbox meanwhile.
BACKEND = "Server email (email menunggu di outbox untuk `flask accounts deliver-outbox`)"


class Pause:
    """Per process: whether requests send their emails now, or leave them
    to the cron job for a while after a failure."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._until = 0.0

    def is_paused(self) -> bool:
        return time.monotonic() < self._until

    def failed(self, error: BaseException) -> None:
        self._until = time.monotonic() + self.seconds
        outages.failed(BACKEND, error)

    def worked(self) -> None:
        outages.recovered(BACKEND)


def install_mail_delivery(app: Flask) -> None:
    """Listen to every session once per process; send after each response."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    app.extensions[EXTENSION] = Pause(app.config["MAIL_PAUSE_SECONDS"])
    app.after_request(_send_after_response)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(QUEUED, None)
    if not ids:
        return
    if has_request_context():
        g.setdefault(COMMITTED, []).extend(ids)  # _send_after_response takes them
        return
    command = click.get_current_context(silent=True)
    if command is not None and has_app_context():
        committed = command.meta.get(COMMITTED)
        if committed is None:
            committed = command.meta[COMMITTED] = []
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            command.call_on_close(partial(_send, app, committed))
        committed.extend(ids)
    # Anything else (a script, a shell): the cron job sends them.


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    # Rolling back a savepoint keeps what was queued before it.
    if not session.in_transaction():
        session.info.pop(QUEUED, None)


LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_commit", _after_commit),
    ("after_soft_rollback", _after_rollback),
)


def _send_after_response(response: Response) -> Response:
    ids = g.pop(COMMITTED, None)
    if ids:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(partial(_send, app, ids))
    return response


def _send(app: Flask, ids: list[int]) -> None:
    """Send the committed emails `ids`, in a fresh app context (the request's
    or the command's is over or busy); never raises."""
    pause: Pause = app.extensions[EXTENSION]
    if not ids or pause.is_paused():
        return
    try:
        with app.app_context():
            delivery = deliver_outbox(ids=ids)
    except Exception as error:  # noqa: BLE001 - a database or configuration failure
        pause.failed(error)
        return
    if delivery.outage is not None:
        pause.failed(delivery.outage)
    else:
        pause.worked()
