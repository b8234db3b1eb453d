"""Redis goes away under the shop: a Redis server of the test's own, on a
free port, killed and started again (with the data it saved, as after a
restart from a snapshot), for both the page cache and the rate limits.
What people see must be the truth: a saved order or listing is shown as
saved, logins go on (still limited), pages render, and once Redis is back
no page shows what changed while it was away as it was before."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from marketplace.config import RESILIENT_REDIS_CACHE
from marketplace.core import outages
from marketplace.extensions import cache, db, limiter
from marketplace.ledger.balances import problems
from marketplace.orders.models import Order
from tests import factories
from tests.catalog.test_manage_views import bulk_rows
from tests.mail_server import free_port
from tests.orders.helpers import cart_with, deliver_to, shopper, stock_of, variant
from tests.orders.test_views import _form as checkout_form

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")


class OwnRedis:
    """A redis-server process of this test's own, saving to `folder` on shutdown."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self, *, keep_data: bool = True) -> None:
        """Gone: with `keep_data`, it saves first and comes back with its pages."""
        try:
            redis.Redis.from_url(self.url).shutdown(save=keep_data, nosave=not keep_data)
        except redis.ConnectionError:
            pass  # the server closes the connection as it goes
        assert self.process is not None
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    monkeypatch.setattr(outages, "_down", {})
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop(keep_data=False)
    limiter._storage_dead = False  # the one limiter serves the next test's app


@pytest.fixture
def shop(make_app, own_redis):
    """The shop with its page cache and its limits on that Redis."""
    app = make_app(
        CACHE_TYPE=RESILIENT_REDIS_CACHE,
        CACHE_REDIS_URL=own_redis.url,
        RATELIMIT_STORAGE_URI=own_redis.url,
        PROPAGATE_EXCEPTIONS=False,  # as in production: what the person sees is the answer
    )
    with app.app_context():
        yield app


def test_a_checkout_while_redis_is_down_shows_the_order(shop, own_redis):
    keripik = variant(price=20_000, stock=5)
    deliver_to(keripik.product.member, "sokaraja", fee=6_000)
    buyer = shopper()
    cart_with(buyer, (keripik, 2))
    db.session.commit()
    client = shop.test_client()
    factories.log_in(client, buyer)

    own_redis.stop()
    response = client.post("/checkout", data=checkout_form(keripik.product.member_id))

    db.session.expire_all()
    order = db.session.scalars(select(Order)).one()
    assert response.status_code == 302 and response.location == f"/pesanan/{order.code}"
    assert client.get(response.location).status_code == 200
    assert stock_of(keripik.id) == 3
    again = client.post("/checkout", data=checkout_form(keripik.product.member_id))
    assert again.location == response.location  # the retry finds the same order
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert problems() == []


def test_a_members_save_while_redis_is_down_is_saved(shop, own_redis):
    member = factories.MemberFactory()
    product = factories.ProductFactory(
        member=member, variants=[factories.VariantFactory.build(price=15_000, stock=10)]
    )
    db.session.commit()
    client = shop.test_client()
    factories.log_in(client, member.user)

    own_redis.stop()
    response = client.post("/kelola/stok", data=bulk_rows((product.variants[0], "14.500", "7")))

    assert response.status_code == 302
    db.session.expire_all()
    assert (product.variants[0].price, product.variants[0].stock) == (14_500, 7)


def test_logins_go_on_while_redis_is_down(shop, own_redis):
    user = factories.UserFactory(email="sri@contoh.id")
    db.session.commit()
    own_redis.stop()

    response = shop.test_client().post(
        "/akun/masuk", data={"email": "sri@contoh.id", "password": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert user.id


def test_a_change_made_while_redis_was_down_shows_once_it_is_back(shop, own_redis):
    product = factories.ProductFactory(
        name="Gula Semut Cilongok",
        variants=[factories.VariantFactory.build(name="250 g", price=17_900, stock=9)],
    )
    db.session.commit()
    page = f"/produk/{product.id}-{product.slug}"
    client = shop.test_client()
    assert "Rp17.900" in client.get(page).text  # cached, and saved with Redis's data

    own_redis.stop(keep_data=True)
    assert "Rp17.900" in client.get(page).text  # rendered from the database meanwhile
    product.variants[0].price = 18_500
    db.session.commit()
    assert "Rp18.500" in client.get(page).text
    own_redis.start()  # back with the page from before the change

    assert "Rp18.500" in client.get(page).text
    assert "Rp18.500" in client.get(page).text
    cache.clear()
