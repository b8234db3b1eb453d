"""Reviews through the pages: the shopper's "Beri ulasan" form on their
completed order, the product (and shop) page's average, count and latest visible
reviews (with the member's reply) at a fixed number of queries, the
`aggregateRating` of its JSON-LD, the cached page following a review, a
reply and a hide at once, and the admin hiding a review with a reason."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.catalog.filters import Sort, parse_filter
from marketplace.catalog.models import Product, Review
from marketplace.extensions import db
from marketplace.orders import reviews
from tests import factories
from tests.catalog.jsonld import blocks, of_type
from tests.orders.flows import bought
from tests.orders.helpers import count, variant
from tests.sql import recorded_statements

pytestmark = pytest.mark.usefixtures("app_context")


def product_url(product: Product) -> str:
    return f"/produk/{product.id}-{product.slug}"


def reviewed(sold, *ratings: int, text: str = "Renyah dan gurih") -> list[Review]:
    """Each rating a review by a new buyer of `sold` (completed now)."""
    made = []
    for rating in ratings:
        order = bought(sold, done=None)
        made.append(
            reviews.write_review(
                line=order.parts[0].lines[0], buyer=order.buyer, rating=rating, text=text
            )
        )
    db.session.commit()
    return made


def test_the_buyer_reviews_from_the_order_page_once(client, login_as):
    order = bought(variant(), done=None)
    login_as(order.buyer)
    page = client.get(f"/pesanan/{order.code}").text
    assert "Beri ulasan" in page
    line = order.parts[0].lines[0]
    action = f"/pesanan/{order.code}/ulasan/{line.id}"
    response = client.post(action, data={"rating": "4", "text": "Mantap"}, follow_redirects=True)
    assert "Terima kasih! Ulasan Anda sudah tampil" in response.text
    assert "Ulasan Anda" in response.text and "Beri ulasan" not in response.text
    again = client.post(action, data={"rating": "1", "text": "Lagi"}, follow_redirects=True)
    assert "sudah Anda ulas" in again.text
    product = db.session.get(Product, line.product_id)
    db.session.refresh(product)
    assert (count(Review), product.rating_count, product.rating_sum) == (1, 1, 4)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rating": "9"}, "Pilih salah satu pilihan yang ada."),
        ({"text": "Tanpa bintang"}, "Pilih bintang 1 sampai 5."),
        ({"rating": "5", "text": "x" * 2001}, "paling panjang 2000"),
    ],
)
def test_bad_input_changes_nothing_and_says_why(client, login_as, data, message):
    order = bought(variant(), done=None)
    login_as(order.buyer)
    line = order.parts[0].lines[0]
    response = client.post(
        f"/pesanan/{order.code}/ulasan/{line.id}", data=data, follow_redirects=True
    )
    assert response.status_code == 200
    assert count(Review) == 0
    assert message in response.text


def test_an_order_not_yet_completed_offers_no_form(client, login_as):
    from tests.orders.flows import paid_order

    order = paid_order()
    login_as(order.buyer)
    page = client.get(f"/pesanan/{order.code}").text
    assert "Beri ulasan" not in page
    line = order.parts[0].lines[0]
    response = client.post(
        f"/pesanan/{order.code}/ulasan/{line.id}", data={"rating": "5"}, follow_redirects=True
    )
    assert "setelah pesanan selesai" in response.text
    assert count(Review) == 0


def test_the_product_page_shows_the_average_the_visible_reviews_and_the_reply(client):
    sold = variant()
    first, second, _third = reviewed(sold, 5, 4, 4)
    reviews.reply_to_review(review=first, member=sold.product.member, text="Matur nuwun!")
    db.session.commit()
    page = client.get(product_url(sold.product)).text
    assert "★</span> 4,3" in page and "3 ulasan" in page
    assert page.count("Renyah dan gurih") == 3
    assert "Matur nuwun!" in page and f"/ulasan/{second.id}/laporkan" in page
    shop = client.get(f"/toko/{sold.product.member.slug}").text
    assert "★</span> 4,3" in shop and "3 ulasan" in shop
    (product,) = of_type(blocks(page), "Product")
    assert product["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 4.3,
        "reviewCount": 3,
        "bestRating": 5,
        "worstRating": 1,
    }


def test_a_product_without_reviews_has_no_rating(client):
    sold = variant()
    page = client.get(product_url(sold.product)).text
    assert "ulasan" not in page.lower().replace("laporkan", "")
    (product,) = of_type(blocks(page), "Product")
    assert "aggregateRating" not in product


def test_the_product_page_costs_the_same_queries_for_few_or_many_reviews(client):
    costs = []
    for how_many in (0, 1, 12):
        sold = variant(stock=20)
        reviewed(sold, *([5] * how_many))
        url = product_url(sold.product)
        db.session.remove()
        with recorded_statements() as statements:
            assert client.get(url).status_code == 200
        costs.append(len(statements))
    # two more, only once there are some: the latest reviews, and their
    # photos (test_review_photos: the same with photos)
    assert costs[1] == costs[2] == costs[0] + 2


def test_the_admin_hides_a_review_with_a_reason_and_the_average_follows(client, login_as):
    sold = variant()
    kept, abusive = reviewed(sold, 5, 1)
    abusive.text = "Kata-kata kasar"
    db.session.commit()
    login_as(factories.UserFactory(roles=[Role.SHOPPER]))
    client.post(f"/ulasan/{abusive.id}/laporkan", data={"reason": "Kasar"})
    admin = login_as(factories.UserFactory(roles=[Role.ADMIN]))
    listed = client.get("/pengurus/ulasan").text
    assert "Kata-kata kasar" in listed and "1 laporan" in listed
    response = client.post(
        f"/pengurus/ulasan/{abusive.id}/sembunyikan",
        data={"reason": "Menghina penjual"},
        follow_redirects=True,
    )
    assert "disembunyikan" in response.text
    client.get("/akun/keluar")
    page = client.get(product_url(sold.product)).text
    assert "Kata-kata kasar" not in page and "★</span> 5,0" in page and "1 ulasan" in page
    hidden = db.session.get(Review, abusive.id)
    db.session.refresh(hidden)
    assert (hidden.hidden_by_id, hidden.hidden_reason) == (admin.id, "Menghina penjual")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "review")).one()
    assert (event.action, event.actor_id, event.subject_id) == (
        AuditAction.REVIEW_HIDDEN,
        admin.id,
        abusive.id,
    )
    assert kept.id != abusive.id


@pytest.fixture
def cached_app(make_app):
    app = make_app(CACHE_TYPE="SimpleCache")
    with app.app_context():
        yield app


def test_the_cached_product_page_shows_a_new_review_and_reply_at_once(cached_app):
    sold = variant()
    db.session.commit()
    visitor = cached_app.test_client()
    url = product_url(sold.product)
    assert "ulasan" not in visitor.get(url).text.lower()
    assert visitor.get(url).headers["X-Cache"] == "HIT"
    (review,) = reviewed(sold, 4)
    page = visitor.get(url)
    assert page.headers["X-Cache"] == "MISS" and "1 ulasan" in page.text
    reviews.reply_to_review(review=review, member=sold.product.member, text="Siap, terima kasih")
    db.session.commit()
    assert "Siap, terima kasih" in visitor.get(url).text


def test_products_sort_by_rating_and_filter_four_stars_and_up(client):
    best, good, poor, unrated = (variant(stock=5) for _ in range(4))
    reviewed(best, 5, 5)
    reviewed(good, 4, 5)
    reviewed(poor, 2, 3)
    names = [sold.product.name for sold in (best, good, poor, unrated)]

    def order_of(page: str) -> list[str]:
        return sorted((name for name in names if name in page), key=page.index)

    assert order_of(client.get("/produk?urut=rating").text) == names
    filtered = client.get("/produk?bintang=4&urut=rating").text
    assert order_of(filtered) == names[:2]
    assert "★4 ke atas" in filtered
    refused = client.get("/produk?bintang=9").text
    assert "Nilai bintang harus 1 sampai 5" in refused and order_of(refused) != []


def test_the_rating_filter_and_sort_round_trip_in_the_address():
    chosen = parse_filter({"bintang": " 4 ", "urut": "rating", "hal": "2"})
    assert (chosen.min_rating, chosen.sort, chosen.messages) == (4, Sort.TOP_RATED, ())
    assert chosen.to_args() == {"bintang": 4, "urut": "rating", "hal": 2}
    assert parse_filter({name: str(value) for name, value in chosen.to_args().items()}) == chosen
    assert parse_filter({"bintang": "4.5"}).min_rating is None
