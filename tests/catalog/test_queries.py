"""Browsing and search through `browse()`: visibility, every filter alone and
combined, facet counts, sorting, pagination, and the full-text search of
each database (FTS5 on SQLite, tsvector on PostgreSQL)."""

import pytest
from sqlalchemy import select, text

from marketplace.catalog import queries
from marketplace.catalog.browse import browse, member_products
from marketplace.catalog.filters import CatalogFilter, Sort, parse_filter
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.search import understand
from marketplace.core.pages import PageOutOfRange
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.catalog.seeding import hidden_products

pytestmark = pytest.mark.usefixtures("app_context")


def names(catalog_filter: CatalogFilter, per_page: int = 50) -> list[str]:
    return [product.name for product in browse(catalog_filter, per_page=per_page).products]


def search(query: str) -> list[str]:
    return sorted(names(parse_filter({"q": query})))


def variant(price: int, stock: int = 5, name: str = "Standar"):
    return factories.VariantFactory.build(name=name, price=price, stock=stock)


@pytest.fixture
def market(app):
    """Public products over two kecamatan and two categories."""
    sokaraja = factories.MemberFactory(kecamatan=factories.kecamatan("sokaraja"))
    wangon = factories.MemberFactory(kecamatan=factories.kecamatan("wangon"))
    food, batik = factories.category("makanan-minuman"), factories.category("batik-fashion")
    made = {
        "keripik": factories.ProductFactory(
            member=sokaraja,
            category=food,
            name="Keripik Tempe Sagu",
            description="Renyah dan gurih, pedas manis.",
            variants=[variant(15_000)],
        ),
        "getuk": factories.ProductFactory(
            member=sokaraja,
            category=food,
            name="Getuk Goreng",
            description="Manis legit khas Sokaraja.",
            variants=[variant(20_000, stock=0)],
        ),
        "batik": factories.ProductFactory(
            member=wangon,
            category=batik,
            name="Batik Tulis Lumbon",
            description="Motif khas Banyumas.",
            variants=[variant(150_000, name="Katun"), variant(450_000, name="Sutra")],
        ),
        "gula": factories.ProductFactory(
            member=wangon,
            category=food,
            name="Gula Kelapa Kristal",
            description="Dari nira kelapa pilihan.",
            variants=[variant(25_000)],
        ),
    }
    made["keripik"].sold_count, made["getuk"].sold_count = 40, 90
    made["batik"].sold_count, made["gula"].sold_count = 5, 10
    db.session.commit()
    return made


def test_only_active_products_of_approved_members_are_public(app, market):
    hidden = hidden_products("Keripik Rahasia")
    db.session.commit()
    page = browse(CatalogFilter(), per_page=50)
    assert {p.name for p in page.products} == {p.name for p in market.values()}
    assert page.total == 4
    assert sum(page.category_counts.values()) == 4
    assert sum(page.kecamatan_counts.values()) == 4
    assert search("rahasia") == []
    for product in hidden.values():
        found = db.session.scalars(queries.public_product(), {"product_id": product.id})
        assert found.one_or_none() is None


@pytest.mark.parametrize(
    "catalog_filter, expected",
    [
        (CatalogFilter(category="batik-fashion"), {"batik"}),
        (CatalogFilter(kecamatan="sokaraja"), {"keripik", "getuk"}),
        (CatalogFilter(price_min=20_000), {"getuk", "batik", "gula"}),
        (CatalogFilter(price_max=20_000), {"keripik", "getuk"}),
        (CatalogFilter(price_min=16_000, price_max=24_000), {"getuk"}),
        # a product with variants from 150.000 to 450.000 fits a range inside it
        (CatalogFilter(price_min=200_000, price_max=300_000), {"batik"}),
        (CatalogFilter(in_stock=True), {"keripik", "batik", "gula"}),
        (CatalogFilter(query="manis"), {"keripik", "getuk"}),
        (CatalogFilter(category="makanan-minuman", kecamatan="wangon"), {"gula"}),
        (CatalogFilter(category="makanan-minuman", in_stock=True, price_max=20_000), {"keripik"}),
        (CatalogFilter(query="manis", kecamatan="sokaraja", in_stock=True), {"keripik"}),
        (CatalogFilter(query="khas", category="batik-fashion", price_min=100_000), {"batik"}),
        (CatalogFilter(query="keripik", kecamatan="wangon"), set()),
    ],
)
def test_filters_alone_and_combined(market, catalog_filter, expected):
    page = browse(catalog_filter, per_page=50)
    assert {p.name for p in page.products} == {market[key].name for key in expected}
    assert page.total == len(expected)


