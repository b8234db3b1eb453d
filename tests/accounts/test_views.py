import re

import pytest
from argon2 import PasswordHasher
from itsdangerous.timed import TimestampSigner

from marketplace.accounts import tokens
from marketplace.accounts.models import OutboxEmail, Role, User
from marketplace.accounts.passwords import needs_rehash, verify_password
from marketplace.extensions import db
from tests.accounts.helpers import csrf_token_from, logged_in_user_id
from tests.factories import PASSWORD, UserFactory, log_in

pytestmark = pytest.mark.usefixtures("app_context")

ENGLISH = ("This field is required", "Invalid email", "Field must", "must be equal", "Not a valid")


def registration(**changes) -> dict:
    return {
        "name": "Siti Aminah",
        "email": "siti@contoh.id",
        "whatsapp": "0812-3456-7890",
        "password": "gula-kelapa-1",
        "password_confirmation": "gula-kelapa-1",
    } | changes


def test_pages_render_in_indonesian(client):
    for url, heading in [
        ("/akun/masuk", "Masuk"),
        ("/akun/daftar", "Daftar akun"),
        ("/akun/lupa-sandi", "Lupa kata sandi"),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert f">{heading}</h1>" in response.text
        assert 'lang="id"' in response.text


def emails_to(recipient: str) -> list[OutboxEmail]:
    return db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.recipient == recipient).order_by(OutboxEmail.id)
    ).all()


def test_register_makes_an_unverified_shopper_and_sends_the_link(client):
    response = client.post("/akun/daftar", data=registration())
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun/masuk"
    user = db.session.scalars(db.select(User)).one()
    assert (user.email, user.whatsapp, user.roles) == (
        "siti@contoh.id",
        "6281234567890",
        {Role.SHOPPER},
    )
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_verified_at is None
    assert logged_in_user_id(client) is None  # logged in only by the login page
    (email,) = emails_to("siti@contoh.id")
    assert email.subject == "Verifikasi email akun Pasar Aspikmas Anda"
    assert "https://pasar.aspikmas.test/akun/verifikasi/" in email.body_text
    page = client.get("/akun/masuk")
    assert "Hampir selesai! Kami mengirim email ke siti@contoh.id." in page.text


def test_register_with_a_taken_email_answers_the_same_and_tells_the_owner(client, counts):
    UserFactory(email="siti@contoh.id", name="Siti Pemilik")
    db.session.commit()
    new = client.post("/akun/daftar", data=registration(email="baru@contoh.id"))
    new_page = client.get(new.headers["Location"]).text.replace("baru@contoh.id", "EMAIL")
    users, emails = counts()
    taken = client.post("/akun/daftar", data=registration(email="Siti@Contoh.id", name="Penyusup"))
    taken_page = client.get(taken.headers["Location"]).text.replace("Siti@Contoh.id", "EMAIL")
    assert (taken.status_code, taken.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    assert taken_page == new_page
    assert "sudah terdaftar" not in taken_page
    assert counts() == (users, emails + 1)  # no account: one email to the owner
    (note,) = emails_to("siti@contoh.id")
    assert note.subject == "Anda sudah punya akun Pasar Aspikmas"
    assert "Halo Siti Pemilik," in note.body_text
    assert "https://pasar.aspikmas.test/akun/lupa-sandi" in note.body_text
    owner = db.session.scalars(db.select(User).where(User.email == "siti@contoh.id")).one()
    assert owner.name == "Siti Pemilik"
    assert verify_password(owner.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        (
            {key: "" for key in registration()},
            [
                "Isi nama Anda.",
                "Isi alamat email Anda.",
                "Isi nomor WhatsApp Anda.",
                "Buat kata sandi.",
                "Ketik ulang kata sandi.",
            ],
        ),
        ({"email": "siti-at-contoh"}, ["Alamat email tidak valid"]),
        ({"whatsapp": "021-555-1234"}, ["Nomor WhatsApp tidak valid"]),
        (
            {"password": "pendek", "password_confirmation": "pendek"},
            ["Kata sandi minimal 8 karakter."],
        ),
        ({"password_confirmation": "gula-kelapa-2"}, ["Kedua kata sandi tidak sama."]),
        ({"name": "x" * 121}, ["Nama paling panjang 120 karakter."]),
    ],
    ids=["empty", "email", "whatsapp", "short-password", "confirmation", "long-name"],
)
def test_register_explains_mistakes_in_indonesian(client, counts, changes, messages):
    response = client.post("/akun/daftar", data=registration(**changes))
    assert response.status_code == 200
    for message in messages:
        assert message in response.text
    assert 'class="form-control form-control-lg is-invalid"' in response.text
    assert not any(english in response.text for english in ENGLISH)
    assert counts() == (0, 0)


