"""`flask seed-demo`: a realistic demo shop, seeded once, with photos on disk."""

import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import OutboxEmail, Role, User
from marketplace.accounts.passwords import verify_password
from marketplace.catalog.models import (
    MENTOR_KINDS,
    Category,
    Certificate,
    CertificateStatus,
    Product,
    ProductChange,
    ProductStatus,
    ProductVariant,
    Review,
)
from marketplace.catalog.queries import is_public
from marketplace.core import clock
from marketplace.core.money import percent_of
from marketplace.core.storage import LocalStorage, storage
from marketplace.demo.orders import card
from marketplace.demo.orders.stories import LEBARAN
from marketplace.demo.people import LOGINS, MEMBER_LOGIN, MENTOR_LOGIN, SHOPPER_LOGIN
from marketplace.demo.seed import RecordingStorage, seed_demo_data
from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems, trial_balance
from marketplace.ledger.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerPeriodClose,
    LedgerTransaction,
)
from marketplace.ledger.services import month_bounds, month_of, next_month
from marketplace.members.models import Member, MemberStatus
from marketplace.mentoring import impact
from marketplace.mentoring.access import live_pairings
from marketplace.mentoring.models import Cohort
from marketplace.orders.models import (
    CartLine,
    CommissionFact,
    Order,
    OrderLine,
    OrderPart,
)
from marketplace.orders.status import OrderPartStatus, OrderStatus, PaymentMethod
from marketplace.payments.models import PaymentReceipt, StripeCheckout, StripeEvent
from marketplace.treasury import statement
from marketplace.treasury.member_statement import balances_now, statement_for
from marketplace.treasury.models import (
    BatchStatus,
    LineStatus,
    PayoutBatch,
    PayoutLine,
    StatementLine,
)
from marketplace.treasury.payout_queries import member_balances
from marketplace.treasury.reports import Dimension, Period, funds_by_month, report
from tests.orders.flows import ledger_total, unbalanced_transactions

pytestmark = pytest.mark.usefixtures("app_context")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def everything_counted() -> tuple:
    """What a second seed must not change: rows, stock and the ledger."""
    return (
        *(
            count(model)
            for model in (
                User,
                Member,
                Product,
                Order,
                OrderPart,
                OrderLine,
                PaymentReceipt,
                CartLine,
                LedgerTransaction,
                LedgerEntry,
                OutboxEmail,
            )
        ),
        db.session.scalar(select(func.coalesce(func.sum(ProductVariant.stock), 0))),
    )


