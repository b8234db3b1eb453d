"""The outbox: an email is written with the change that caused it, sent
once even by deliverers running at once, tried again later with a growing
delay when it could not go, and given up when it never can."""

import logging
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marketplace.accounts.mail import Email, deliver_outbox, queue_email
from marketplace.accounts.mail_backends import MailDeferred, MailRefused
from marketplace.accounts.models import OutboxEmail
from marketplace.core.clock import as_utc
from marketplace.extensions import db
from tests.mail_server import app_environment

pytestmark = pytest.mark.usefixtures("app_context")

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """A mail backend that keeps what it was asked to send, and fails for
    the addresses in `failures` with the exception given."""

    def __init__(self) -> None:
        self.sent: list[Email] = []
        self.failures: dict[str, BaseException] = {}
        self.in_transaction: list[bool] = []  # was a transaction open while sending?

    def send(self, email: Email) -> None:
        self.in_transaction.append(db.session().in_transaction())
        if email.recipient in self.failures:
            raise self.failures[email.recipient]
        self.sent.append(email)


def queue_reset_email(recipient: str = "budi@contoh.id") -> OutboxEmail:
    return queue_email(
        recipient=recipient,
        template="password_reset",
        subject="Atur ulang kata sandi Pasar Aspikmas",
        name="Budi <b>",
        reset_url="http://localhost/akun/atur-ulang/abc?x=1&y=2",
    )


def pending() -> list[OutboxEmail]:
    db.session.expire_all()
    return db.session.scalars(
        db.select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_(None))
        .order_by(OutboxEmail.id)
    ).all()


def reload(email_id: int) -> OutboxEmail:
    db.session.expire_all()
    return db.session.get_one(OutboxEmail, email_id)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def recorded(make_app, recorder):
    """An app whose emails go to `recorder`."""
    app = make_app(MAIL_BACKEND=recorder)
    with app.app_context():
        yield app


def test_queue_email_renders_text_and_html(app):
    email = queue_reset_email()
    assert email.id is not None  # flushed with the change that caused it
    assert email.subject == "Atur ulang kata sandi Pasar Aspikmas"
    assert "Halo Budi <b>," in email.body_text
    assert "http://localhost/akun/atur-ulang/abc?x=1&y=2" in email.body_text
    assert "Halo Budi &lt;b&gt;," in email.body_html
    assert 'href="http://localhost/akun/atur-ulang/abc?x=1&amp;y=2"' in email.body_html


def test_rolled_back_change_leaves_no_email(app):
    queue_reset_email()
    db.session.rollback()
    assert db.session.scalars(db.select(OutboxEmail)).all() == []


def test_console_backend_prints_each_email_once(app, capsys):
    queue_reset_email("a@contoh.id")
    queue_reset_email("b@contoh.id")
    db.session.commit()
    assert deliver_outbox().sent == 2
    assert deliver_outbox().sent == 0
    printed = capsys.readouterr().out
    assert printed.count("--- email ---") == 2
    assert "To: a@contoh.id" in printed and "To: b@contoh.id" in printed
    assert "Subject: Atur ulang kata sandi Pasar Aspikmas" in printed
    assert pending() == []
    assert all(email.sent_at is not None for email in db.session.scalars(db.select(OutboxEmail)))


def test_sending_the_emails_a_request_committed_costs_two_statements_each(recorded, recorder):
    """After a request's commit its emails are known by id: each is claimed
    by an UPDATE that returns what is sent, then marked sent. Nothing is
    asked first (the claim checks the email is due)."""
    from tests.sql import recorded_statements

    ids = [queue_reset_email(f"{name}@contoh.id").id for name in ("a", "b")]
    db.session.commit()
    with recorded_statements() as seen:
        assert deliver_outbox(ids=ids).sent == 2
    assert [email.recipient for email in recorder.sent] == ["a@contoh.id", "b@contoh.id"]
    assert [s.split()[0] for s in seen] == ["UPDATE"] * 4
    assert pending() == []
    assert deliver_outbox(ids=ids).sent == 0  # sent already: the claims find nothing due


