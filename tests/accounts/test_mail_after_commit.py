"""Emails leave after the commit that queued them, from one place: after the
response of a request (under gunicorn too), at the end of a CLI command;
never for a rolled-back change; and a mail server that is down never turns
a saved change into an error page."""

import http.client
import logging
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import click
import pytest

from marketplace.accounts.mail import deliver_outbox, queue_email
from marketplace.accounts.mail_after_commit import BACKEND
from marketplace.accounts.models import OutboxEmail
from marketplace.core import outages
from marketplace.extensions import db
from tests.factories import UserFactory
from tests.mail_server import HOST, app_environment, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FORGOT = "/akun/lupa-sandi"
OUTAGE_LOG = "marketplace.outages"


def queue(recipient: str) -> OutboxEmail:
    return queue_email(
        recipient=recipient,
        template="password_reset",
        subject="Atur ulang kata sandi Pasar Aspikmas",
        name="Budi",
        reset_url="https://pasar.aspikmas.id/akun/atur-ulang/abc",
    )


def outbox() -> list[OutboxEmail]:
    db.session.expire_all()
    return db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)).all()


def arrived_to(server) -> list[str]:
    return [to for message in server.received for to in message.recipients]


def test_a_request_sends_what_it_committed_and_nothing_it_rolled_back(make_app, mail_server):
    app = make_app(**mail_server.config)

    @app.post("/uji/batal")
    def rolled_back():
        queue("batal@contoh.id")
        db.session.rollback()
        return "batal"

    @app.post("/uji/simpan")
    def committed():
        queue("simpan@contoh.id")
        savepoint = db.session.begin_nested()  # rolled back, it keeps what came before
        queue("savepoint@contoh.id")
        savepoint.rollback()
        queue("kedua@contoh.id")
        db.session.commit()
        return "simpan"

    with app.app_context():
        client = app.test_client()
        assert client.post("/uji/batal").text == "batal"
        assert outbox() == [] and mail_server.received == []

        assert client.post("/uji/simpan").text == "simpan"
        assert arrived_to(mail_server) == ["simpan@contoh.id", "kedua@contoh.id"]
        assert all(email.sent_at is not None for email in outbox())


def test_a_commit_outside_requests_and_commands_waits_for_the_cron_job(make_app, mail_server):
    app = make_app(**mail_server.config)
    with app.app_context():
        queue("budi@contoh.id")
        db.session.commit()
        assert mail_server.received == []
        result = app.test_cli_runner().invoke(args=["accounts", "deliver-outbox"])
        assert result.output == "1 email terkirim.\n"
    assert arrived_to(mail_server) == ["budi@contoh.id"]


def test_a_command_sends_what_it_committed_when_it_ends(make_app, mail_server):
    app = make_app(**mail_server.config)
    arrived_during_the_command: list[int] = []

    @app.cli.command("uji-kirim")
    def send_two() -> None:
        for recipient in ("satu@contoh.id", "dua@contoh.id"):
            queue(recipient)
            db.session.commit()
        queue("batal@contoh.id")
        db.session.rollback()
        arrived_during_the_command.append(len(mail_server.received))
        click.echo("selesai")

    result = app.test_cli_runner().invoke(args=["uji-kirim"])

    assert result.exit_code == 0, result.output
    assert result.output == "selesai\n"
    assert arrived_during_the_command == [0]
    assert arrived_to(mail_server) == ["satu@contoh.id", "dua@contoh.id"]


@pytest.fixture
def no_outage_yet(monkeypatch):
    """Outages are logged once per process: forget those of earlier tests."""
    monkeypatch.setattr(outages, "_down", {})


