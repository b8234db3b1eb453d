"""What keeps the listing fast at 100,000 products stays true: the facet
counts the triggers keep (`listing_counts`), and on PostgreSQL the names'
words (`search_words`, for "Maksud Anda"), equal the real ones after any
catalog change; a page past the middle, read from the end, is the same page;
a listing statement built once per shape of filter finds what each
request's own values ask; and on PostgreSQL no listing statement's plan
reads the whole products (or variants) table."""

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from marketplace.catalog import queries, services
from marketplace.catalog.browse import browse
from marketplace.catalog.filters import CatalogFilter, Sort
from marketplace.catalog.models import (
    Category,
    CertificateKind,
    ListingCount,
    Product,
    ProductStatus,
)
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate
from marketplace.members.services import MemberAction
from marketplace.members.services import set_status as set_member_status
from tests import factories
from tests.catalog.certificate_data import certificate, days_from_today
from tests.sql import ids_put_back

pytestmark = pytest.mark.usefixtures("app_context")

STATUSES = list(ProductStatus)
NAME_WORDS = ["Keripik", "Tempe", "Gula", "Kelapa", "Batik", "Sokaraja", "Nopia", "Mino"]


def kept_counts() -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        select(ListingCount.member_id, ListingCount.category_id, ListingCount.active_products)
    ).tuples()
    return {(member, category): count for member, category, count in rows if count}


def real_counts() -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        select(Product.member_id, Product.category_id, func.count())
        .where(Product.status == ProductStatus.ACTIVE)
        .group_by(Product.member_id, Product.category_id)
    ).tuples()
    return {(member, category): count for member, category, count in rows}


def kept_words() -> dict[str, int]:
    rows = db.session.execute(text("SELECT word, products FROM search_words")).tuples()
    return {word: count for word, count in rows if count}


def real_words() -> dict[str, int]:
    """The active products' names' words as `ts_stat` finds them (how they were read before)."""
    rows = db.session.execute(
        text(
            "SELECT word, ndoc FROM ts_stat("
            "'SELECT search_vector FROM products WHERE status = ''active''', 'a')"
        )
    ).tuples()
    return {word: count for word, count in rows}


def facets(catalog_filter: CatalogFilter) -> tuple[int, dict[int, int], dict[int, int]]:
    found = browse(catalog_filter, per_page=5)
    return found.total, found.category_counts, found.kecamatan_counts


def assert_counts_are_real() -> None:
    assert kept_counts() == real_counts()
    if db.session.get_bind().dialect.name == "postgresql":
        assert kept_words() == real_words()
    # The kept counts (nothing but places and categories chosen) and the
    # counted ones (`harga_min=0` narrows nothing but counts the products).
    for chosen in ({}, {"kecamatan": "sokaraja"}, {"category": "batik-fashion"}):
        assert facets(CatalogFilter(**chosen)) == facets(CatalogFilter(price_min=0, **chosen))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_counts_follow_every_catalog_change(app, seed):
    """Products made, published, drafted, archived, moved to another
    category, renamed, deleted; members suspended and reinstated, in a random order:
    after each commit the kept counts are the real ones, and so are the
    catalog's facets."""
    rng = random.Random(seed)
    admin = factories.UserFactory()
    members = [
        factories.MemberFactory(kecamatan=factories.kecamatan(slug))
        for slug in ("sokaraja", "sokaraja", "wangon")
    ]
    categories = db.session.scalars(select(Category)).all()
    products: list[Product] = []
    for _ in range(40):
        step = rng.random()
        if step < 0.35 or not products:
            products.append(
                factories.ProductFactory(
                    member=rng.choice(members),
                    category=rng.choice(categories),
                    status=rng.choice(STATUSES),
                )
            )
        elif step < 0.6:
            product = rng.choice(products)
            target = rng.choice(STATUSES)
            try:
                services.set_status(product=product, status=target)
            except services.InvalidTransition:
                product.status = target  # as an import or a script would
        elif step < 0.7:
            rng.choice(products).category = rng.choice(categories)
        elif step < 0.75:
            rng.choice(products).name = " ".join(rng.sample(NAME_WORDS, rng.randint(1, 3)))
        elif step < 0.85:
            product = products.pop(rng.randrange(len(products)))
            db.session.delete(product)
        else:
            member = rng.choice(members)
            action = MemberAction.SUSPEND if member.status == "approved" else MemberAction.REINSTATE
            set_member_status(member=member, action=action, by=admin, reason="Uji coba")
        db.session.commit()
        assert_counts_are_real()


