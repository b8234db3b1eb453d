"""Email over SMTP, against a real mail server started for the test
(tests/mail_server.py): what arrives, TLS that checks certificates, AUTH,
and what a slow, busy or refusing server does to the outbox."""

import logging
import re
import ssl
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import trustme

from marketplace.accounts.mail import deliver_outbox, queue_email
from marketplace.accounts.models import OutboxEmail
from marketplace.core.clock import as_utc
from marketplace.extensions import db
from tests.factories import UserFactory
from tests.mail_server import text_and_html

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def queue(recipient: str = "budi@contoh.id", **context) -> int:
    context = {"name": "Budi", "reset_url": "https://pasar.aspikmas.id/akun/atur-ulang/abc"} | (
        context
    )
    email = queue_email(
        recipient=recipient,
        template="password_reset",
        subject=context.pop("subject", "Atur ulang kata sandi Pasar Aspikmas"),
        **context,
    )
    db.session.commit()
    return email.id


def reload(email_id: int) -> OutboxEmail:
    db.session.expire_all()
    return db.session.get_one(OutboxEmail, email_id)


def assert_tried_again_later(email_id: int, now: datetime) -> None:
    email = reload(email_id)
    assert (email.attempts, email.sent_at, email.failed_at) == (1, None, None)
    assert as_utc(email.next_attempt_at) == now + timedelta(minutes=1)


@pytest.fixture
def smtp_app(make_app, mail_server):
    app = make_app(**mail_server.config)
    with app.app_context():
        yield app


def test_reset_email_arrives_over_smtp_with_text_and_html(smtp_app, mail_server):
    user = UserFactory(email="siti@contoh.id", name="Siti Nurjanah")
    db.session.commit()

    response = smtp_app.test_client().post("/akun/lupa-sandi", data={"email": "siti@contoh.id"})

    assert response.status_code == 302
    (arrived,) = mail_server.received  # sent after the commit, by nobody's hand
    row = db.session.scalars(db.select(OutboxEmail)).one()
    assert row.sent_at is not None
    message = arrived.message
    assert arrived.sender == "noreply@aspikmas.local"
    assert arrived.recipients == [user.email]
    assert message["From"] == "Pasar Aspikmas <noreply@aspikmas.local>"
    assert message["To"] == "siti@contoh.id"
    assert message["Subject"] == row.subject
    assert parsedate_to_datetime(message["Date"]) == as_utc(row.created_at).replace(microsecond=0)
    assert re.fullmatch(rf"<outbox\.{row.id}\.\d{{14}}@aspikmas\.local>", message["Message-ID"])
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_and_html(message)
    assert "Halo Siti Nurjanah," in text
    assert "Pasar Aspikmas — Aspikmas Kabupaten Banyumas" in text  # UTF-8, intact
    link = re.search(r"https?://\S+/akun/atur-ulang/\S+", text).group(0)
    assert f'href="{link}"' in html
    assert {part.get_content_charset() for part in message.iter_parts()} == {"utf-8"}
    # The link in the email is the one that works.
    path = re.sub(r"^https?://[^/]+", "", link)
    assert "Buat kata sandi baru" in smtp_app.test_client().get(path).text


def test_indonesian_utf8_subject_and_names_arrive_intact(smtp_app, mail_server):
    subject = "Pesanan PA-7Q2 sudah dikirim — «Gethuk Goreng Sokaraja» ☕"
    queue(subject=subject, name="Bu Ñoman <Warung Soto>")

    assert deliver_outbox().sent == 1

    (arrived,) = mail_server.received
    assert arrived.message["Subject"] == subject
    raw_subject = arrived.message.as_bytes().split(b"\nSubject: ", 1)[1].split(b"\n", 1)[0]
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject  # encoded for any server
    text, html = text_and_html(arrived.message)
    assert "Halo Bu Ñoman <Warung Soto>," in text
    assert "Halo Bu Ñoman &lt;Warung Soto&gt;," in html


@pytest.mark.parametrize("security", ["starttls", "ssl", "none"])
def test_each_transport_delivers(make_app, start_mail_server, security):
    """STARTTLS (the server refuses mail before it) and implicit TLS, both
    with the test CA's certificate; no TLS for a local relay."""
    server = start_mail_server(security=security)
    app = make_app(**server.config)
    with app.app_context():
        email_id = queue()
        assert deliver_outbox().sent == 1
        assert reload(email_id).sent_at is not None
    assert [arrived.recipients for arrived in server.received] == [["budi@contoh.id"]]


