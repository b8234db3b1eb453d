"""Who may open what under /bendahara: the treasurer only. Anonymous
visitors go to the login page; shoppers, members and admins get 403 and
change nothing. And the admin's commission pages are the admin's alone:
the treasurer gets 403 there like everyone else who is not an admin."""

import io
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import Category
from marketplace.extensions import db
from marketplace.ledger.models import LedgerPeriodClose, LedgerTransaction
from marketplace.ledger.services import post
from marketplace.members.models import Member
from marketplace.orders.models import Order, OrderPart
from marketplace.payments import stripe_sync
from marketplace.treasury import statement
from marketplace.treasury.models import StatementImport, StatementLine
from tests import factories
from tests.members.helpers import routes_of
from tests.orders.helpers import count
from tests.payments.card_orders import card_order
from tests.treasury.helpers import card_refund_owed, money_written, refund_owed, transfer_order
from tests.treasury.test_payout_access import PAYOUTS

PEOPLE = ("anonymous", "shopper", "member", "admin", "treasurer")
ROLES = {
    "shopper": [Role.SHOPPER],
    "member": [Role.MEMBER],
    "admin": [Role.ADMIN],
    "treasurer": [Role.TREASURER],
}
LOGIN = (302, "/akun/masuk")

# (rule, method) -> (URL, form data, the treasurer's answer)
TREASURY = {
    ("/bendahara", "GET"): ("/bendahara", {}, 200),
    ("/bendahara/transfer", "GET"): ("/bendahara/transfer?q=PA-2&page=1", {}, 200),
    ("/bendahara/transfer/<code>/konfirmasi", "POST"): (
        "/bendahara/transfer/{code}/konfirmasi",
        {"transfer-{order}-amount": "{total}"},
        (302, "/bendahara/transfer"),
    ),
    ("/bendahara/pengembalian", "GET"): ("/bendahara/pengembalian", {}, 200),
    ("/bendahara/pengembalian/<int:part_id>/selesai", "POST"): (
        "/bendahara/pengembalian/{part}/selesai",
        {},
        (302, "/bendahara/pengembalian"),
    ),
    ("/bendahara/kartu", "GET"): ("/bendahara/kartu?tinjau=1&page=1", {}, 200),
    ("/bendahara/kartu/<code>/periksa", "POST"): (
        "/bendahara/kartu/{card}/periksa",
        {},
        (302, "/bendahara/kartu"),
    ),
    ("/bendahara/kartu/<code>/biaya", "POST"): (
        "/bendahara/kartu/{card_paid}/biaya",
        {},
        (302, "/bendahara/kartu"),
    ),
    ("/bendahara/pengembalian/<int:part_id>/stripe", "POST"): (
        "/bendahara/pengembalian/{card_part}/stripe",
        {},
        (302, "/bendahara/pengembalian"),
    ),
    ("/bendahara/mutasi", "GET"): ("/bendahara/mutasi?tampil=semua&page=1", {}, 200),
    ("/bendahara/mutasi", "POST"): (
        "/bendahara/mutasi",
        {
            "statement": lambda: (
                io.BytesIO(b"tanggal;keterangan;jumlah\n01/12/2026;BUNGA;1.234\n"),
                "m.csv",
            )
        },
        (302, "/bendahara/mutasi"),
    ),
    ("/bendahara/mutasi/<int:line_id>/konfirmasi", "POST"): (
        "/bendahara/mutasi/{line}/konfirmasi",
        {},
        (302, "/bendahara/mutasi"),
    ),
    ("/bendahara/mutasi/konfirmasi-semua", "POST"): (
        "/bendahara/mutasi/konfirmasi-semua",
        {},
        (302, "/bendahara/mutasi"),
    ),
    ("/bendahara/anggota/<int:member_id>/laporan", "GET"): (
        "/bendahara/anggota/{member}/laporan?bulan=2026-01",
        {},
        200,
    ),
    ("/bendahara/anggota/<int:member_id>/laporan.csv", "GET"): (
        "/bendahara/anggota/{member}/laporan.csv",
        {},
        200,
    ),
    ("/bendahara/anggota/<int:member_id>/laporan/cetak", "GET"): (
        "/bendahara/anggota/{member}/laporan/cetak",
        {},
        200,
    ),
    ("/bendahara/tutup-buku", "GET"): ("/bendahara/tutup-buku?page=2", {}, 200),
    ("/bendahara/tutup-buku", "POST"): (
        "/bendahara/tutup-buku",
        {"month": "{month}", "checked": "y"},
        (302, "/bendahara/tutup-buku"),
    ),
    ("/bendahara/koreksi", "GET"): ("/bendahara/koreksi?page=1", {}, 200),
    ("/bendahara/koreksi/penyesuaian", "GET"): ("/bendahara/koreksi/penyesuaian", {}, 200),
    ("/bendahara/koreksi/penyesuaian", "POST"): (
        "/bendahara/koreksi/penyesuaian",
        {
            "lines-0-account": "cash:bank",
            "lines-0-debit": "1.000",
            "lines-1-account": "income:commission:central",
            "lines-1-credit": "1.000",
            "reason": "Uji matriks akses bendahara.",
            "token": "matriks-akses-0001",
            "step": "confirm",
        },
        (302, "/bendahara/koreksi"),
    ),
    ("/bendahara/transaksi/<int:transaction_id>/balik", "GET"): (
        "/bendahara/transaksi/{old_posting}/balik",
        {},
        200,
    ),
    ("/bendahara/transaksi/<int:transaction_id>/balik", "POST"): (
        "/bendahara/transaksi/{old_posting}/balik",
        {"reason": "Uji matriks akses bendahara."},
        (302, "/bendahara/koreksi"),
    ),
    ("/bendahara/laporan", "GET"): ("/bendahara/laporan?lihat=anggota&urut=nama", {}, 200),
    (
        (
            "/bendahara/laporan/unduh/<any(kecamatan,kategori,anggota,dana):dimensi>"
            ".<any(csv,xlsx):jenis>"
        ),
        "GET",
    ): ("/bendahara/laporan/unduh/dana.xlsx?tahun=2026", {}, 200),
    ("/bendahara/laporan/<any(kecamatan,kategori,anggota):dimensi>/<key>", "GET"): (
        "/bendahara/laporan/kecamatan/sokaraja?dari=2026-01&sampai=2026-12",
        {},
        200,
    ),
    ("/bendahara/transaksi/<int:transaction_id>", "GET"): (
        "/bendahara/transaksi/{transaction}",
        {},
        200,
    ),
    ("/bendahara/laporan-bulanan", "GET"): ("/bendahara/laporan-bulanan", {}, 200),
    ("/bendahara/laporan-bulanan/<month>", "GET"): ("/bendahara/laporan-bulanan/2026-01", {}, 200),
    ("/bendahara/laporan-bulanan/<month>.pdf", "GET"): (
        "/bendahara/laporan-bulanan/2026-01.pdf",
        {},
        200,
    ),
}
ADMIN_COMMISSION = {
    ("/pengurus/komisi", "GET"): ("/pengurus/komisi", {}, 200),
    ("/pengurus/komisi/kategori/<int:category_id>", "POST"): (
        "/pengurus/komisi/kategori/{category}",
        {"kategori-{category}-rate": "2,5"},
        (302, "/pengurus/komisi"),
    ),
    ("/pengurus/komisi/anggota/<int:member_id>", "POST"): (
        "/pengurus/komisi/anggota/{member}",
        {"komisi-rate": "3"},
        (302, "/pengurus/anggota/{member}"),
    ),
}