def test_a_product_moved_to_another_member_moves_its_count(app):
    first, second = factories.MemberFactory(), factories.MemberFactory()
    product = factories.ProductFactory(member=first)
    db.session.commit()
    product.member = second
    db.session.commit()
    assert kept_counts() == real_counts() == {(second.id, product.category_id): 1}


@pytest.mark.parametrize("sort", [Sort.NEWEST, Sort.CHEAPEST, Sort.POPULAR, Sort.TOP_RATED])
def test_a_page_past_the_middle_is_the_same_page(app, sort):
    """Pages nearer the end are read backwards and turned round: every page
    is the slice of the whole list, ties (same price, same sales) included."""
    rng = random.Random(7)
    member = factories.MemberFactory()
    for number in range(11):
        product = factories.ProductFactory(
            member=member,
            variants=[factories.VariantFactory.build(price=rng.choice((5_000, 7_500)))],
        )
        product.sold_count = rng.choice((0, 3))
        reviews = rng.choice((0, 1, 2))
        product.rating_count, product.rating_sum = reviews, reviews * rng.choice((3, 5))
    db.session.commit()
    whole = [p.id for p in browse(CatalogFilter(sort=sort), per_page=50).products]
    assert len(whole) == 11
    for per_page in (2, 3, 4):
        pages = (len(whole) + per_page - 1) // per_page
        paged = [
            p.id
            for page in range(1, pages + 1)
            for p in browse(CatalogFilter(sort=sort, page=page), per_page=per_page).products
        ]
        assert paged == whole


def test_a_search_page_past_the_middle_is_the_same_page(app):
    member = factories.MemberFactory()
    for number, name in enumerate(
        ["Keripik Tempe", "Keripik Singkong", "Tempe Mendoan", "Kopi Keripik", "Keripik Pisang"] * 2
    ):
        product = factories.ProductFactory(
            member=member, name=f"{name} {number}", description="Jajanan Banyumas."
        )
        product.sold_count = number % 3
    db.session.commit()
    whole = [p.id for p in browse(CatalogFilter(query="keripik"), per_page=50).products]
    assert len(whole) == 8
    paged = [
        p.id
        for page in range(1, 4)
        for p in browse(CatalogFilter(query="keripik", page=page), per_page=3).products
    ]
    assert paged == whole


def names(catalog_filter: CatalogFilter) -> set[str]:
    return {product.name for product in browse(catalog_filter, per_page=50).products}


