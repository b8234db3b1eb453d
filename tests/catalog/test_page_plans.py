"""At 100,000 products, no statement of the product page or the shop page
reads a whole table of products, variants or reviews: each one's plan, asked
of PostgreSQL with `EXPLAIN (FORMAT JSON)` and the statement's own values,
has no Seq Scan on them (issue 17). One test, so the rows are loaded once
(INSERT ... SELECT generate_series, a few seconds) and cleared once."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, text

from marketplace.catalog.models import Product, Review
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders.models import OrderLine
from tests.orders.helpers import variant
from tests.orders.test_review_pages import reviewed
from tests.sql import ids_put_back

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("app_context")]

PRODUCTS = 100_000
MEMBERS = 1_000
WATCHED = frozenset({"products", "product_variants", "reviews"})


def _load(member_id: int, kecamatan_id: int, category_id: int) -> None:
    """1,000 approved members, 100,000 active products (100 more of the
    reviewed product's shop), two variants and a photo each, and a review
    for every tenth product (copies of one real review and its order line)."""
    run = db.session.execute
    run(
        text(
            "INSERT INTO users (email, name, password_hash) "
            "SELECT 'toko' || g || '@contoh.id', 'Toko ' || g, 'x' FROM generate_series(1, :n) g"
        ),
        {"n": MEMBERS},
    )
    run(
        text(
            "INSERT INTO members (user_id, kecamatan_id, shop_name, slug, owner_name, desa, "
            "whatsapp, status) "
            "SELECT u.id, k.ids[1 + u.id % array_length(k.ids, 1)], u.name, "
            "'rencana-' || u.id, u.name, 'Desa', '6281234567890', 'approved' "
            "FROM users u, (SELECT array_agg(id) AS ids FROM kecamatan) k "
            "WHERE u.email LIKE 'toko%@contoh.id'"
        )
    )
    run(
        text(
            "INSERT INTO products (member_id, category_id, name, slug, description, status, "
            "min_price, max_price, total_stock, created_at) "
            "SELECT CASE WHEN g <= 100 THEN :member ELSE m.ids[1 + g % array_length(m.ids, 1)] END, "
            ":category, 'Keripik ' || g, 'keripik-' || g, 'Renyah', 'active', 10000, 12000, 5, "
            "now() - g * interval '1 minute' "
            "FROM generate_series(1, :n) g, "
            "(SELECT array_agg(id) AS ids FROM members WHERE slug LIKE 'rencana-%') m"
        ),
        {"member": member_id, "category": category_id, "n": PRODUCTS},
    )
    run(
        text(
            "INSERT INTO product_variants (product_id, name, price, stock, position) "
            "SELECT p.id, v.name, 10000 + v.position * 2000, 5, v.position FROM products p, "
            "(VALUES ('Kecil', 0), ('Besar', 1)) v(name, position) WHERE p.slug LIKE 'keripik-%'"
        )
    )
    run(
        text(
            "INSERT INTO product_images (product_id, position, thumb_key, large_key) "
            "SELECT id, 0, 'products/t.webp', 'products/l.webp' FROM products "
            "WHERE slug LIKE 'keripik-%'"
        )
    )
    line_columns = [c.name for c in OrderLine.__table__.columns if c.name != "id"]
    run(
        text(
            f"INSERT INTO order_lines ({', '.join(line_columns)}) "
            f"SELECT {', '.join(line_columns)} FROM order_lines, generate_series(1, :n) "
            "WHERE id = (SELECT min(id) FROM order_lines)"
        ),
        {"n": PRODUCTS // 10},
    )
    review_columns = [
        c.name for c in Review.__table__.columns if c.name not in ("id", "order_line_id")
    ]
    taken = {"product_id": "p.id", "member_id": "p.member_id"}
    copied = ", ".join(taken.get(name, f"r.{name}") for name in review_columns)
    run(
        text(
            f"INSERT INTO reviews (order_line_id, {', '.join(review_columns)}) "
            f"SELECT l.id, {copied} "
            "FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM order_lines "
            "      WHERE id NOT IN (SELECT order_line_id FROM reviews)) l "
            "JOIN (SELECT id, member_id, row_number() OVER (ORDER BY id) AS n FROM products "
            "      WHERE slug LIKE 'keripik-%' AND id % 10 = 0) p ON p.n = l.n, "
            "(SELECT * FROM reviews ORDER BY id LIMIT 1) r"
        )
    )
    db.session.commit()
    for table in ("users", "members", "products", "product_variants", "product_images"):
        run(text(f"ANALYZE {table}"))
    run(text("ANALYZE order_lines"))
    run(text("ANALYZE reviews"))
    db.session.commit()


def _scans(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield plan["Node Type"], plan.get("Relation Name", "")
    for child in plan.get("Plans", ()):
        yield from _scans(child)


def _statements_of(client, url: str) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


LOADED = ("users", "members", "products", "product_variants", "product_images", "order_lines")


@pytest.fixture
def ids_restored(app_context):
    with ids_put_back(*LOADED, "reviews"):
        yield


def test_no_page_of_a_product_or_a_shop_reads_a_whole_table(client, ids_restored):
    sold = variant(stock=20)
    reviewed(sold, 5, 4)
    product = sold.product
    member = product.member
    _load(member.id, member.kecamatan_id, product.category_id)
    assert db.session.query(Product).count() > PRODUCTS
    other_shop = db.session.scalar(
        select(Member.slug).where(Member.slug.like("rencana-%")).order_by(Member.id).offset(499)
    )
    pages = [
        f"/produk/{product.id}-{product.slug}",
        f"/toko/{member.slug}",
        f"/toko/{member.slug}?hal=3",
        f"/toko/{other_shop}",
    ]
    db.session.remove()
    for url in pages:
        statements = _statements_of(client, url)
        assert statements, url
        connection = db.session.connection()
        for statement, parameters in statements:
            plan = connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", parameters
            ).scalar_one()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scanned = {
                relation
                for node, relation in _scans(plan[0]["Plan"])
                if node == "Seq Scan" and relation in WATCHED
            }
            assert not scanned, (url, statement, json.dumps(plan, indent=1))
        db.session.rollback()