def test_facet_counts_leave_out_their_own_filter(market):
    food = factories.category("makanan-minuman")
    batik = factories.category("batik-fashion")
    sokaraja, wangon = factories.kecamatan("sokaraja"), factories.kecamatan("wangon")
    page = browse(CatalogFilter(category="makanan-minuman", in_stock=True), per_page=50)
    # categories: counted with in-stock but without the category itself
    assert page.category_counts == {food.id: 2, batik.id: 1}
    # kecamatan: counted with the category and in-stock
    assert page.kecamatan_counts == {sokaraja.id: 1, wangon.id: 1}
    assert page.total == 2
    assert page.selected_category == food

    page = browse(CatalogFilter(kecamatan="sokaraja"), per_page=50)
    assert page.category_counts == {food.id: 2}
    assert page.kecamatan_counts == {sokaraja.id: 2, wangon.id: 2}
    assert page.total == 2


@pytest.mark.parametrize(
    "sort, expected",
    [
        (Sort.CHEAPEST, ["keripik", "getuk", "gula", "batik"]),
        (Sort.DEAREST, ["batik", "gula", "getuk", "keripik"]),
        (Sort.POPULAR, ["getuk", "keripik", "gula", "batik"]),
        (Sort.NEWEST, ["gula", "batik", "getuk", "keripik"]),  # same moment: last made first
    ],
)
def test_sorting(market, sort, expected):
    assert names(CatalogFilter(sort=sort)) == [market[key].name for key in expected]


def test_pages_split_the_list_without_overlap(market):
    pages = [browse(CatalogFilter(sort=Sort.CHEAPEST, page=n), per_page=3) for n in (1, 2)]
    assert [p.pages for p in pages] == [2, 2]
    assert [len(p.products) for p in pages] == [3, 1]
    assert pages[0].has_next and not pages[0].has_prev
    assert pages[1].has_prev and not pages[1].has_next
    seen = [product.name for page in pages for product in page.products]
    assert len(set(seen)) == 4


def test_page_past_the_end_is_not_found(market):
    with pytest.raises(PageOutOfRange) as refused:
        browse(CatalogFilter(page=9), per_page=3)
    assert (refused.value.code, refused.value.page, refused.value.pages) == (404, 9, 2)
    assert refused.value.description == "Halaman 9 tidak ada: daftar ini hanya sampai halaman 2."
    assert browse(CatalogFilter(page=2), per_page=3).page == 2


def test_no_products_is_one_empty_page(app):
    page = browse(CatalogFilter(), per_page=10)
    assert (page.total, page.page, page.pages, page.products) == (0, 1, 1, [])
    with pytest.raises(PageOutOfRange, match="hanya sampai halaman 1"):
        browse(CatalogFilter(page=3), per_page=10)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("category", "tidak-ada", "Kategori tidak ditemukan"),
        ("kecamatan", "atlantis", "Kecamatan tidak ditemukan"),
    ],
)
def test_unknown_category_or_kecamatan_shows_everything_with_a_message(
    market, field, value, message
):
    page = browse(CatalogFilter(**{field: value}), per_page=50)
    assert page.total == 4
    assert any(message in text for text in page.messages)
    assert getattr(page.filter, field) is None