def test_a_statement_built_once_finds_what_each_request_asks(app, monkeypatch):
    """The listing's statements are built once per shape of filter and keep
    no value of the request that built them: the same shape with other
    values (another category, price, rating, certificate, delivery place,
    page, day) finds other products."""
    sokaraja, wangon = (factories.kecamatan(slug) for slug in ("sokaraja", "wangon"))
    getuk = factories.MemberFactory(kecamatan=sokaraja)
    batik = factories.MemberFactory(kecamatan=wangon)
    made = {
        name: factories.ProductFactory(
            member=member,
            name=name,
            category=factories.category(category),
            variants=[factories.VariantFactory.build(price=price)],
        )
        for name, member, category, price in (
            ("Getuk Goreng", getuk, "makanan-minuman", 8_000),
            ("Getuk Lindri", getuk, "makanan-minuman", 12_000),
            ("Batik Tulis", batik, "batik-fashion", 250_000),
        )
    }
    made["Getuk Goreng"].rating_count, made["Getuk Goreng"].rating_sum = 2, 10
    made["Batik Tulis"].rating_count, made["Batik Tulis"].rating_sum = 2, 6
    certificate(getuk, product=made["Getuk Goreng"], expires_on=days_from_today(0))
    certificate(batik, product=made["Batik Tulis"], kind=CertificateKind.PIRT)
    db.session.add(DeliveryRate(member=batik, kecamatan=sokaraja, fee=5_000))
    db.session.commit()

    assert names(CatalogFilter(category="makanan-minuman")) == {"Getuk Goreng", "Getuk Lindri"}
    assert names(CatalogFilter(category="batik-fashion")) == {"Batik Tulis"}
    assert names(CatalogFilter(kecamatan="wangon")) == {"Batik Tulis"}
    assert names(CatalogFilter(price_max=10_000)) == {"Getuk Goreng"}
    assert names(CatalogFilter(price_max=20_000)) == {"Getuk Goreng", "Getuk Lindri"}
    assert names(CatalogFilter(min_rating=4)) == {"Getuk Goreng"}
    assert names(CatalogFilter(min_rating=3)) == {"Getuk Goreng", "Batik Tulis"}
    assert names(CatalogFilter(certificate=CertificateKind.HALAL)) == {"Getuk Goreng"}
    assert names(CatalogFilter(certificate=CertificateKind.PIRT)) == {"Batik Tulis"}
    assert names(CatalogFilter(delivers_to="sokaraja")) == {"Batik Tulis"}
    assert names(CatalogFilter(delivers_to="wangon")) == set()
    first, second = (
        browse(CatalogFilter(sort=Sort.CHEAPEST, page=page), per_page=2).products for page in (1, 2)
    )
    assert [p.name for p in first + second] == ["Getuk Goreng", "Getuk Lindri", "Batik Tulis"]
    # The day is bound too: tomorrow the Halal that ends today shows no more.
    tomorrow = days_from_today(1)
    monkeypatch.setattr(queries, "today", lambda: tomorrow)
    assert names(CatalogFilter(certificate=CertificateKind.HALAL)) == set()

    built = [
        queries.listing_page(
            queries.listing(CatalogFilter(price_max=price), member_ids=[1], category_id=None),
            Sort.NEWEST,
        )
        for price in (10_000, 20_000)
    ]
    assert built[0] is built[1]


# --- PostgreSQL at 100,000 products ------------------------------------------

PRODUCTS = 100_000
LOAD = """
INSERT INTO products (member_id, category_id, name, slug, description, unit, status,
    min_price, max_price, total_stock, sold_count, rating_count, rating_sum,
    created_at, updated_at)
SELECT m.ids[1 + n % array_length(m.ids, 1)],
       c.ids[1 + (n / 7) % array_length(c.ids, 1)],
       w.words[1 + n % 5] || ' ' || n, 'produk-' || n, 'Buatan Banyumas.', 'pcs',
       CASE WHEN n % 14 = 0 THEN 'draft' ELSE 'active' END,
       1000 * (1 + n % 97), 1000 * (1 + n % 97) + 500 * (n % 3), n % 50, n % 211,
       n % 4, (n % 4) * (3 + n % 3),
       now() - n * interval '1 minute', now()
FROM generate_series(1, :products) AS n,
     (SELECT array_agg(id ORDER BY id) AS ids FROM members) AS m,
     (SELECT array_agg(id ORDER BY id) AS ids FROM categories) AS c,
     (SELECT ARRAY['Keripik Tempe', 'Gula Kelapa', 'Batik Tulis', 'Kopi Robusta',
                   'Getuk Goreng'] AS words) AS w
"""
LISTING_PAGES = (
    "/produk",
    "/produk?kecamatan=sokaraja&kategori=makanan-minuman",
    "/produk?kategori=batik-fashion",
    "/produk?harga_min=20000&harga_max=30000",
    "/produk?harga_max=30000&urut=termurah",
    "/produk?urut=termahal",
    "/produk?urut=terlaris",
    "/produk?urut=rating",
    "/produk?bintang=4",
    "/produk?tersedia=1",
    "/produk?q=keripik",
    "/produk?q=kripik+tempe",
    "/produk?q=gula+jawa",
    "/produk?hal=3000",
    "/produk?urut=termurah&hal=2000",
    "/kecamatan/sokaraja",
    "/kecamatan/wangon?hal=40",
)
BIG_TABLES = {"products", "product_variants"}


