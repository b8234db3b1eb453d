"""An email is verified by a signed link before its owner may check out or
apply for membership; browsing and the cart stay open meanwhile."""

import re

import pytest
from itsdangerous.timed import TimestampSigner

from marketplace.accounts import tokens
from marketplace.accounts.models import OutboxEmail, User
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders.models import CartLine, Order
from tests.factories import PASSWORD, UserFactory, kecamatan
from tests.members.helpers import application_form
from tests.orders.helpers import deliver_to, variant

pytestmark = pytest.mark.usefixtures("app_context")

SECRET = "test-secret"


@pytest.fixture
def newcomer(app):
    """A shopper who signed up and has not opened the link yet."""
    user = UserFactory(email="siti@contoh.id", name="Siti", email_verified_at=None)
    db.session.commit()
    return user


def link_in_last_email(recipient: str) -> str:
    body = db.session.scalars(
        db.select(OutboxEmail.body_text)
        .where(OutboxEmail.recipient == recipient)
        .order_by(OutboxEmail.id.desc())
    ).first()
    return re.search(r"https://pasar\.aspikmas\.test(/akun/verifikasi/\S+)", body)[1]


def checkout_form(member_id: int) -> dict:
    return {
        "name": "Siti",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Soedirman 12",
        "kecamatan": str(kecamatan("sokaraja").id),
        "desa": "Karangrau",
        "payment_method": "bank_transfer",
        "idempotency_key": "k" * 24,
        f"pengiriman-{member_id}": "delivery",
    }


def test_the_emailed_link_verifies_and_a_second_click_is_harmless(client):
    client.post(
        "/akun/daftar",
        data={
            "name": "Siti",
            "email": "siti@contoh.id",
            "whatsapp": "081234567890",
            "password": "gula-kelapa-1",
            "password_confirmation": "gula-kelapa-1",
        },
    )
    url = link_in_last_email("siti@contoh.id")
    first = client.get(url)
    assert first.headers["Location"] == "/akun/masuk"
    user = db.session.scalars(db.select(User)).one()
    assert user.email_verified_at is not None
    verified_at = user.email_verified_at
    assert "email Anda sudah terverifikasi" in client.get("/akun/masuk").text
    assert client.get(url).status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at == verified_at


def test_a_logged_in_shopper_who_verifies_goes_back_to_the_shop(client, login_as, newcomer):
    login_as(newcomer)
    assert "Email Anda belum diverifikasi." in client.get("/").text
    token = tokens.make_verify_token(user=newcomer, secret_key=SECRET)
    assert client.get(f"/akun/verifikasi/{token}").headers["Location"] == "/"
    assert "Email Anda belum diverifikasi." not in client.get("/").text


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token, user: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token, user: "bukan-token",
        lambda token, user: tokens.make_reset_token(user=user, secret_key=SECRET),
        lambda token, user: tokens.URLSafeTimedSerializer(SECRET, salt=tokens.VERIFY_SALT).dumps(
            {"user": user.id, "email": "lain@contoh.id"}
        ),
        lambda token, user: tokens.URLSafeTimedSerializer(SECRET, salt=tokens.VERIFY_SALT).dumps(
            {"user": "1", "email": user.email}
        ),
        lambda token, user: tokens.make_verify_token(user=user, secret_key="rahasia-lain"),
    ],
    ids=["tampered", "garbage", "reset-token", "other-email", "wrong-shape", "other-secret"],
)
def test_a_spoilt_link_verifies_nothing(client, newcomer, spoil):
    token = spoil(tokens.make_verify_token(user=newcomer, secret_key=SECRET), newcomer)
    response = client.get(f"/akun/verifikasi/{token}")
    assert response.status_code == 400
    assert "Tautan verifikasi email tidak berlaku" in response.text
    db.session.refresh(newcomer)
    assert newcomer.email_verified_at is None


def test_an_old_link_has_expired(client, newcomer, monkeypatch):
    real_timestamp = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) - 8 * 24 * 3600
    )
    token = tokens.make_verify_token(user=newcomer, secret_key=SECRET)
    monkeypatch.undo()
    assert client.get(f"/akun/verifikasi/{token}").status_code == 400
    db.session.refresh(newcomer)
    assert newcomer.email_verified_at is None


def test_checkout_waits_for_the_email_but_the_cart_does_not(client, login_as, newcomer):
    keripik = variant(stock=5)
    deliver_to(keripik.product.member)
    db.session.commit()
    login_as(newcomer)
    added = client.post("/keranjang/tambah", data={"variant_id": keripik.id, "quantity": 2})
    assert added.status_code == 302
    assert db.session.scalar(db.select(db.func.count(CartLine.id))) == 1
    for response in (
        client.get("/checkout"),
        client.post("/checkout", data=checkout_form(keripik.product.member_id)),
    ):
        assert response.headers["Location"] == "/akun/verifikasi"
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 0
    page = client.get("/akun/verifikasi")
    assert "Sebelum memesan atau mendaftar menjadi anggota, verifikasi dulu email Anda" in page.text
    assert "siti@contoh.id" in page.text
    newcomer.email_verified_at = db.func.now()
    db.session.commit()
    placed = client.post("/checkout", data=checkout_form(keripik.product.member_id))
    assert placed.headers["Location"].startswith("/pesanan/")


def test_membership_application_waits_for_the_email(client, login_as, newcomer):
    login_as(newcomer)
    for response in (
        client.get("/anggota/daftar"),
        client.post("/anggota/daftar", data=application_form()),
    ):
        assert response.headers["Location"] == "/akun/verifikasi"
    assert db.session.scalar(db.select(db.func.count(Member.id))) == 0


def test_resending_the_link_three_times_an_hour_at_most(client, login_as, newcomer):
    login_as(newcomer)
    for _ in range(3):
        response = client.post("/akun/verifikasi")
        assert response.headers["Location"] == "/akun/verifikasi"
    assert (
        "Tautan verifikasi sudah dikirim ke siti@contoh.id." in client.get("/akun/verifikasi").text
    )
    client.post("/akun/verifikasi")
    assert "Kami sudah beberapa kali mengirim tautan" in client.get("/akun/verifikasi").text
    sent = db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.recipient == "siti@contoh.id")
    )
    assert len(sent.all()) == 3
    client.get(link_in_last_email("siti@contoh.id"))
    db.session.refresh(newcomer)
    assert newcomer.email_verified_at is not None


def test_a_verified_user_needs_no_link(client, login_as):
    login_as(UserFactory())
    response = client.post("/akun/verifikasi")
    assert response.headers["Location"] == "/akun"
    assert db.session.scalars(db.select(OutboxEmail)).all() == []


def test_a_password_reset_verifies_the_email(client, newcomer):
    token = tokens.make_reset_token(user=newcomer, secret_key=SECRET)
    client.post(
        f"/akun/atur-ulang/{token}",
        data={"password": "sandi-baru-123", "password_confirmation": "sandi-baru-123"},
    )
    db.session.refresh(newcomer)
    assert newcomer.email_verified_at is not None


def test_an_unverified_shopper_can_log_in_and_browse(client, newcomer):
    response = client.post("/akun/masuk", data={"email": "siti@contoh.id", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Verifikasi sekarang" in home.text