def test_deferred_email_is_tried_again_after_a_minute(recorded, recorder):
    recorder.failures["penuh@contoh.id"] = MailDeferred("451 4.2.2 kotak surat penuh")
    deferred = queue_reset_email("penuh@contoh.id").id
    queue_reset_email("baik@contoh.id")
    db.session.commit()

    first = deliver_outbox(now=NOW)

    assert (first.sent, first.retrying, first.outage) == (1, 1, None)  # the others still go
    email = reload(deferred)
    assert (email.attempts, email.sent_at, email.claimed_until) == (1, None, None)
    assert as_utc(email.next_attempt_at) == NOW + timedelta(minutes=1)
    assert email.last_error == "MailDeferred: 451 4.2.2 kotak surat penuh"
    # Not due before its time, however often the cron job runs.
    assert deliver_outbox(now=NOW + timedelta(seconds=59)).retrying == 0

    del recorder.failures["penuh@contoh.id"]
    assert deliver_outbox(now=NOW + timedelta(minutes=1)).sent == 1
    assert [sent.recipient for sent in recorder.sent] == ["baik@contoh.id", "penuh@contoh.id"]
    assert pending() == []
    assert reload(deferred).last_error is None


def test_retries_wait_twice_as_long_each_time_up_to_the_cap_then_give_up(
    make_app, recorder, caplog
):
    app = make_app(
        MAIL_BACKEND=recorder,
        MAIL_RETRY_SECONDS=60,
        MAIL_RETRY_MAX_SECONDS=600,
        MAIL_MAX_ATTEMPTS=6,
    )
    recorder.failures["penuh@contoh.id"] = MailDeferred("452 4.3.1 sementara tidak bisa")
    with app.app_context():
        email_id = queue_reset_email("penuh@contoh.id").id
        db.session.commit()
        now, waits = NOW, []
        for _ in range(5):
            assert deliver_outbox(now=now).retrying == 1
            next_attempt_at = as_utc(reload(email_id).next_attempt_at)
            waits.append((next_attempt_at - now).total_seconds())
            now = next_attempt_at
        assert waits == [60, 120, 240, 480, 600]

        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="marketplace.accounts.mail"):
            last = deliver_outbox(now=now)

        assert (last.given_up, last.retrying) == (1, 0)
        email = reload(email_id)
        assert (email.attempts, as_utc(email.failed_at), email.sent_at) == (6, now, None)
        assert [record.levelname for record in caplog.records] == ["ERROR"]
        assert f"outbox email {email_id} given up" in caplog.text
        assert deliver_outbox(now=now + timedelta(days=1)).given_up == 0  # never again
    assert recorder.sent == []


def test_permanent_refusal_gives_up_at_once(recorded, recorder, caplog):
    recorder.failures["tidak-ada@contoh.id"] = MailRefused("550 5.1.1 tidak ada pengguna itu")
    email_id = queue_reset_email("tidak-ada@contoh.id").id
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="marketplace.accounts.mail"):
        delivery = deliver_outbox(now=NOW)
    assert (delivery.given_up, delivery.retrying, delivery.outage) == (1, 0, None)
    email = reload(email_id)
    assert (email.attempts, as_utc(email.failed_at)) == (1, NOW)
    assert email.last_error == "MailRefused: 550 5.1.1 tidak ada pengguna itu"
    assert "550 5.1.1" in caplog.text
    assert deliver_outbox(now=NOW + timedelta(days=1)).given_up == 0
    assert pending() == []


def test_server_down_stops_the_run_and_leaves_the_rest_for_the_next(recorded, recorder):
    recorder.failures["a@contoh.id"] = ConnectionRefusedError(111, "Connection refused")
    first = queue_reset_email("a@contoh.id").id
    second = queue_reset_email("b@contoh.id").id
    db.session.commit()

    delivery = deliver_outbox(now=NOW)

    assert isinstance(delivery.outage, ConnectionRefusedError)
    assert (delivery.sent, delivery.retrying) == (0, 1)
    assert as_utc(reload(first).next_attempt_at) == NOW + timedelta(minutes=1)
    assert reload(second).attempts == 0  # not tried against a server that is down
    assert recorder.sent == []
    del recorder.failures["a@contoh.id"]
    assert deliver_outbox(now=NOW + timedelta(minutes=1)).sent == 2


def test_no_transaction_is_open_while_the_server_talks(recorded, recorder):
    recorder.failures["penuh@contoh.id"] = MailDeferred("451 4.2.2 kotak surat penuh")
    for recipient in ("a@contoh.id", "penuh@contoh.id", "b@contoh.id"):
        queue_reset_email(recipient)
    db.session.commit()
    assert deliver_outbox().sent == 2
    assert recorder.in_transaction == [False, False, False]