@pytest.fixture
def world(app, fake_stripe):
    """An order waiting for its transfer, a part with a refund owed, a card
    order paid at Stripe whose webhook never came, one paid whose fee is
    not posted, and a card part whose refund was not sent to Stripe yet."""
    app.config.update(fake_stripe.config())
    card, stored = card_order()
    fake_stripe.complete_session(stored.session_id)
    card_paid, paid_checkout = card_order()
    fake_stripe.complete_session(paid_checkout.session_id)
    stripe_sync.sync(order=card_paid)
    order = transfer_order()
    _, part = refund_owed()
    card_part = card_refund_owed(fake_stripe)
    member = factories.MemberFactory()
    credit = f"tanggal;keterangan;jumlah\n{date.today():%d/%m/%Y};TRF;{order.total}\n"
    imported = statement.import_statement(
        data=credit.encode(), filename="mutasi.csv", by=factories.UserFactory()
    )
    # Last month's fee: a month that has ended, to close, and a transaction to reverse.
    last_month = date.today().replace(day=1) - timedelta(days=1)
    old_posting = post(
        key="world:last-month-fee",
        kind="fee",
        entries=[("expense:payment-fees", 1_000), ("cash:bank", -1_000)],
        occurred_at=datetime.combine(last_month, time(5), tzinfo=UTC),
    )
    db.session.commit()
    return {
        "month": f"{last_month:%Y-%m}",
        "old_posting": old_posting.id,
        "code": order.code,
        "card": card.code,
        "card_paid": card_paid.code,
        "order": order.id,
        "total": str(order.total),
        "part": part.id,
        "card_part": card_part.id,
        "line": db.session.scalar(
            select(StatementLine.id).where(StatementLine.import_id == imported.statement.id)
        ),
        "category": factories.category().id,
        "member": member.id,
        "transaction": db.session.scalar(select(func.min(LedgerTransaction.id))),
    }


def fill(text: str, world: dict) -> str:
    return text.format(**world)


def state() -> tuple:
    """Everything the routes under test could write."""
    return (
        money_written(),
        db.session.execute(select(Order.id, Order.status).order_by(Order.id)).all(),
        db.session.execute(
            select(OrderPart.id, OrderPart.refund_paid_at).order_by(OrderPart.id)
        ).all(),
        db.session.execute(
            select(Category.id, Category.commission_bps).order_by(Category.id)
        ).all(),
        db.session.execute(select(Member.id, Member.commission_bps).order_by(Member.id)).all(),
        count(LedgerPeriodClose),
        count(AuditEvent),
        count(StatementImport),
        db.session.execute(select(StatementLine.id, StatementLine.order_id)).all(),
    )