def demo_user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def assert_orders_in_every_state(runner) -> None:
    """The orders of the demo, made through the services: every status of an
    order and of a part, what each demo login needs to try its pages, and a
    ledger that holds their postings and balances."""
    orders = db.session.scalars(select(Order)).all()
    parts = db.session.scalars(select(OrderPart)).all()
    assert {order.status for order in orders} == set(OrderStatus)
    assert {part.status for part in parts} == set(OrderPartStatus)
    assert {order.payment_method for order in orders} == set(PaymentMethod)
    now = datetime.now(UTC)

    # Checkout snapshotted the lines and kept the stock summaries in step.
    for order in orders:
        assert order.total == order.subtotal + order.delivery_total + order.unique_code
        assert order.subtotal == sum(part.subtotal for part in order.parts)
        assert aware(order.placed_at) <= now
    lines = db.session.scalars(select(OrderLine)).all()
    assert lines and all(
        line.product_name and line.line_total == line.unit_price * line.quantity > 0
        for line in lines
    )
    for product in db.session.scalars(select(Product).options(selectinload(Product.variants))):
        assert product.total_stock == sum(variant.stock for variant in product.variants) >= 0

    # The demo member has something in every tab of their fulfilment page.
    shop = db.session.scalars(
        select(Member).join(Member.user).where(User.email == MEMBER_LOGIN.email)
    ).one()
    assert shop.accepts_cash
    own = {part.status for part in parts if part.member_id == shop.id}
    assert {
        OrderPartStatus.NEW,
        OrderPartStatus.PROCESSING,
        OrderPartStatus.SHIPPED,
        OrderPartStatus.READY_FOR_PICKUP,
        OrderPartStatus.COMPLETED,
    } <= own

    # The demo shopper has orders in several states and a cart to check out.
    shopper = demo_user(SHOPPER_LOGIN.email)
    theirs = [order for order in orders if order.buyer_id == shopper.id]
    assert len({order.status for order in theirs}) >= 4
    assert {order.payment_method for order in theirs} == set(PaymentMethod)
    assert db.session.scalar(
        select(func.count(CartLine.id)).where(CartLine.cart.has(user_id=shopper.id))
    )
    assert len({order.buyer_id for order in orders}) >= 5

    # The treasurer has transfers to confirm (and overdue ones), refunds owed and paid.
    awaiting = [order for order in orders if order.is_awaiting_transfer]
    assert sum(aware(order.expires_at) > now for order in awaiting) >= 2
    overdue = sum(aware(order.expires_at) <= now for order in awaiting)
    assert overdue >= 1
    refunds = [part for part in parts if part.refund_amount]
    assert any(part.refund_paid_at is None for part in refunds)
    assert any(part.refund_paid_at is not None for part in refunds)
    cancelled = [order for order in orders if order.status == OrderStatus.CANCELLED]
    assert any(order.cancel_reason == "Batas waktu pembayaran lewat." for order in cancelled)
    assert any(order.cancel_reason != "Batas waktu pembayaran lewat." for order in cancelled)

    # The ledger holds the services' postings: the bank has every confirmed
    # transfer less the refunds sent back, and owes the refunds not yet sent.
    received = sum(
        order.total
        for order in orders
        if order.payment_method == PaymentMethod.BANK_TRANSFER and order.paid_at is not None
    )
    sent_back = sum(part.refund_amount for part in refunds if part.refund_paid_at is not None)
    # ... and less what it paid members (the demo's paid payout batch).
    paid_out = db.session.scalar(
        select(func.coalesce(func.sum(PayoutLine.amount), 0)).where(
            PayoutLine.status == LineStatus.TRANSFERRED
        )
    )
    assert balance("cash:bank") == received - sent_back - paid_out > 0
    assert balance("payable:shopper-refunds") == sum(
        part.refund_amount for part in refunds if part.refund_paid_at is None
    )
    rows = trial_balance()
    assert sum(row.debit for row in rows) == sum(row.credit for row in rows) > 0
    check = runner.invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output
    assert "Buku besar seimbang." in check.output

    assert_card_payments_recorded(orders, now)
    assert unbalanced_transactions() == [] and ledger_total() == 0

    # The emails the services queued were dropped, not left to print.
    assert count(OutboxEmail) == 0

    # The expiry job has the overdue transfers to cancel, and the ledger still balances.
    expired = runner.invoke(args=["orders", "expire-unpaid"])
    assert expired.exit_code == 0, expired.output
    assert f"{overdue} pesanan dibatalkan" in expired.output
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0


def assert_card_payments_recorded(orders: list[Order], now: datetime) -> None:
    """Card orders paid as Stripe's webhook pays them: each with its stored
    session, the event that paid it, its sale on cash:stripe less the fee
    Stripe kept; one still on Stripe's page, its session open."""
    cards = [order for order in orders if order.payment_method == PaymentMethod.STRIPE]
    sessions = {row.order_id: row for row in db.session.scalars(select(StripeCheckout))}
    assert set(sessions) == {order.id for order in cards}
    paid = [order for order in cards if order.paid_at is not None]
    (waiting,) = [order for order in cards if order.status == OrderStatus.PENDING_PAYMENT]
    assert len(paid) >= 3 and len(cards) == len(paid) + 1
    assert sessions[waiting.id].status == "open" and aware(waiting.expires_at) > now
    assert aware(sessions[waiting.id].expires_at) <= aware(waiting.expires_at)
    for order in paid:
        session = sessions[order.id]
        assert session.status == "complete" and session.payment_intent_id.startswith("pi_")
        assert session.amount == order.total * 100 and order.unique_code == 0
    events = db.session.execute(select(StripeEvent.order_id, StripeEvent.type, StripeEvent.outcome))
    assert sorted(events) == sorted(
        (order.id, "checkout.session.completed", "applied") for order in paid
    )
    receipts = db.session.scalars(
        select(PaymentReceipt).where(PaymentReceipt.method == PaymentMethod.STRIPE)
    ).all()
    assert sorted(receipt.order_id for receipt in receipts) == sorted(order.id for order in paid)
    assert all(receipt.recorded_by_id is None for receipt in receipts)
    fees = sum(percent_of(order.total, card.FEE_BPS) + card.FEE_FIXED for order in paid)
    assert balance("expense:payment-fees") == fees > 0
    assert balance("cash:stripe") == sum(order.total for order in paid) - fees > 0