@pytest.mark.parametrize(
    ("security", "certificate", "refusal"),
    [
        ("starttls", "other CA", ssl.SSLCertVerificationError),
        ("ssl", "other CA", ssl.SSLCertVerificationError),
        ("starttls", "other host", ssl.SSLCertVerificationError),
        ("ssl", "other host", ssl.SSLCertVerificationError),
        ("starttls", "no STARTTLS offered", Exception),
    ],
)
def test_untrusted_server_gets_no_email(
    make_app, start_mail_server, security, certificate, refusal
):
    """A certificate from a CA the app does not trust, or for another host,
    or a server that does not offer STARTTLS: nothing is sent in clear, and
    the email waits to be tried again."""
    if certificate == "other CA":
        server = start_mail_server(security=security, ca=trustme.CA())
    elif certificate == "other host":
        server = start_mail_server(security=security, names=("mail.contoh.id",))
    else:
        server = start_mail_server(security="none")
    app = make_app(**server.config | {"SMTP_SECURITY": security})
    with app.app_context():
        email_id = queue()
        delivery = deliver_outbox(now=NOW)
        assert isinstance(delivery.outage, refusal)
        if certificate == "no STARTTLS offered":
            assert "STARTTLS" in str(delivery.outage)
        assert_tried_again_later(email_id, NOW)
    assert server.received == []


def test_logs_in_when_a_username_is_set(make_app, start_mail_server):
    server = start_mail_server(users={"toko@aspikmas.id": "rahasia-123"})
    app = make_app(
        **server.config | {"SMTP_USERNAME": "toko@aspikmas.id", "SMTP_PASSWORD": "rahasia-123"}
    )
    with app.app_context():
        queue()
        assert deliver_outbox().sent == 1
    assert [arrived.login for arrived in server.received] == ["toko@aspikmas.id"]


@pytest.mark.parametrize(
    "credentials",
    [{"SMTP_USERNAME": "toko@aspikmas.id", "SMTP_PASSWORD": "salah"}, {}],
    ids=["wrong password", "no username"],
)
def test_server_that_wants_a_login_keeps_the_email_for_later(
    make_app, start_mail_server, credentials
):
    server = start_mail_server(users={"toko@aspikmas.id": "rahasia-123"})
    app = make_app(**server.config | credentials)
    with app.app_context():
        email_id = queue()
        delivery = deliver_outbox(now=NOW)
        assert delivery.outage is not None
        assert_tried_again_later(email_id, NOW)
    assert server.received == []


def test_server_that_never_answers_times_out_and_the_email_waits(make_app, silent_mail_server):
    app = make_app(**silent_mail_server)  # SMTP_TIMEOUT=1
    with app.app_context():
        email_id = queue()
        started = time.monotonic()
        delivery = deliver_outbox(now=NOW)
        assert time.monotonic() - started < 5
        assert "timed out" in str(delivery.outage)
        assert_tried_again_later(email_id, NOW)
        assert "timed out" in reload(email_id).last_error


def test_busy_server_451_then_the_email_goes_on_the_next_try(smtp_app, mail_server):
    mail_server.reply("budi@contoh.id", "451 4.7.1 Coba lagi nanti")
    email_id = queue()

    first = deliver_outbox(now=NOW)

    assert (first.sent, first.retrying, first.outage) == (0, 1, None)
    assert_tried_again_later(email_id, NOW)
    assert reload(email_id).last_error == "MailDeferred: 451 4.7.1 Coba lagi nanti"
    assert deliver_outbox(now=NOW + timedelta(minutes=1)).sent == 1
    assert [arrived.recipients for arrived in mail_server.received] == [["budi@contoh.id"]]


def test_a_retried_email_keeps_its_message_id(smtp_app, mail_server):
    """Refused at the end of DATA (the server had the whole message): the
    second copy is recognisably the same email."""
    mail_server.reply("budi@contoh.id", "451 4.3.0 Antrean penuh", at="DATA")
    queue()
    assert deliver_outbox(now=NOW).retrying == 1
    assert deliver_outbox(now=NOW + timedelta(minutes=1)).sent == 1
    (refused,) = mail_server.handler.refused
    (arrived,) = mail_server.received
    assert arrived.message["Message-ID"] == refused.message["Message-ID"]
    assert arrived.message["Date"] == refused.message["Date"]


def test_550_gives_up_at_once_and_the_next_email_still_goes(smtp_app, mail_server, caplog):
    mail_server.reply("tidak-ada@contoh.id", "550 5.1.1 Pengguna tidak dikenal")
    refused = queue("tidak-ada@contoh.id")
    queue("budi@contoh.id")

    with caplog.at_level(logging.ERROR, logger="marketplace.accounts.mail"):
        delivery = deliver_outbox(now=NOW)

    assert (delivery.sent, delivery.given_up, delivery.retrying) == (1, 1, 0)
    email = reload(refused)
    assert (email.attempts, as_utc(email.failed_at), email.sent_at) == (1, NOW, None)
    assert email.last_error == "MailRefused: 550 5.1.1 Pengguna tidak dikenal"
    assert f"outbox email {refused} given up" in caplog.text
    assert deliver_outbox(now=NOW + timedelta(days=2)).given_up == 0  # never tried again
    assert [arrived.recipients for arrived in mail_server.received] == [["budi@contoh.id"]]
