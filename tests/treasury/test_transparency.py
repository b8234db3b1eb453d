"""The public transparency page: closed months only, totals by fund and by
kecamatan chapter, no personal data, its own preview for sharing, the same
bytes after later activity, and no need of Redis."""

import re

import pytest

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.ledger.services import close_month
from marketplace.orders import fulfilment
from marketplace.treasury import reports
from marketplace.treasury.reports import Period
from tests.sql import recorded_statements
from tests.treasury.helpers import treasurer
from tests.treasury.history import months_ago, sale, this_month

pytestmark = pytest.mark.usefixtures("app_context")

PUBLIC_URL = "https://pasar.aspikmas.id"


def dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def history():
    """Sales two months ago and last month (both closed) and this month (open)."""
    bendahara = treasurer()
    sale(months_ago(2), by=bendahara)
    late = sale(months_ago(1), by=bendahara, first="cilongok", second="wangon")
    sale(this_month(), by=bendahara, first="lumbir", second="lumbir")
    close_month(month=months_ago(2), closed_by=bendahara)
    close_month(month=months_ago(1), closed_by=bendahara)
    db.session.commit()
    return bendahara, late


@pytest.mark.parametrize("who", [None, Role.SHOPPER, Role.MEMBER, Role.TREASURER, Role.ADMIN])
def test_anyone_may_open_it(client, login_as, who):
    if who is not None:
        login_as(who)
    response = client.get("/transparansi")
    assert response.status_code == 200
    assert "Ke mana komisi Pasar Aspikmas pergi" in response.text


def test_the_footer_of_every_page_links_to_it(client):
    assert 'href="/transparansi"' in client.get("/").text


def test_closed_months_newest_first_with_every_chapter(client, app):
    bendahara, _ = history()
    page = flat(client.get("/transparansi").text)
    months = re.findall(r'<span class="fw-semibold">([A-Z][a-z]+ \d{4})</span>', page)
    assert months == [reports.month_name(months_ago(1)), reports.month_name(months_ago(2))]
    assert reports.month_name(this_month()) not in page  # open: not shown
    last = reports.funds(Period.month(months_ago(1)))
    assert f"Rp{dotted(last.total)}</span> </summary>" in page
    assert f'Cilongok</span><span class="text-nowrap">Rp{dotted(last.chapters["cilongok"])}' in page
    # Lumbir sold only in the open month: Rp0 in every closed month shown.
    assert page.count('Lumbir</span><span class="text-nowrap">Rp0</span>') == 2
    assert len(re.findall(r'<li><span>[^<]+</span><span class="text-nowrap">', page)) == 2 * 27
    both = last + reports.funds(Period.month(months_ago(2)))
    assert f'Jumlah komisi</th><td class="text-end fw-bold">Rp{dotted(both.total)}' in page
    # Totals only: no shop, no member, no shopper, no treasurer.
    for private in (bendahara.name, bendahara.email, "Toko Contoh", "Sri Lestari", "PA-"):
        assert private not in page


def test_before_any_close_it_says_so(client):
    sale(this_month(), by=treasurer())
    page = client.get("/transparansi").text
    assert "Belum ada bulan yang bukunya ditutup" in page
    assert "<details" not in page


def test_its_preview_for_sharing_is_built_from_the_public_url(make_app):
    app = make_app(PUBLIC_URL=PUBLIC_URL)
    client = app.test_client()
    page = client.get("/transparansi", headers={"Host": "localhost"}).text
    assert '<meta property="og:type" content="website">' in page
    assert f'<meta property="og:url" content="{PUBLIC_URL}/transparansi">' in page
    assert '<meta property="og:title" content="Ke mana komisi Pasar Aspikmas pergi">' in page
    assert re.search(r'<meta property="og:description" content="[^"]*UMKM[^"]*">', page)
    assert f'<link rel="canonical" href="{PUBLIC_URL}/transparansi">' in page
    assert "localhost" not in page.split("</head>")[0]


def test_it_reads_the_same_byte_for_byte_whatever_happens_later(client):
    bendahara, late = history()
    before = client.get("/transparansi").data
    sale(this_month(), by=bendahara, first="cilongok", second="cilongok")
    part = late.parts[0]
    fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis")
    db.session.commit()
    fulfilment.mark_refund_paid(part=part, by=bendahara)
    part.member.shop_name = "Toko Baru Sekali"
    part.lines[0].variant.product.category.name = "Kategori Berganti Nama"
    db.session.commit()
    assert client.get("/transparansi").data == before


def test_it_costs_the_same_queries_with_one_closed_month_or_many(client):
    bendahara = treasurer()
    sale(months_ago(3), by=bendahara)
    close_month(month=months_ago(3), closed_by=bendahara)
    db.session.commit()
    client.get("/transparansi")
    with recorded_statements() as one:
        client.get("/transparansi")
    for count in (2, 1):
        sale(months_ago(count), by=bendahara, first="kebasen", second="tambak")
        close_month(month=months_ago(count), closed_by=bendahara)
    db.session.commit()
    sale(this_month(), by=bendahara)
    with recorded_statements() as three:
        page = client.get("/transparansi").text
    assert page.count("<details") == 3
    assert len(three) == len(one)


def test_it_renders_when_redis_is_down(app, make_app):
    """A page the public shares must not depend on the cache or the limits
    store: the same database, served by an app whose Redis does not answer."""
    history()
    down = "redis://127.0.0.1:1/0"
    cut_off = make_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=down, RATELIMIT_STORAGE_URI=down)
    response = cut_off.test_client().get("/transparansi")
    assert response.status_code == 200
    assert response.text.count("<details") == 2
