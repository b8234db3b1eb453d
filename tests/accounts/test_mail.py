import threading

import pytest

from marketplace.accounts.mail import Email, deliver_outbox, queue_email
from marketplace.accounts.models import OutboxEmail
from marketplace.extensions import db


class Recorder:
    """A mail backend that keeps what it was asked to send."""

    def __init__(self, fail_for: str | None = None) -> None:
        self.sent: list[Email] = []
        self.fail_for = fail_for

    def send(self, email: Email) -> None:
        if email.recipient == self.fail_for:
            raise ConnectionError("server surat tidak menjawab")
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
    return db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))).all()


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
    assert deliver_outbox() == 2
    assert deliver_outbox() == 0
    printed = capsys.readouterr().out
    assert printed.count("--- email ---") == 2
    assert "To: a@contoh.id" in printed and "To: b@contoh.id" in printed
    assert "Subject: Atur ulang kata sandi Pasar Aspikmas" in printed
    assert pending() == []


def test_failed_send_stays_queued_for_the_next_run(make_app):
    recorder = Recorder(fail_for="rusak@contoh.id")
    app = make_app(MAIL_BACKEND=recorder)
    with app.app_context():
        queue_reset_email("rusak@contoh.id")
        queue_reset_email("baik@contoh.id")
        db.session.commit()
        assert deliver_outbox() == 1
        assert [email.recipient for email in pending()] == ["rusak@contoh.id"]
        recorder.fail_for = None
        assert deliver_outbox() == 1
        assert [email.recipient for email in recorder.sent] == ["baik@contoh.id", "rusak@contoh.id"]
        assert pending() == []


def test_deliver_refuses_to_commit_someone_elses_change(app):
    queue_reset_email()
    db.session.add(OutboxEmail(recipient="x@contoh.id", subject="x", body_text="", body_html=""))
    with pytest.raises(RuntimeError, match="commit"):
        deliver_outbox()


def test_unknown_backend_is_a_clear_error(make_app):
    app = make_app(MAIL_BACKEND="merpati-pos")
    with app.app_context(), pytest.raises(LookupError, match="merpati-pos"):
        deliver_outbox()


def test_deliveries_running_at_once_send_each_email_once(make_app):
    recorder = Recorder()
    app = make_app(MAIL_BACKEND=recorder)
    recipients = [f"pembeli{n}@contoh.id" for n in range(30)]
    with app.app_context():
        for recipient in recipients:
            queue_reset_email(recipient)
        db.session.commit()
    workers = 4
    barrier = threading.Barrier(workers)
    counts: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        with app.app_context():
            try:
                barrier.wait()
                counts.append(deliver_outbox())
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
    assert sum(counts) == len(recipients)
    assert sorted(email.recipient for email in recorder.sent) == sorted(recipients)


def test_cli_delivers_the_outbox(app, runner, capsys):
    queue_reset_email()
    db.session.commit()
    result = runner.invoke(args=["accounts", "deliver-outbox"])
    assert result.exit_code == 0, result.output
    assert "1 email terkirim." in result.output
    assert pending() == []