def test_member_products_pages_only_public_products(app):
    member = factories.MemberFactory()
    for number in range(5):
        factories.ProductFactory(member=member, name=f"Produk {number}")
    factories.ProductFactory(member=member, name="Draf", status=ProductStatus.DRAFT)
    factories.ProductFactory(name="Milik toko lain")
    db.session.commit()
    summary = db.session.execute(queries.shop_summary(), {"member_id": member.id})
    total, _reviews, _stars = summary.one()
    assert total == 5
    first = member_products(member.id, total=total, page=1, per_page=2)
    assert (first.total, first.pages, len(first.products)) == (5, 3, 2)
    last = member_products(member.id, total=total, page=3, per_page=2)
    assert last.page == 3 and [p.name for p in last.products] == ["Produk 0"]
    with pytest.raises(PageOutOfRange, match="Halaman 7 tidak ada"):
        member_products(member.id, total=total, page=7, per_page=2)


# --- full-text search, on SQLite (FTS5) and PostgreSQL (tsvector) -------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("keripik", ["Keripik Tempe Sagu"]),  # a word of the name
        ("KERIPIK", ["Keripik Tempe Sagu"]),
        ("gurih", ["Keripik Tempe Sagu"]),  # a word of the description
        ("kerip", ["Keripik Tempe Sagu"]),  # a prefix
        ("ker tem", ["Keripik Tempe Sagu"]),  # every word, each a prefix
        ("manis", ["Getuk Goreng", "Keripik Tempe Sagu"]),
        ("manis legit", ["Getuk Goreng"]),
        ("keripik batik", []),
        ("khas", ["Batik Tulis Lumbon", "Getuk Goreng"]),
        ("rendang", []),
    ],
)
def test_search_finds_words_and_prefixes(market, query, expected):
    assert search(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        '"keripik',
        "keripik'",
        '"keripik"',
        "'keripik'",
        "keripik*",
        "keripik:*",
        "-keripik",
        "+keripik",
        "(keripik",
        "keripik)",
        "keripik & | !",
        "{keripik}",
        "^keripik",
        "keripik\\",
        "keripik;--",
        "keripik_tempe",
        "keripik\x00",
    ],
)
def test_quotes_and_operators_in_the_query_are_just_text(market, query):
    assert search(query) == ["Keripik Tempe Sagu"]


@pytest.mark.parametrize("query", ["!!!", '"', "'", "'\"", "* : & | ( ) -", "___", "''''"])
def test_punctuation_only_query_shows_everything_with_a_message(market, query):
    page = browse(parse_filter({"q": query}), per_page=50)
    assert page.total == 4
    assert page.messages == ["Kata pencarian harus berisi huruf atau angka."]


@pytest.mark.parametrize(
    "query",
    ["and", "or", "not", "NEAR(keripik tempe)", "keripik AND OR NOT", "a", "1", "ä", "東京", "ß"],
)
def test_odd_words_never_break_the_search(market, query):
    browse(parse_filter({"q": query}), per_page=50)  # no error on either database


def test_renaming_a_product_changes_what_search_finds(market):
    product = market["keripik"]
    product.name = "Rengginang Lorjuk"
    product.description = "Gurih"
    db.session.commit()
    assert search("keripik") == []
    assert search("renyah") == []
    assert search("rengginang") == ["Rengginang Lorjuk"]
    assert search("lorj") == ["Rengginang Lorjuk"]


def test_a_deleted_product_leaves_the_search(market):
    db.session.delete(market["getuk"])
    db.session.commit()
    assert search("getuk") == []
    assert search("manis") == ["Keripik Tempe Sagu"]


def test_search_respects_visibility_and_other_filters(market):
    hidden_products("Keripik")
    db.session.commit()
    assert search("keripik") == ["Keripik Tempe Sagu"]
    assert names(CatalogFilter(query="manis", in_stock=True)) == ["Keripik Tempe Sagu"]


def test_suspending_a_member_hides_their_products(market):
    market["batik"].member.status = MemberStatus.SUSPENDED
    db.session.commit()
    assert search("batik") == []
    assert search("gula") == []
    assert browse(CatalogFilter(), per_page=50).total == 2


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index(market):
    """The search expression is the one the migration indexed (on a table this
    small the planner needs a nudge to prefer any index)."""
    statement = select(Product.id).where(queries.search_condition(understand("keripik")))
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.execute(text(f"EXPLAIN {sql}")).scalars())
    assert "ix_products_search" in plan