def test_mail_server_down_keeps_the_page_and_is_logged_once(
    make_app, unused_port_config, mail_server, caplog, no_outage_yet
):
    """Three shoppers ask for a reset while the mail server is down: each
    gets the usual answer, each email is kept, and the log says it once."""
    app = make_app(**unused_port_config)
    with app.app_context():
        emails = [UserFactory().email for _ in range(3)]
        db.session.commit()
        client = app.test_client()
        with caplog.at_level(logging.WARNING):
            for email in emails:
                response = client.post(FORGOT, data={"email": email})
                assert (response.status_code, response.headers["Location"]) == (302, FORGOT)
                assert "Jika email tersebut terdaftar" in client.get(FORGOT).text

        kept = outbox()
        assert [email.recipient for email in kept] == emails
        assert [email.sent_at for email in kept] == [None, None, None]
        # The first request found the server down; the others did not wait for it.
        assert [email.attempts for email in kept] == [1, 0, 0]
        said = [record.getMessage() for record in caplog.records if record.name == OUTAGE_LOG]
        assert len(said) == 1 and said[0].startswith(f"{BACKEND} tidak dapat dipakai: ")
        assert "flask accounts deliver-outbox" in said[0]
        assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []

    later = make_app(**mail_server.config)  # the server is back: the cron job sends them
    with later.app_context():
        in_two_minutes = datetime.now(UTC) + timedelta(minutes=2)
        assert deliver_outbox(now=in_two_minutes).sent == 3
    assert sorted(arrived_to(mail_server)) == sorted(emails)


def test_requests_send_again_once_the_server_is_back(
    make_app, unused_port_config, mail_server, caplog, no_outage_yet
):
    app = make_app(**unused_port_config | {"MAIL_PAUSE_SECONDS": 0})
    with app.app_context():
        emails = [UserFactory().email for _ in range(3)]
        db.session.commit()
        client = app.test_client()
        with caplog.at_level(logging.WARNING, logger=OUTAGE_LOG):
            client.post(FORGOT, data={"email": emails[0]})
            client.post(FORGOT, data={"email": emails[1]})  # tried again: no pause
            app.config.update(mail_server.config)
            client.post(FORGOT, data={"email": emails[2]})

        assert [email.attempts for email in outbox()] == [1, 1, 1]
        assert arrived_to(mail_server) == [emails[2]]
        said = [record.getMessage() for record in caplog.records if record.name == OUTAGE_LOG]
        assert len(said) == 2 and said[0].startswith(f"{BACKEND} tidak dapat dipakai: ")
        assert said[1] == f"{BACKEND} dapat dipakai lagi."


def test_only_the_hook_and_the_cron_job_deliver():
    """No view, command or service sends mail itself: the commit that queued
    an email is what sends it (and `flask accounts deliver-outbox` the rest)."""
    callers = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "marketplace").rglob("*.py")
        if "deliver_outbox(" in path.read_text(encoding="utf-8")
    }
    assert callers == {
        "marketplace/accounts/mail.py",  # where it is defined
        "marketplace/accounts/mail_after_commit.py",
        "marketplace/accounts/cli.py",
    }


# --- under gunicorn -------------------------------------------------------------


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def request(port: int, method: str, path: str, **options) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    connection.request(method, path, **options)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


@pytest.fixture
def gunicorn(database_url, tmp_path):
    """`gunicorn(**config)`: the shop under gunicorn (one sync worker, CSRF
    on, as in production) on the test database; its port."""
    started: list[subprocess.Popen] = []

    def start(**config) -> int:
        port = free_port()
        environment = app_environment(database_url, str(tmp_path / "uploads"), **config)
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"{HOST}:{port}", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        wait_for_port(port, process)
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)
        process.stderr.close()


def test_under_gunicorn_the_email_goes_after_the_response(make_app, mail_server, gunicorn):
    """The mail server holds DATA until the test has the HTTP response: had
    the email gone before the response, the response would never come."""
    app = make_app()
    with app.app_context():
        email = UserFactory().email
        db.session.commit()
    # The mail server may take longer than the HTTP client waits (10 s).
    port = gunicorn(**mail_server.config | {"SMTP_TIMEOUT": 25})
    form = request(port, "GET", FORGOT)
    cookie = SimpleCookie(form.getheader("Set-Cookie"))["session"].OutputString(attrs=[])
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', form.body).group(1).decode()
    mail_server.handler.gate = gate = threading.Event()

    answer = request(
        port,
        "POST",
        FORGOT,
        body=f"csrf_token={token}&email={email}",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )

    assert (answer.status, answer.getheader("Location")) == (302, FORGOT)
    assert mail_server.handler.at_data.wait(10)  # sending has begun, after the response
    assert mail_server.received == []
    gate.set()
    deadline = time.monotonic() + 10
    while not mail_server.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert arrived_to(mail_server) == [email]
    with app.app_context():
        assert outbox()[0].sent_at is not None
