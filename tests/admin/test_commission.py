"""Commission rates: the admin sets or clears a category's rate on
/pengurus/komisi and a member's own rate on the member's page, typed in
percent and kept in basis points. New orders take them; nothing else is
recorded."""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail, Role
from marketplace.admin.forms import parse_percent, percent
from marketplace.catalog.categories import set_category_commission
from marketplace.catalog.models import Category
from marketplace.catalog.services import CatalogError
from marketplace.extensions import db
from marketplace.members import services as member_services
from marketplace.members.models import Member, MemberDecision, MemberStatus
from marketplace.members.services import MemberError
from tests.factories import UserFactory, category, log_in
from tests.members.helpers import member_in, writes
from tests.orders.helpers import cart_with, checkout, shopper, variant

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def admin(login_as):
    return login_as(UserFactory(roles=[Role.ADMIN]))


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.get("_flashes", [])


def rate_of(model, row_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(model, row_id).commission_bps


# --- typing a percentage --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "bps"),
    [
        ("5", 500),
        ("2,5", 250),
        ("2.5", 250),
        ("2,25", 225),
        ("0", 0),
        ("0,01", 1),
        ("100", 10_000),
        ("100,00", 10_000),
        (" 7 % ", 700),
        ("12,50%", 1250),
        ("", None),
        ("   ", None),
    ],
)
def test_a_percentage_is_read_as_basis_points(typed, bps):
    assert parse_percent(typed) == bps


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "Komisi tidak boleh negatif."),
        ("-0,5", "Komisi tidak boleh negatif."),
        ("100,01", "Komisi paling besar 100 %."),
        ("250", "Komisi paling besar 100 %."),
        ("99999999999", "Komisi paling besar 100 %."),
        ("2,555", "Paling banyak dua angka di belakang koma, misalnya 2,25."),
        ("lima", "Tulis komisi dalam persen, misalnya 5 atau 2,5."),
        ("2,", "Tulis komisi dalam persen, misalnya 5 atau 2,5."),
        ("1.000,5", "Tulis komisi dalam persen, misalnya 5 atau 2,5."),
    ],
)
def test_a_percentage_out_of_bounds_is_refused_in_indonesian(typed, message):
    with pytest.raises(ValueError) as refused:
        parse_percent(typed)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("bps", "text"),
    [
        (500, "5"),
        (250, "2,5"),
        (205, "2,05"),
        (0, "0"),
        (10_000, "100"),
        (1, "0,01"),
        (1250, "12,5"),
    ],
)
def test_basis_points_read_back_as_a_percentage(bps, text):
    assert percent(bps) == text
    assert parse_percent(text) == bps


# --- the services --------------------------------------------------------------------


@pytest.mark.parametrize("bps", [-1, 10_001, True, 2.5, "250"])
def test_the_services_refuse_a_rate_outside_0_to_100_percent(app, bps):
    food = category()
    member = member_in(MemberStatus.APPROVED)
    with pytest.raises(CatalogError, match="Komisi harus antara 0 % dan 100 %."):
        set_category_commission(category=food, rate_bps=bps, by=UserFactory(roles=[Role.ADMIN]))
    with pytest.raises(MemberError, match="Komisi harus antara 0 % dan 100 %."):
        member_services.set_member_commission(
            member=member, rate_bps=bps, by=UserFactory(roles=[Role.ADMIN])
        )


def test_the_services_record_the_rate_and_nothing_else(app):
    member = member_in(MemberStatus.APPROVED)
    db.session.commit()
    before = writes()
    set_category_commission(category=category(), rate_bps=250, by=UserFactory(roles=[Role.ADMIN]))
    member_services.set_member_commission(
        member=member, rate_bps=0, by=UserFactory(roles=[Role.ADMIN])
    )
    db.session.commit()
    assert (rate_of(Category, category().id), rate_of(Member, member.id)) == (250, 0)
    assert writes() == before  # no decision, no email


# --- the commission page --------------------------------------------------------------


def category_row(html: str, found: Category) -> str:
    return html.split(f'id="kategori-{found.id}"')[1].split("</li>")[0]


def post_rate(client, found: Category, typed: str):
    return client.post(
        f"/pengurus/komisi/kategori/{found.id}", data={f"kategori-{found.id}-rate": typed}
    )


def test_commission_page_lists_every_category_with_its_rate(client, admin):
    food = category()
    food.commission_bps = 250
    db.session.commit()
    page = client.get("/pengurus/komisi")
    assert page.status_code == 200
    assert "Komisi bawaan <strong>5 %</strong>" in page.text
    names = db.session.scalars(select(Category.name).order_by(Category.position, Category.name))
    found = re.findall(r'<span class="fw-semibold text-break">([^<]+)</span>', page.text)
    assert found == [name.replace("&", "&amp;") for name in names]
    assert "2,5 %" in category_row(page.text, food)
    assert 'value="2,5"' in category_row(page.text, food)
    other = db.session.scalars(select(Category).where(Category.id != food.id)).first()
    assert "bawaan 5 %" in category_row(page.text, other)
    assert "Belum ada. Semua anggota mengikuti komisi kategori produknya." in page.text