def test_a_crashed_deliverers_claim_expires(make_app, recorder):
    app = make_app(MAIL_BACKEND=recorder, MAIL_CLAIM_SECONDS=600)
    recorder.failures["budi@contoh.id"] = SystemExit("the worker is killed while sending")
    with app.app_context():
        email_id = queue_reset_email().id
        db.session.commit()
        with pytest.raises(SystemExit):
            deliver_outbox(now=NOW)
        db.session.rollback()
        email = reload(email_id)
        assert (email.attempts, as_utc(email.claimed_until)) == (1, NOW + timedelta(minutes=10))

        del recorder.failures["budi@contoh.id"]
        # Nobody else takes it while the claim lives...
        assert deliver_outbox(now=NOW + timedelta(minutes=9)).sent == 0
        # ... and somebody does once it has expired.
        assert deliver_outbox(now=NOW + timedelta(minutes=10)).sent == 1
    assert [email.recipient for email in recorder.sent] == ["budi@contoh.id"]


def test_deliver_refuses_to_commit_someone_elses_change(app):
    queue_reset_email()
    db.session.add(OutboxEmail(recipient="x@contoh.id", subject="x", body_text="", body_html=""))
    with pytest.raises(RuntimeError, match="commit"):
        deliver_outbox()


def test_unknown_backend_is_a_clear_error(make_app):
    app = make_app(MAIL_BACKEND="merpati-pos")
    with app.app_context(), pytest.raises(LookupError, match="merpati-pos"):
        deliver_outbox()


def test_deliverers_running_at_once_send_each_email_once(make_app, mail_server):
    """Four deliverers released together over a real SMTP server; on
    PostgreSQL the claims race on real row locks."""
    app = make_app(**mail_server.config)
    recipients = [f"pembeli{n}@contoh.id" for n in range(30)]
    with app.app_context():
        for recipient in recipients:
            queue_reset_email(recipient)
        db.session.commit()
    workers = 4
    barrier = threading.Barrier(workers)
    sent: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        with app.app_context():
            try:
                barrier.wait()
                sent.append(deliver_outbox().sent)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == len(recipients)
    arrived = [to for message in mail_server.received for to in message.recipients]
    assert sorted(arrived) == sorted(recipients)
    with app.app_context():
        assert pending() == []


def test_cli_delivers_the_outbox(app, runner):
    queue_reset_email()
    db.session.commit()
    result = runner.invoke(args=["accounts", "deliver-outbox"])
    assert result.exit_code == 0, result.output
    assert "1 email terkirim." in result.output
    assert pending() == []


def test_cli_says_when_the_mail_server_is_down_and_fails(make_app, unused_port_config):
    app = make_app(**unused_port_config)
    with app.app_context():
        email_id = queue_reset_email().id
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["accounts", "deliver-outbox"])
        assert result.exit_code == 1
        assert result.stdout == "0 email terkirim. 1 dicoba lagi nanti.\n"
        assert "Server surat tidak bisa dihubungi (ConnectionRefusedError" in result.stderr
        email = reload(email_id)
        assert (email.attempts, email.sent_at) == (1, None)
        assert email.next_attempt_at is not None


def test_worker_sends_what_comes_due_until_sigterm(app, mail_server, database_url, tmp_path):
    """`flask accounts deliver-outbox --watch 1`, as a process of its own."""

    def arrived(count: int) -> bool:
        deadline = time.monotonic() + 30
        while len(mail_server.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(mail_server.received) == count

    environment = app_environment(database_url, str(tmp_path / "uploads"), **mail_server.config)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "accounts", "deliver-outbox"]
    worker = subprocess.Popen(
        [*command, "--watch", "1"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        queue_reset_email("a@contoh.id")
        db.session.commit()
        assert arrived(1)
        queue_reset_email("b@contoh.id")
        db.session.commit()
        assert arrived(2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors
    assert output.startswith("Mengirim email keluar setiap 1 detik")
    assert output.count("1 email terkirim.") == 2
    assert output.endswith("Worker email berhenti.\n")
    assert [message.recipients for message in mail_server.received] == [
        ["a@contoh.id"],
        ["b@contoh.id"],
    ]
    assert pending() == []


def test_worker_says_once_that_the_server_is_down(app, unused_port_config, database_url, tmp_path):
    environment = app_environment(database_url, str(tmp_path / "uploads"), **unused_port_config)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "accounts", "deliver-outbox"]
    worker = subprocess.Popen(
        [*command, "--watch", "1"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for recipient in ("a@contoh.id", "b@contoh.id"):
            email_id = queue_reset_email(recipient).id
            db.session.commit()
            deadline = time.monotonic() + 30
            while reload(email_id).attempts == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors
    assert [email.attempts for email in pending()] == [1, 1]  # each tried, and kept
    assert output.count("0 email terkirim. 1 dicoba lagi nanti.") == 2
    assert errors.count("Server surat tidak bisa dihubungi") == 1