def test_login_logs_in_and_goes_home(client):
    user = UserFactory(email="budi@contoh.id")
    db.session.commit()
    response = client.post("/akun/masuk", data={"email": "Budi@contoh.id", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert logged_in_user_id(client) == str(user.id)


@pytest.mark.parametrize(
    ("email", "password"),
    [("budi@contoh.id", "salah-sandi"), ("siapa@contoh.id", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_credentials_get_one_generic_message(client, email, password):
    UserFactory(email="budi@contoh.id")
    db.session.commit()
    response = client.post("/akun/masuk", data={"email": email, "password": password})
    assert response.status_code == 200
    assert "Email atau kata sandi salah." in response.text
    assert "tidak terdaftar" not in response.text
    assert logged_in_user_id(client) is None


def test_login_form_mistakes_are_in_indonesian(client):
    response = client.post("/akun/masuk", data={"email": "", "password": ""})
    assert "Isi alamat email Anda." in response.text
    assert "Isi kata sandi Anda." in response.text
    assert not any(english in response.text for english in ENGLISH)


def test_inactive_user_cannot_log_in(client):
    UserFactory(email="budi@contoh.id", is_active=False)
    db.session.commit()
    response = client.post("/akun/masuk", data={"email": "budi@contoh.id", "password": PASSWORD})
    assert response.status_code == 200
    assert "Akun ini dinonaktifkan" in response.text
    assert logged_in_user_id(client) is None


def test_deactivated_user_is_logged_out_on_next_request(client, login_as):
    user = login_as(Role.SHOPPER)
    user.is_active = False
    db.session.commit()
    response = client.get("/akun/masuk")
    assert response.status_code == 200  # the login page, not a redirect for the logged in
    assert "Halo," not in response.text


def test_remember_me_sets_the_remember_cookie(client):
    UserFactory(email="budi@contoh.id")
    db.session.commit()
    client.post(
        "/akun/masuk", data={"email": "budi@contoh.id", "password": PASSWORD, "remember": "y"}
    )
    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize(
    "next_path", ["/produk?q=keripik", "/akun/daftar", "/produk/1-keripik-tempe#ulasan"]
)
def test_login_returns_to_a_page_on_this_site(client, next_path):
    UserFactory(email="budi@contoh.id")
    db.session.commit()
    page = client.get("/akun/masuk", query_string={"next": next_path})
    assert page.status_code == 200
    response = client.post(
        "/akun/masuk",
        query_string={"next": next_path},
        data={"email": "budi@contoh.id", "password": PASSWORD},
    )
    assert response.headers["Location"] == next_path


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.com",
        "///evil.com",
        "https://evil.com/akun",
        "http:evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        " //evil.com",
        "javascript:alert(1)",
        "evil.com",
        "%2F%2Fevil.com",
        "/%0a/evil.com".replace("%0a", "\n"),
        "",
    ],
)
def test_login_never_redirects_off_site(client, next_path):
    UserFactory(email="budi@contoh.id")
    db.session.commit()
    response = client.post(
        "/akun/masuk",
        query_string={"next": next_path},
        data={"email": "budi@contoh.id", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_rehashes_an_old_password_hash(client):
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = UserFactory(email="budi@contoh.id", password_hash=old_hash)
    db.session.commit()
    client.post("/akun/masuk", data={"email": "budi@contoh.id", "password": PASSWORD})
    db.session.refresh(user)
    assert user.password_hash != old_hash
    assert not needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, PASSWORD)


def test_logged_in_user_skips_the_login_page(client, login_as):
    login_as(Role.SHOPPER)
    assert client.get("/akun/masuk").headers["Location"] == "/"
    assert client.get("/akun/daftar").headers["Location"] == "/"


def test_logout_by_get_is_refused(client, login_as):
    user = login_as(Role.SHOPPER)
    assert client.get("/akun/keluar").status_code == 405
    assert logged_in_user_id(client) == str(user.id)
    assert "Akun saya" in client.get("/").text


def test_logout_by_post_logs_out(client, login_as):
    login_as(Role.SHOPPER)
    response = client.post("/akun/keluar")
    assert response.status_code == 302
    assert logged_in_user_id(client) is None


def test_login_without_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        UserFactory(email="budi@contoh.id")
        db.session.commit()
    client = app.test_client()
    response = client.post("/akun/masuk", data={"email": "budi@contoh.id", "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir ini sudah kedaluwarsa" in response.text
    assert logged_in_user_id(client) is None


def test_login_with_csrf_token_works(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        UserFactory(email="budi@contoh.id")
        db.session.commit()
    client = app.test_client()
    token = csrf_token_from(client.get("/akun/masuk").text)
    response = client.post(
        "/akun/masuk", data={"email": "budi@contoh.id", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert logged_in_user_id(client) is not None


def test_logout_without_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user = UserFactory()
        log_in(client, user)
        user_id = str(user.id)
    assert client.post("/akun/keluar").status_code == 400
    assert logged_in_user_id(client) == user_id
    token = csrf_token_from(client.get("/akun/lupa-sandi").text)  # the logout form in the menu
    assert client.post("/akun/keluar", data={"csrf_token": token}).status_code == 302
    assert logged_in_user_id(client) is None


def forgot(client, email: str):
    response = client.post("/akun/lupa-sandi", data={"email": email})
    page = client.get(response.headers["Location"])
    return response, page


def test_forgot_password_gives_the_same_answer_whether_or_not_the_email_exists(client, capsys):
    UserFactory(email="budi@contoh.id")
    db.session.commit()
    unknown, unknown_page = forgot(client, "siapa@contoh.id")
    assert db.session.scalars(db.select(OutboxEmail)).all() == []
    known, known_page = forgot(client, "budi@contoh.id")
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert unknown_page.text == known_page.text
    assert "Jika email tersebut terdaftar" in known_page.text
    (email,) = db.session.scalars(db.select(OutboxEmail)).all()
    assert email.recipient == "budi@contoh.id"
    assert email.sent_at is not None  # delivered after the commit
    printed = capsys.readouterr().out
    assert printed.count("To: budi@contoh.id") == 1
    assert "https://pasar.aspikmas.test/akun/atur-ulang/" in printed


def test_forgot_password_form_mistakes_are_in_indonesian(client):
    response = client.post("/akun/lupa-sandi", data={"email": "bukan email"})
    assert response.status_code == 200
    assert "Alamat email tidak valid" in response.text
    assert db.session.scalars(db.select(OutboxEmail)).all() == []


def reset_url_sent_to(client, email: str) -> str:
    client.post("/akun/lupa-sandi", data={"email": email})
    body = db.session.scalars(db.select(OutboxEmail.body_text)).one()
    return re.search(r"https://pasar\.aspikmas\.test(/akun/atur-ulang/\S+)", body).group(1)


def test_reset_password_sets_the_new_password_once(client):
    user = UserFactory(email="budi@contoh.id")
    db.session.commit()
    url = reset_url_sent_to(client, "budi@contoh.id")
    assert "Buat kata sandi baru" in client.get(url).text
    new = {"password": "sandi-baru-123", "password_confirmation": "sandi-baru-123"}
    response = client.post(url, data=new)
    assert response.headers["Location"] == "/akun/masuk"
    db.session.refresh(user)
    assert verify_password(user.password_hash, "sandi-baru-123")

    again = {"password": "sandi-lagi-456", "password_confirmation": "sandi-lagi-456"}
    for reused in (client.get(url), client.post(url, data=again)):
        assert reused.status_code == 200
        assert "Tautan atur ulang kata sandi tidak berlaku" in reused.text
    db.session.refresh(user)
    assert verify_password(user.password_hash, "sandi-baru-123")
    login = client.post(
        "/akun/masuk", data={"email": "budi@contoh.id", "password": "sandi-baru-123"}
    )
    assert login.status_code == 302


def test_reset_password_form_mistakes_are_in_indonesian(client):
    user = UserFactory()
    db.session.commit()
    token = tokens.make_reset_token(user=user, secret_key="test-secret")
    response = client.post(
        f"/akun/atur-ulang/{token}", data={"password": "pendek", "password_confirmation": "lain"}
    )
    assert response.status_code == 200
    assert "Kata sandi minimal 8 karakter." in response.text
    assert "Kedua kata sandi tidak sama." in response.text
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_expired_reset_link_gets_a_friendly_page(make_app, monkeypatch):
    app = make_app(PASSWORD_RESET_MAX_AGE=600)
    with app.app_context():
        user = UserFactory()
        db.session.commit()
        real_timestamp = TimestampSigner.get_timestamp
        monkeypatch.setattr(
            TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) - 601
        )
        token = tokens.make_reset_token(user=user, secret_key="test-secret")
        monkeypatch.undo()
        client = app.test_client()
        response = client.post(
            f"/akun/atur-ulang/{token}",
            data={"password": "sandi-baru-123", "password_confirmation": "sandi-baru-123"},
        )
        assert response.status_code == 200
        assert "sudah kedaluwarsa" in response.text
        assert "Minta tautan baru" in response.text
        db.session.refresh(user)
        assert verify_password(user.password_hash, PASSWORD)


def test_made_up_reset_link_gets_a_friendly_page(client):
    response = client.get("/akun/atur-ulang/bukan-token-asli")
    assert response.status_code == 200
    assert "Tautan tidak berlaku" in response.text