def test_the_default_shown_follows_the_configuration(make_app):
    app = make_app(COMMISSION_DEFAULT_BPS=750)
    with app.app_context():
        admin = UserFactory(roles=[Role.ADMIN])
        db.session.commit()
        client = app.test_client()
        log_in(client, admin)
        assert "Komisi bawaan <strong>7,5 %</strong>" in client.get("/pengurus/komisi").text


def test_admin_sets_and_clears_a_category_rate(client, admin):
    food = category()
    response = post_rate(client, food, "2,5")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pengurus/komisi#kategori-{food.id}"
    assert flashes(client)[-1] == (
        "success",
        f"Komisi kategori {food.name} sekarang 2,5 %. Berlaku untuk pesanan baru.",
    )
    assert rate_of(Category, food.id) == 250
    post_rate(client, food, "")
    assert flashes(client)[-1] == (
        "success",
        f"Komisi kategori {food.name} kembali ke bawaan (5 %). Berlaku untuk pesanan baru.",
    )
    assert rate_of(Category, food.id) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Komisi tidak boleh negatif."),
        ("150", "Komisi paling besar 100 %."),
        ("2,125", "Paling banyak dua angka di belakang koma"),
        ("sepuluh", "Tulis komisi dalam persen"),
    ],
)
def test_a_wrong_category_rate_is_explained_on_its_row(client, admin, typed, message):
    food = category()
    food.commission_bps = 300
    db.session.commit()
    response = post_rate(client, food, typed)
    assert response.status_code == 200
    row = category_row(response.text, food)
    assert message in row and "is-invalid" in row
    assert f'value="{typed}"' in row
    assert response.text.count(message) == 1
    assert rate_of(Category, food.id) == 300


def test_a_category_rate_applies_to_new_orders_only(client, admin):
    food = category()
    item = variant(price=20_000)
    buyer = shopper()
    before = checkout(buyer, cart_with(buyer, (item, 1)))
    db.session.commit()
    post_rate(client, food, "2,5")
    buyer = shopper()
    after = checkout(buyer, cart_with(buyer, (item, 1)))
    db.session.commit()
    old_line, new_line = before.parts[0].lines[0], after.parts[0].lines[0]
    assert (old_line.commission_rate_bps, old_line.commission) == (500, 1_000)
    assert (new_line.commission_rate_bps, new_line.commission) == (250, 500)


# --- a member's own rate --------------------------------------------------------------


def post_member_rate(client, member: Member, typed: str):
    return client.post(f"/pengurus/komisi/anggota/{member.id}", data={"komisi-rate": typed})


def test_member_page_shows_and_sets_the_members_own_rate(client, admin):
    member = member_in(MemberStatus.APPROVED, shop_name="Gula Kelapa Pak Darto")
    db.session.commit()
    page = client.get(f"/pengurus/anggota/{member.id}").text
    assert "Mengikuti komisi kategori produknya (bawaan 5 %)." in page
    response = post_member_rate(client, member, "3")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pengurus/anggota/{member.id}"
    assert flashes(client)[-1] == (
        "success",
        (
            "Komisi Gula Kelapa Pak Darto sekarang 3 % untuk semua produknya. "
            "Berlaku untuk pesanan baru."
        ),
    )
    assert rate_of(Member, member.id) == 300
    page = client.get(f"/pengurus/anggota/{member.id}").text
    assert "Komisi khusus <strong>3 %</strong>" in page and 'value="3"' in page
    listing = client.get("/pengurus/komisi").text
    assert "Gula Kelapa Pak Darto" in listing and "3 %" in listing

    post_member_rate(client, member, " ")
    assert rate_of(Member, member.id) is None
    assert flashes(client)[-1][1].startswith("Komisi khusus Gula Kelapa Pak Darto dihapus")


def test_a_wrong_member_rate_is_explained_and_nothing_changes(client, admin):
    member = member_in(MemberStatus.APPROVED, commission_bps=400)
    db.session.commit()
    before = (
        len(db.session.scalars(select(MemberDecision)).all()),
        len(db.session.scalars(select(OutboxEmail)).all()),
    )
    response = post_member_rate(client, member, "-2")
    assert response.status_code == 200
    assert "Komisi tidak boleh negatif." in response.text
    assert 'value="-2"' in response.text
    assert rate_of(Member, member.id) == 400
    assert before == (
        len(db.session.scalars(select(MemberDecision)).all()),
        len(db.session.scalars(select(OutboxEmail)).all()),
    )


def test_a_members_own_rate_comes_before_the_categorys(client, admin):
    food = category()
    item = variant(price=20_000)
    post_rate(client, food, "2,5")
    post_member_rate(client, item.product.member, "10")
    buyer = shopper()
    order = checkout(buyer, cart_with(buyer, (item, 1)))
    db.session.commit()
    assert order.parts[0].lines[0].commission_rate_bps == 1000


def test_admin_index_links_to_the_commission_page(client, admin):
    assert 'href="/pengurus/komisi"' in client.get("/pengurus").text