def request_as(client, login_as, who: str, world: dict, case: tuple):
    url, data, _ = case
    if who != "anonymous":
        login_as(factories.UserFactory(roles=ROLES[who]))
    data = {
        fill(key, world): value() if callable(value) else fill(value, world)  # a file: made anew
        for key, value in data.items()
    }
    return url, data


def check(response, expected, world: dict) -> None:
    status, location = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status
    if location:
        assert urlsplit(response.headers["Location"]).path == fill(location, world)
    if status == 403:
        assert "Anda tidak memiliki akses ke halaman ini." in response.text


def test_the_matrix_covers_every_treasury_route(app):
    # Paying members has its own matrix (an admin approves there): test_payout_access.
    assert routes_of(app, "treasury") - set(PAYOUTS) == set(TREASURY)
    assert set(ADMIN_COMMISSION) <= routes_of(app, "admin")


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(("rule", "method"), list(TREASURY))
def test_treasury_access(client, login_as, world, rule, method, who):
    url, data = request_as(client, login_as, who, world, TREASURY[(rule, method)])
    db.session.expire_all()
    before = state()
    response = client.open(fill(url, world), method=method, data=data)
    expected = {"anonymous": LOGIN, "treasurer": TREASURY[(rule, method)][2]}.get(who, 403)
    check(response, expected, world)
    db.session.expire_all()
    if who != "treasurer":
        assert state() == before
    elif method == "POST":
        assert state() != before


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize(("rule", "method"), list(ADMIN_COMMISSION))
def test_commission_access(client, login_as, world, rule, method, who):
    url, data = request_as(client, login_as, who, world, ADMIN_COMMISSION[(rule, method)])
    db.session.expire_all()
    before = state()
    response = client.open(fill(url, world), method=method, data=data)
    expected = {"anonymous": LOGIN, "admin": ADMIN_COMMISSION[(rule, method)][2]}.get(who, 403)
    check(response, expected, world)
    db.session.expire_all()
    if who != "admin":
        assert state() == before
    elif method == "POST":
        assert state() != before


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("POST", "/bendahara/transfer/PA-TIDAKADA/konfirmasi", 404),
        ("POST", "/bendahara/pengembalian/999999/selesai", 404),
        ("POST", "/bendahara/pengembalian/999999/stripe", 404),
        ("POST", "/bendahara/pengembalian/{part}/stripe", 302),  # a transfer's: refused
        ("GET", "/bendahara/transfer/{code}/konfirmasi", 405),
        ("GET", "/bendahara/transfer?page=abc&q=" + "9" * 60, 200),
        ("GET", "/bendahara/transaksi/999999/balik", 404),
        ("POST", "/bendahara/transaksi/999999/balik", 404),
        ("GET", "/bendahara/koreksi?transaksi={old_posting}", 302),
        ("GET", "/bendahara/koreksi?transaksi=" + "9" * 40, 200),
        ("POST", "/bendahara/tutup-buku", 400),
        ("POST", "/bendahara/koreksi/penyesuaian", 400),
    ],
)
def test_treasurer_edges(client, login_as, world, method, url, status):
    login_as(factories.UserFactory(roles=[Role.TREASURER]))
    assert client.open(fill(url, world), method=method).status_code == status


def test_posts_without_a_csrf_token_are_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        order = transfer_order()
        _, part = refund_owed()
        treasurer = factories.UserFactory(roles=[Role.TREASURER])
        admin = factories.UserFactory(roles=[Role.ADMIN])
        db.session.commit()
        before = state()
        client = app.test_client()
        for user, url, data in (
            (
                treasurer,
                f"/bendahara/transfer/{order.code}/konfirmasi",
                {f"transfer-{order.id}-amount": str(order.total)},
            ),
            (treasurer, f"/bendahara/pengembalian/{part.id}/selesai", {}),
            (treasurer, f"/bendahara/pengembalian/{part.id}/stripe", {}),
            (
                admin,
                f"/pengurus/komisi/kategori/{factories.category().id}",
                {f"kategori-{factories.category().id}-rate": "1"},
            ),
            (treasurer, "/bendahara/tutup-buku", {"month": "2025-01", "checked": "y"}),
            (
                treasurer,
                "/bendahara/koreksi/penyesuaian",
                {
                    "lines-0-account": "cash:bank",
                    "lines-0-debit": "1.000",
                    "lines-1-account": "income:commission:central",
                    "lines-1-credit": "1.000",
                    "reason": "Tanpa token CSRF.",
                    "token": "tanpa-csrf-000001",
                    "step": "confirm",
                },
            ),
            (treasurer, f"/bendahara/transaksi/{order.id}/balik", {"reason": "Tanpa token CSRF."}),
        ):
            factories.log_in(client, user)
            response = client.post(url, data=data)
            assert response.status_code == 400
            assert "Formulir ini sudah kedaluwarsa" in response.text
        db.session.expire_all()
        assert state() == before
