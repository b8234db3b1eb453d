"""Links that cannot be poisoned: every absolute URL the shop writes (emails,
the API, WhatsApp messages) comes from PUBLIC_URL, whatever Host header the
request carried; in production a request for another host is refused."""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace import create_app
from marketplace.accounts.models import OutboxEmail
from marketplace.catalog.models import ProductImage
from marketplace.config import load_config
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.orders.models import Order
from tests import factories
from tests.factories import PASSWORD, UserFactory
from tests.orders.flows import paid_order
from tests.orders.helpers import cart_with, deliver_to, shopper, variant

pytestmark = pytest.mark.usefixtures("app_context")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EVIL = {"Host": "evil.example"}
# The production app is built with Redis settings but writes nothing there.
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
# What builds a URL from the request that happens to be running.
FROM_THE_REQUEST = re.compile(
    r"(?<!\w)_external\s*=|\burl_root\b|\bhost_url\b|request\.(host|url|base_url|root_url)\b"
)


def public_host() -> str:
    return urlsplit(current_app.config["PUBLIC_URL"]).netloc


def hosts_in(text: str) -> set[str]:
    return {urlsplit(url).netloc for url in re.findall(r"https?://[^\s\"'<>]+", text)}


def test_nothing_builds_an_absolute_url_from_the_request():
    """`core.urls.public_url` is the one way to an absolute URL."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for folder in ("marketplace", "templates")
        for path in sorted((PROJECT_ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".html", ".txt"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FROM_THE_REQUEST.search(line)
    ]
    assert offenders == []


def test_the_test_setup_tells_the_two_hosts_apart(app):
    assert public_host() not in {"localhost", "evil.example"}


def test_a_reset_email_links_to_the_shop_whatever_the_host(client):
    UserFactory(email="budi@contoh.id")
    db.session.commit()

    client.post("/akun/lupa-sandi", data={"email": "budi@contoh.id"}, headers=EVIL)

    email = db.session.scalars(select(OutboxEmail)).one()
    assert hosts_in(email.body_text) == hosts_in(email.body_html) == {public_host()}
    link = re.search(r"https?://\S+/akun/atur-ulang/\S+", email.body_text).group(0)
    assert link.startswith(current_app.config["PUBLIC_URL"] + "/akun/atur-ulang/")


@pytest.mark.parametrize("taken", [False, True], ids=["new-email", "taken-email"])
def test_sign_up_emails_link_to_the_shop_whatever_the_host(client, taken):
    if taken:
        UserFactory(email="budi@contoh.id")
        db.session.commit()
    client.post(
        "/akun/daftar",
        data={
            "name": "Budi",
            "email": "budi@contoh.id",
            "whatsapp": "081234567890",
            "password": "gula-kelapa-1",
            "password_confirmation": "gula-kelapa-1",
        },
        headers=EVIL,
    )
    email = db.session.scalars(select(OutboxEmail)).one()
    assert hosts_in(email.body_text) == hosts_in(email.body_html) == {public_host()}


def test_the_password_changed_email_links_to_the_shop_whatever_the_host(client, login_as):
    user = UserFactory(email="budi@contoh.id")
    logged_in_at_evil_example(client, login_as, user)
    client.post(
        "/akun/kata-sandi",
        data={
            "current_password": PASSWORD,
            "password": "sandi-baru-123",
            "password_confirmation": "sandi-baru-123",
        },
        headers=EVIL,
    )
    email = db.session.scalars(select(OutboxEmail)).one()
    assert email.subject == "Kata sandi Pasar Aspikmas Anda diubah"
    assert hosts_in(email.body_text) == hosts_in(email.body_html) == {public_host()}


def logged_in_at_evil_example(client, login_as, user):
    """The test client sends a cookie only to the host it came from: send the
    session to evil.example as well, as a browser would to a forged Host."""
    login_as(user)
    session = client.get_cookie("session")
    client.set_cookie("session", session.value, domain="evil.example")


def test_an_order_email_links_to_the_shop_whatever_the_host(client, login_as):
    keripik = variant(price=20_000, stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=6_000)
    buyer = shopper()
    cart_with(buyer, (keripik, 1))
    logged_in_at_evil_example(client, login_as, buyer)
    form = {
        "name": "Sri Lestari",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Soedirman 12",
        "kecamatan": str(factories.kecamatan("sokaraja").id),
        "desa": "Karangrau",
        "payment_method": "bank_transfer",
        "idempotency_key": "k" * 24,
        f"pengiriman-{keripik.product.member_id}": "delivery",
    }

    client.post("/checkout", data=form, headers=EVIL)

    order = db.session.scalars(select(Order)).one()
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.recipient == buyer.email)
    ).one()
    assert f"{current_app.config['PUBLIC_URL']}/pesanan/{order.code}" in email.body_text
    assert hosts_in(email.body_text) == hosts_in(email.body_html) == {public_host()}


def test_a_member_s_dispatch_email_links_to_the_shop_whatever_the_host(client, login_as):
    part = paid_order().parts[1]  # delivered
    logged_in_at_evil_example(client, login_as, part.member.user)
    client.post(f"/kelola/pesanan/{part.id}/proses", headers=EVIL)

    client.post(f"/kelola/pesanan/{part.id}/kirim", headers=EVIL)

    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.like("%sedang diantar"))
    ).one()
    assert hosts_in(email.body_text) == hosts_in(email.body_html) == {public_host()}


def test_api_urls_come_from_the_shop_whatever_the_host(client):
    product = factories.ProductFactory(name="Keripik Tempe")
    product.images = [
        ProductImage(position=0, thumb_key="products/k1-thumb.webp", large_key="products/k1.webp")
    ]
    db.session.commit()
    base = current_app.config["PUBLIC_URL"]

    detail = client.get(f"/api/v1/products/{product.id}", headers=EVIL).json
    listed = client.get("/api/v1/products", headers=EVIL).json["items"][0]

    for body in (detail, listed):
        assert body["url"] == f"{base}/produk/{product.id}-{product.slug}"
        assert body["cover_url"] == f"{base}/media/products/k1-thumb.webp"
        assert body["images"][0]["large_url"] == f"{base}/media/products/k1.webp"


def whatsapp_text(html: str) -> str:
    link = re.search(r'href="(https://wa\.me/[^"]+)"', html).group(1).replace("&amp;", "&")
    return parse_qs(urlsplit(link).query)["text"][0]


def test_whatsapp_messages_link_to_the_shop_whatever_the_host(client):
    product = factories.ProductFactory(member=factories.MemberFactory(whatsapp="081234567890"))
    db.session.commit()
    base = current_app.config["PUBLIC_URL"]

    page = client.get(f"/produk/{product.id}-{product.slug}", headers=EVIL).text
    shop = client.get(f"/toko/{product.member.slug}", headers=EVIL).text

    assert whatsapp_text(page).endswith(f" {base}/produk/{product.id}-{product.slug}")
    assert whatsapp_text(shop).endswith(f" {base}/toko/{product.member.slug}")
    assert "evil.example" not in page + shop


# --- production refuses other hosts ------------------------------------------------------


@pytest.fixture
def production(monkeypatch):
    """The environment `check_production` asks for; nothing here connects
    anywhere until a request needs it, and /healthz needs nothing."""

    def build(**env: str):
        values = {
            "APP_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/unused",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "CACHE_REDIS_URL": REDIS_URL,
            "PUBLIC_URL": "https://pasar.aspikmas.id",
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "smtp.aspikmas.id",
        } | env
        monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return create_app()

    return build


def status_for(app, host: str) -> int:
    response = app.test_client().get("/healthz", headers={"Host": host})
    return response.status_code


def test_production_serves_only_the_public_host(production):
    app = production()
    assert status_for(app, "pasar.aspikmas.id") == 200
    assert status_for(app, "evil.example") == 400
    assert status_for(app, "pasar.aspikmas.id.evil.example") == 400
    assert status_for(app, "evil.example/pasar.aspikmas.id") == 400


def test_the_refusal_is_a_message_in_indonesian(production):
    client = production().test_client()
    for response in (
        client.get("/produk", headers=EVIL),
        client.post("/akun/lupa-sandi", data={"email": "budi@contoh.id"}, headers=EVIL),
    ):
        assert response.status_code == 400
        assert "Permintaan tidak dapat diproses" in response.text


def test_trusted_hosts_can_list_more_names(production):
    app = production(TRUSTED_HOSTS="pasar.aspikmas.id, www.pasar.aspikmas.id")
    assert status_for(app, "www.pasar.aspikmas.id") == 200
    assert status_for(app, "pasar.aspikmas.id") == 200
    assert status_for(app, "evil.example") == 400


def test_trusted_hosts_settings():
    assert load_config({})["TRUSTED_HOSTS"] is None  # development takes any host
    production = {"APP_ENV": "production", "PUBLIC_URL": "https://pasar.aspikmas.id:8443/"}
    assert load_config(production)["TRUSTED_HOSTS"] == ["pasar.aspikmas.id"]
    listed = production | {"TRUSTED_HOSTS": " a.example ,b.example,, "}
    assert load_config(listed)["TRUSTED_HOSTS"] == ["a.example", "b.example"]
    assert load_config({"TRUSTED_HOSTS": "localhost"})["TRUSTED_HOSTS"] == ["localhost"]


def test_public_urls_follow_a_changed_public_url(app):
    """The URL map is bound once per PUBLIC_URL (core/urls.py), not once
    for the app's life: a changed address is used from the next link on."""
    before = current_app.config["PUBLIC_URL"]
    assert public_url("catalog.shop", slug="toko-a") == f"{before}/toko/toko-a"
    current_app.config["PUBLIC_URL"] = "https://pasar.contoh.id/pasar"
    assert public_url("catalog.shop", slug="toko-a") == "https://pasar.contoh.id/pasar/toko/toko-a"
    assert public_url("catalog.home", _anchor="situs") == "https://pasar.contoh.id/pasar/#situs"
    current_app.config["PUBLIC_URL"] = before
    assert public_url("catalog.shop", slug="toko-a") == f"{before}/toko/toko-a"