def public_products() -> list[Product]:
    statement = (
        select(Product)
        .join(Product.member)
        .where(is_public())
        .options(selectinload(Product.variants), selectinload(Product.images))
    )
    return list(db.session.scalars(statement))


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def income_posted_in(month: date) -> int:
    """Commission income posted in `month`, summed from the ledger's entries."""
    start, end = month_bounds(month)
    return -int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerAccount.code.startswith("income:commission:"),
                LedgerTransaction.occurred_at >= start,
                LedgerTransaction.occurred_at < end,
            )
        )
    )


def assert_books_have_a_history() -> None:
    """About fourteen months of sales ending this month, through the
    services: the treasurer's charts have shape, every month that has ended
    but the last is closed, and the reports agree with the ledger."""
    this_month = month_of(datetime.now(UTC))
    sold = set(db.session.scalars(select(CommissionFact.month).where(CommissionFact.gross > 0)))
    assert len(sold) >= 13 and max(sold) == this_month
    history = Period(min(sold), this_month)
    income = {month: split.total for month, split in funds_by_month(history)}
    assert all(amount > 0 for amount in income.values())

    # Growth, and a peak at Lebaran: it earns more than the year's middle month.
    ordinary = sorted(income.values())[len(income) // 2]
    festive = [month for month in income if month_of_lebaran(month)]
    assert festive and all(income[month] > ordinary for month in festive)
    first_quarter = sum(list(income.values())[:3])
    last_quarter = sum(list(income.values())[-4:-1])
    assert last_quarter > first_quarter

    # Several kecamatan and categories; cash sales; refunds, one in the month after its sale.
    assert len(set(db.session.scalars(select(CommissionFact.kecamatan_slug)))) >= 15
    assert len(set(db.session.scalars(select(CommissionFact.category_id)))) >= 5
    cash_sold = db.session.scalars(
        select(Order.paid_at).where(
            Order.payment_method == PaymentMethod.CASH, Order.paid_at.is_not(None)
        )
    ).all()
    assert len({month_of(aware(moment)) for moment in cash_sold}) >= 6
    refunds = db.session.execute(
        select(CommissionFact.order_line_id, CommissionFact.month).where(CommissionFact.gross < 0)
    ).all()
    sales = dict(
        db.session.execute(
            select(CommissionFact.order_line_id, CommissionFact.month).where(
                CommissionFact.gross > 0
            )
        ).all()
    )
    assert len(refunds) >= 5
    assert any(month > sales[line] for line, month in refunds)

    # Every ended month but the last is closed, in order; the ledger is sound.
    closed = list(
        db.session.scalars(select(LedgerPeriodClose.month).order_by(LedgerPeriodClose.month))
    )
    last_ended = previous_month(this_month)
    assert closed[0] == min(sold) and closed[-1] == previous_month(last_ended)
    assert all(next_month(a) == b for a, b in itertools.pairwise(closed))
    assert problems() == []

    # A closed month's reports agree with the ledger's income accounts.
    for month in closed:
        period = Period.month(month)
        by_kecamatan = report(period, Dimension.KECAMATAN)
        assert by_kecamatan.funds.total == income_posted_in(month) == income[month]
        assert by_kecamatan.unattributed == 0
        assert len(by_kecamatan.rows) == 27
        assert sum(row.chapter for row in by_kecamatan.rows) == by_kecamatan.funds.chapters_total
        for dimension in Dimension:
            assert report(period, dimension).commission == income_posted_in(month)


def month_of_lebaran(month: date) -> bool:
    lebaran = LEBARAN.get(month.year)
    return lebaran is not None and (lebaran.year, lebaran.month) == (month.year, month.month)


def test_seed_demo_builds_a_shop_with_members_products_and_photos(app, runner):
    result = runner.invoke(args=["seed-demo", "--products", "60"])

    assert result.exit_code == 0, result.output
    for login in LOGINS:
        assert login.email in result.output and login.password in result.output
        user = db.session.scalars(select(User).where(User.email == login.email)).one()
        assert user.roles == {login.role}
        assert verify_password(user.password_hash, login.password)

    approved = list(
        db.session.scalars(select(Member).where(Member.status == MemberStatus.APPROVED))
    )
    assert len(approved) >= 40
    assert len({member.kecamatan_id for member in approved}) >= 20
    assert all(member.whatsapp.startswith("628") for member in approved)
    shop = db.session.scalars(
        select(Member).join(Member.user).where(User.email == MEMBER_LOGIN.email)
    ).one()
    assert shop.status == MemberStatus.APPROVED

    products = public_products()
    assert len(products) >= 50
    assert any(product.member_id == shop.id for product in products)
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    for product in products:
        assert product.variants and all(variant.price > 0 for variant in product.variants)
        assert product.min_price == min(variant.price for variant in product.variants)
        assert "\n" in product.description
        cover = product.images[0]
        assert cover.position == 0
        assert storage.path(cover.thumb_key).is_file()
        assert storage.path(cover.large_key).is_file()
    with Image.open(storage.path(products[0].images[0].thumb_key)) as thumb:
        assert thumb.size == (320, 320)


def test_seed_demo_never_seeds_twice(app, runner):
    assert runner.invoke(args=["seed-demo", "--members", "8", "--products", "20"]).exit_code == 0
    before = everything_counted()
    assert count(Order) > 0, "orders were placed"
    uploads = sorted(Path(app.config["UPLOAD_DIR"]).rglob("*"))

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0
    assert "sudah ada" in again.output
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0

    assert everything_counted() == before
    assert sorted(Path(app.config["UPLOAD_DIR"]).rglob("*")) == uploads


def test_seed_demo_is_deterministic(app, tmp_path):
    def shop_window() -> list[tuple]:
        store = RecordingStorage(LocalStorage(tmp_path / "determinism"))
        seed_demo_data(storage=store, members=5, products=12)
        rows = db.session.execute(
            select(
                Product.name, Product.min_price, Product.max_price, Product.total_stock
            ).order_by(Product.id)
        ).all()
        # The order codes and transfer codes are random on purpose; the rest is not.
        orders = db.session.execute(
            select(
                Order.status,
                Order.payment_method,
                Order.subtotal,
                Order.delivery_total,
                OrderPart.status,
                Member.shop_name,
                OrderPart.refund_amount > 0,
            )
            .join(Order.parts)
            .join(OrderPart.member)
            .order_by(OrderPart.id)
        ).all()
        db.session.rollback()
        store.delete_saved()
        return [tuple(row) for row in rows] + [tuple(row) for row in orders]

    first = shop_window()
    # The twelve asked for, and the draft the campus mentor wrote for a member.
    assert len([row for row in first if len(row) == 4]) == 12 + 1
    assert len(first) > 12, "orders too"
    assert shop_window() == first


def test_full_demo_has_hundreds_of_public_products_and_orders_in_every_state(app, runner):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    products = db.session.scalars(select(Product).join(Product.member).where(is_public())).all()
    assert len(products) >= 250
    assert {product.category_id for product in products} == set(
        db.session.scalars(select(Category.id))
    )
    statuses = set(db.session.scalars(select(Product.status).distinct()))
    assert {ProductStatus.DRAFT, ProductStatus.ARCHIVED} <= statuses
    assert_books_have_a_history()
    assert_orders_in_every_state(runner)
    assert_members_are_paid_and_waiting()
    assert_popular_products_have_reviews()


def assert_popular_products_have_reviews() -> None:
    """Buyers reviewed what they received (a member replied to some): every
    product's count and sum are those of its visible reviews, and most of
    the ten best sellers have an average to show."""
    visible = dict(
        db.session.execute(
            select(Review.product_id, func.count())
            .where(Review.hidden_at.is_(None))
            .group_by(Review.product_id)
        )
        .tuples()
        .all()
    )
    assert sum(visible.values()) >= 50
    assert db.session.scalar(select(func.count()).where(Review.replied_at.is_not(None))) > 0
    for product in db.session.scalars(select(Product).where(Product.rating_count > 0)):
        assert product.rating_count == visible[product.id]
    assert sum(visible.values()) == db.session.scalar(select(func.sum(Product.rating_count)))
    popular = db.session.scalars(
        select(Product).order_by(Product.sold_count.desc(), Product.id).limit(10)
    ).all()
    assert sum(1 for product in popular if product.rating_count) >= 6


def assert_members_are_paid_and_waiting() -> None:
    """A batch paid (one line transferred, one failed), one waiting for the
    admin, more members ready to pay, no payout email left queued, and
    every member's statement closing on their ledger accounts."""
    batches = {batch.status: batch for batch in db.session.scalars(select(PayoutBatch))}
    assert set(batches) == {BatchStatus.DONE, BatchStatus.PREPARED}
    assert {line.status for line in batches[BatchStatus.DONE].lines} == {
        LineStatus.TRANSFERRED,
        LineStatus.FAILED,
    }
    ready = member_balances(minimum=10_000, ready=True)
    assert len([row for row in ready if row.payable and not row.in_payout]) >= 2
    assert not db.session.scalar(
        select(func.count(OutboxEmail.id)).where(OutboxEmail.subject.contains("ditransfer"))
    )
    for batch in batches.values():
        for line in batch.lines:
            member = line.member
            assert statement_for(member, month_of(datetime.now(UTC))).closing == balances_now(
                member.id
            )
    assert problems() == []


def test_demo_has_certificates_in_every_state_with_private_scans(app, runner):
    result = runner.invoke(args=["seed-demo", "--members", "12", "--products", "60"])
    assert result.exit_code == 0, result.output

    rows = db.session.scalars(select(Certificate)).all()
    assert {row.status for row in rows} == set(CertificateStatus)
    assert any(row.expires_on and row.expires_on < date.today() for row in rows), "an expired one"
    assert any(row.rejection_reason for row in rows if row.status == CertificateStatus.REJECTED)
    assert all(row.scan_key.startswith("certificates/") for row in rows)
    assert all(storage().path(row.scan_key).is_file() for row in rows)


def test_the_demo_bank_statement_matches_two_waiting_transfers(app, runner, tmp_path):
    assert runner.invoke(args=["seed-demo", "--members", "8", "--products", "20"]).exit_code == 0
    target = tmp_path / "mutasi.csv"
    result = runner.invoke(args=["demo-mutasi", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 kredit cocok" in result.output
    treasurer = db.session.scalars(
        select(User).where(
            User.email == next(login.email for login in LOGINS if login.role == Role.TREASURER)
        )
    ).one()
    imported = statement.import_statement(
        data=target.read_bytes(), filename="mutasi.csv", by=treasurer
    )
    lines = db.session.scalars(
        select(StatementLine).where(StatementLine.import_id == imported.statement.id)
    ).all()
    found = statement.matches(lines)
    assert sum(match.confirmable for match in found) == 2
    assert any("Paling dekat" in match.note for match in found)
    assert any(line.amount < 0 for line in lines)


def test_demo_has_a_running_and_an_ended_mentoring_cohort(app, runner):
    result = runner.invoke(args=["seed-demo", "--products", "60"])
    assert result.exit_code == 0, result.output
    today = clock.today()
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.starts_on)).all()
    assert [(c.campus, c.runs_on(today), c.ends_on < today) for c in cohorts] == [
        ("UMP", False, True),
        ("Unsoed", True, False),
    ]
    mentor = db.session.scalars(select(User).where(User.email == MENTOR_LOGIN.email)).one()
    paired = db.session.scalars(live_pairings(mentor.id, today)).all()
    assert MEMBER_LOGIN.email in {pairing.member.user.email for pairing in paired}
    assert (
        db.session.scalar(
            select(func.count(ProductChange.id)).where(ProductChange.kind.in_(MENTOR_KINDS))
        )
        == 2
    )
    ended = impact.impact([cohorts[0]], today)
    assert len(ended) == 4
    assert sum(row.before.orders + row.during.orders for row in ended) > 0