@contextmanager
def sent_statements() -> Iterator[list[tuple[str, Any]]]:
    found: list[tuple[str, Any]] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        found.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def scans(plan: dict) -> Iterator[tuple[str, str]]:
    """(node type, relation) of every node of a JSON plan."""
    yield plan["Node Type"], plan.get("Relation Name", "")
    for child in plan.get("Plans", ()):
        yield from scans(child)


def whole_table_reads(statement: str, parameters: Any, settings: list[str]) -> list[str]:
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for setting in settings:  # the request's own planner settings
            cursor.execute(setting)
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
        (document,) = cursor.fetchone()
        connection.rollback()
    finally:
        connection.close()
    plan = (document if isinstance(document, list) else json.loads(document))[0]["Plan"]
    return [
        f"{node} on {relation}"
        for node, relation in scans(plan)
        if node == "Seq Scan" and relation in BIG_TABLES
    ]


@pytest.fixture
def ids_restored(app_context):
    with ids_put_back(*BIG_TABLES):
        yield


@pytest.mark.postgres
def test_no_listing_statement_reads_the_whole_products_table(app, client, ids_restored):
    """100,000 products (loaded in one INSERT … SELECT), then every listing
    page: each statement it sends is EXPLAINed; none may Seq Scan products
    or their variants."""
    for slug in ("sokaraja", "sokaraja", "wangon", "purwokerto-utara"):
        for _ in range(10):
            factories.MemberFactory(kecamatan=factories.kecamatan(slug))
    db.session.commit()
    db.session.execute(text(LOAD), {"products": PRODUCTS})
    db.session.execute(
        text(
            "INSERT INTO product_variants (product_id, name, price, stock, position) "
            "SELECT id, 'Standar', min_price, total_stock, 0 FROM products"
        )
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE products"))
        connection.execute(text("VACUUM ANALYZE product_variants"))
        connection.execute(text("VACUUM ANALYZE listing_counts"))
    assert kept_counts() == real_counts()
    assert kept_words() == real_words()  # counted per statement: 100,000 rows at once
    found: dict[str, list[str]] = {}
    for path in LISTING_PAGES:
        db.session.remove()
        with sent_statements() as sent:
            response = client.get(path)
        assert response.status_code == 200, path
        settings = [s for s, _ in sent if s.startswith("SET LOCAL")]
        for statement, parameters in sent:
            if statement.startswith(("SET ", "SAVEPOINT", "RELEASE", "ROLLBACK")):
                continue
            reads = whole_table_reads(statement, parameters, settings)
            if reads:
                found.setdefault(path, []).extend(f"{r}: {statement[:120]}" for r in reads)
    # The clean-up would delete 100,000 rows firing every row's triggers and
    # foreign-key checks (nothing else refers to them): deleted without, and
    # what the triggers keep emptied with them.
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in ("product_variants", "products", "listing_counts", "search_words"):
            connection.execute(text(f"DELETE FROM {table}"))
    assert found == {}


@pytest.mark.postgres
def test_the_words_follow_statements_of_many_rows(app):
    """Inserts and deletes are counted per statement (migration 0028): one
    INSERT … SELECT of several products and one DELETE of several keep the
    words as `ts_stat` finds them."""
    member = factories.MemberFactory()
    category = db.session.scalars(select(Category)).first()
    db.session.commit()
    db.session.execute(
        text(
            "INSERT INTO products (member_id, category_id, name, slug, description, unit, "
            "status, min_price, max_price, total_stock, created_at, updated_at) "
            "SELECT :member, :category, w, 'p-' || n, '', 'pcs', "
            "CASE WHEN n % 3 = 0 THEN 'draft' ELSE 'active' END, 1000, 1000, 1, now(), now() "
            "FROM unnest(ARRAY['Keripik Tempe', 'Keripik Pisang', 'Gula Kelapa', "
            "'Tempe Mendoan', 'Keripik Tempe Pedas']) WITH ORDINALITY AS t(w, n)"
        ),
        {"member": member.id, "category": category.id},
    )
    db.session.commit()
    assert kept_words() == real_words() and kept_words()["keripik"] == 3  # "Gula Kelapa" a draft
    db.session.execute(text("DELETE FROM products WHERE name LIKE 'Keripik%'"))
    db.session.commit()
    assert kept_words() == real_words() == {"tempe": 1, "mendoan": 1}
