"""Random lives of orders, checked against a simple model after every step.

Hypothesis drives sequences of: place an order (a random cart over three
members with little stock, by transfer or cash), confirm a transfer (the
right amount, or not), the shopper (or a stranger) cancelling, the clock
moving on and the expiry job running, members preparing, dispatching,
completing (taking the cash) or cancelling their part (restocking or not),
the treasurer paying refunds back and the payout hold running out. The model
is a few lists and sums; after every step the database must agree with it:
stock, statuses, refunds, receipts, emails, and every ledger balance. A
refused action must change nothing at all.

Each example starts from the migrated database: the machine empties it in
`teardown` (the `app` fixture only cleans up after the whole test)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from math import floor
from typing import ClassVar

import pytest
from flask import current_app
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from marketplace.accounts.models import OutboxEmail, User
from marketplace.catalog.models import Product, ProductVariant
from marketplace.core.money import split
from marketplace.extensions import db
from marketplace.ledger.balances import balance, balances
from marketplace.members.models import Member
from marketplace.orders import cart as carts
from marketplace.orders import fulfilment, payables
from marketplace.orders.checkout import (
    CheckoutRules,
    lock_cart,
    new_idempotency_key,
    place_order,
)
from marketplace.orders.cli import expire_unpaid
from marketplace.orders.models import CartLine, Order, OrderPart
from marketplace.orders.settlement import available_account, pending_account
from marketplace.orders.status import OrderError
from marketplace.payments import bank_transfer
from marketplace.payments import cash as cash_payment
from marketplace.payments.models import PaymentReceipt
from tests import factories
from tests.conftest import empty_database
from tests.orders.flows import MONDAY, books_balance, count, member, state, treasurer
from tests.orders.helpers import contact, deliver_to, shopper, variant

pytestmark = pytest.mark.usefixtures("app_context")

DEFAULT_BPS = 500
HOLD_DAYS = 1  # the payout hold of parts completed with a hold (others: none)

# Three members: their kecamatan, whether they take cash, their own commission
# rate, their delivery fee to the shopper's kecamatan (None: pickup only).
SHOPS = [
    {"kecamatan": "sokaraja", "cash": True, "bps": 700, "delivery_fee": None},
    {"kecamatan": "wangon", "cash": True, "bps": None, "delivery_fee": 8_000},
    {"kecamatan": "kembaran", "cash": False, "bps": None, "delivery_fee": 5_000},
]
# What is on sale, one variant a product: (member, price, stock, in "kerajinan"?).
GOODS = [(0, 12_345, 4, False), (1, 22_500, 3, False), (1, 7_000, 5, True), (2, 9_999, 4, False)]
CRAFT_BPS = 300  # the rate of "kerajinan", the category of the goods marked True

PICK = st.integers(0, 99)
AIM = st.sampled_from([True, True, True, False])  # mostly at something that can act
RARELY = st.sampled_from([False, False, False, True])


def half_up(amount: int, bps: int) -> int:
    return floor(Fraction(amount * bps, 10_000) + Fraction(1, 2))


@dataclass
class PartModel:
    id: int
    shop: int
    member_id: int
    quantities: dict[int, int]  # {variant id: quantity}
    subtotal: int
    commission: int
    fee: int
    delivery: bool
    status: str
    paid: bool = False
    refund: int = 0
    refund_paid: bool = False
    released: bool = False
    restocked: bool = False
    hold: int = 0
    completed_at: datetime | None = None

    @property
    def total(self) -> int:
        return self.subtotal + self.fee

    @property
    def share(self) -> int:
        return self.subtotal - self.commission + self.fee

    @property
    def holds_stock(self) -> bool:
        return self.status != "cancelled" or not self.restocked


@dataclass
class OrderModel:
    id: int
    buyer: int
    cash: bool
    total: int
    unique_code: int
    expires_at: datetime
    status: str = "pending_payment"
    confirmed: bool = False  # a transfer the treasurer confirmed
    parts: list[PartModel] = field(default_factory=list)

    def settle(self) -> None:
        """The order's status from its parts (DESIGN.md, Orders)."""
        live = [part for part in self.parts if part.status != "cancelled"]
        if self.status == "pending_payment":
            if not live:
                self.status = "cancelled"
                return
            if not all(part.paid for part in live):
                return
            self.status = "paid"
        if not live:
            self.status = "refunded"
        elif all(part.status == "completed" for part in live):
            self.status = "completed"
        elif any(part.refund for part in self.parts):
            self.status = "partially_refunded"


class OrderLives(RuleBasedStateMachine):
    snapshot: ClassVar[dict] = {}  # what the migrations seeded, set by the test

    def __init__(self) -> None:
        super().__init__()
        factories.category("kerajinan").commission_bps = CRAFT_BPS
        members = []
        for shop in SHOPS:
            seller = member(
                kecamatan=shop["kecamatan"], accepts_cash=shop["cash"], commission_bps=shop["bps"]
            )
            if shop["delivery_fee"] is not None:
                deliver_to(seller, "sokaraja", fee=shop["delivery_fee"])
            members.append(seller)
        on_sale_ids = []
        self.initial: dict[int, int] = {}
        self.price: dict[int, int] = {}
        self.rate: dict[int, int] = {}
        self.shop_of: dict[int, int] = {}
        for shop, price, stock, craft in GOODS:
            on_sale = variant(price=price, stock=stock, member=members[shop])
            if craft:
                on_sale.product.category = factories.category("kerajinan")
            on_sale_ids.append(on_sale.id)
            bps = SHOPS[shop]["bps"]
            self.rate[on_sale.id] = bps if bps is not None else CRAFT_BPS if craft else DEFAULT_BPS
            self.initial[on_sale.id] = stock
            self.price[on_sale.id] = price
            self.shop_of[on_sale.id] = shop
        buyers = [shopper(), shopper()]
        bendahara = treasurer()
        db.session.commit()
        self.member_ids = [seller.id for seller in members]
        self.buyer_ids = [buyer.id for buyer in buyers]
        self.treasurer_id = bendahara.id
        self.variant_ids = on_sale_ids
        self.clock = MONDAY
        self.orders: list[OrderModel] = []
        self.emails = 0
        self.receipts = 0

    def teardown(self) -> None:
        empty_database(self.snapshot)

    # --- helpers -------------------------------------------------------------------

    @property
    def parts(self) -> list[tuple[OrderModel, PartModel]]:
        return [(order, part) for order in self.orders for part in order.parts]

    def held(self, variant_id: int) -> int:
        return sum(part.quantities.get(variant_id, 0) for _, part in self.parts if part.holds_stock)

    def attempt(self, expected: bool, action, *, checks_first: bool = True):
        """Run one action as a view would: commit when it passes, roll back
        when refused. The model's `expected` verdict must match, and a
        refused action must leave the database exactly as it was. A
        fulfilment service checks before it writes (`checks_first`): even
        before the rollback nothing has changed. Checkout reserves stock
        variant by variant and leaves the rest to the caller's rollback."""
        before = state()
        try:
            result = action()
        except OrderError as refusal:
            assert not expected, f"refused, the model expected it to pass: {refusal.message}"
            assert refusal.message
            if checks_first:
                assert state() == before
            db.session.rollback()
            assert state() == before
            return None
        assert expected, "passed, the model expected a refusal"
        db.session.commit()
        return result if result is not None else True

    @staticmethod
    def choose(pick: int, aim: bool, everything: list, fitting: list):
        """Mostly one that fits the action (so orders get somewhere), now
        and then any one at all (so the refusals get tried too)."""
        chosen = fitting if aim and fitting else everything
        return chosen[pick % len(chosen)] if chosen else None

    def member(self, shop: int) -> Member:
        return db.session.get(Member, self.member_ids[shop])

    def user(self, user_id: int) -> User:
        return db.session.get(User, user_id)

    def cancel_whole(self, order: OrderModel) -> int:
        """Cancel the order's open parts (a part its member cancelled keeps
        its own restock choice); how many were open."""
        order.status = "cancelled"
        open_parts = [part for part in order.parts if part.status != "cancelled"]
        for part in open_parts:
            part.status = "cancelled"
            part.restocked = True
        return len(open_parts)

    # --- the shopper ---------------------------------------------------------------

    CARTS: ClassVar[dict] = {
        "buyer": st.integers(0, 1),
        "picks": st.lists(
            st.tuples(st.integers(0, len(GOODS) - 1), st.integers(1, 2)), min_size=1, max_size=3
        ),
        "cash": st.booleans(),
        "delivery": st.lists(st.booleans(), min_size=len(SHOPS), max_size=len(SHOPS)),
    }

    # Every example starts with a paid transfer and a cash order, so the
    # members have work from the first step (hypothesis turns some rules off
    # in each example: without these, many examples never get past checkout).
    @initialize(picks=CARTS["picks"], delivery=CARTS["delivery"])
    def a_paid_transfer(self, picks, delivery):
        self.place(0, picks, False, delivery)
        if self.orders:
            self.confirm(0, True, 0)

    @initialize(
        picks=st.lists(
            st.tuples(st.integers(0, 2), st.integers(1, 2)), min_size=1, max_size=3
        ),  # goods of the members who take cash
        delivery=CARTS["delivery"],
    )
    def a_cash_order(self, picks, delivery):
        self.place(1, picks, True, delivery)

    @rule(**CARTS)
    def place(self, buyer, picks, cash, delivery):
        """Check out a cart (refused when a variant has too little stock left,
        or cash is asked of a member who takes none)."""
        quantities: dict[int, int] = {}
        for index, quantity in picks:
            variant_id = self.variant_ids[index]
            quantities[variant_id] = quantities.get(variant_id, 0) + quantity
        shops = sorted({self.shop_of[variant_id] for variant_id in quantities})
        expected = all(
            self.initial[variant_id] - self.held(variant_id) >= quantity
            for variant_id, quantity in quantities.items()
        ) and (not cash or all(SHOPS[shop]["cash"] for shop in shops))
        wants = {shop: delivery[shop] and SHOPS[shop]["delivery_fee"] is not None for shop in shops}

        def place_it():
            user = self.user(self.buyer_ids[buyer])
            cart = carts.open_cart(user=user)
            for variant_id, quantity in quantities.items():  # past the cart's own stock check
                cart.lines.append(
                    CartLine(
                        variant_id=variant_id, quantity=quantity, price_seen=self.price[variant_id]
                    )
                )
            db.session.flush()
            address = contact()
            return place_order(
                buyer=user,
                cart=lock_cart(buyer=user, kecamatan=address.kecamatan),
                contact=address,
                choices={
                    self.member_ids[shop]: "delivery" if wants[shop] else "pickup" for shop in shops
                },
                payment_method="cash" if cash else "bank_transfer",
                idempotency_key=new_idempotency_key(),
                rules=CheckoutRules.from_config(current_app.config),
                now=self.clock,
            )

        placed = self.attempt(expected, place_it, checks_first=False)
        if placed is None:
            return
        order = db.session.get(Order, placed.id)
        model = OrderModel(
            id=order.id,
            buyer=buyer,
            cash=cash,
            total=order.total,
            unique_code=order.unique_code,
            expires_at=self.clock + timedelta(hours=current_app.config["ORDER_PAYMENT_HOURS"]),
        )
        for shop in shops:
            bought = {v: q for v, q in quantities.items() if self.shop_of[v] == shop}
            part = next(p for p in order.parts if p.member_id == self.member_ids[shop])
            model.parts.append(
                PartModel(
                    id=part.id,
                    shop=shop,
                    member_id=self.member_ids[shop],
                    quantities=bought,
                    subtotal=sum(self.price[v] * q for v, q in bought.items()),
                    commission=sum(
                        half_up(self.price[v] * q, self.rate[v]) for v, q in bought.items()
                    ),
                    fee=SHOPS[shop]["delivery_fee"] if wants[shop] else 0,
                    delivery=wants[shop],
                    status="new" if cash else "awaiting_payment",
                )
            )
        model.parts.sort(key=lambda part: part.id)
        for part, row in zip(model.parts, order.parts, strict=True):
            assert (row.subtotal, row.commission_total, row.delivery_fee) == (
                part.subtotal,
                part.commission,
                part.fee,
            )
        if cash:
            assert order.unique_code == 0
        else:
            assert 1 <= order.unique_code <= 999
        assert order.total == sum(part.total for part in model.parts) + order.unique_code
        self.orders.append(model)
        self.emails += 1 + (len(model.parts) if cash else 0)

    @rule(pick=PICK, aim=RARELY, stranger=RARELY)
    def shopper_cancels(self, pick, aim, stranger):
        """The shopper (or another shopper) cancels an order: only an unpaid
        one, and a cash one only before any member started on it."""
        pending = [order for order in self.orders if order.status == "pending_payment"]
        order = self.choose(pick, aim, self.orders, pending)
        if order is None:
            return
        expected = (
            not stranger
            and order.status == "pending_payment"
            and all(part.status in ("awaiting_payment", "new", "cancelled") for part in order.parts)
        )
        by = self.buyer_ids[1 - order.buyer if stranger else order.buyer]
        self.attempt(
            expected,
            lambda: fulfilment.cancel_order(
                order=db.session.get(Order, order.id), by=self.user(by), now=self.clock
            ),
        )
        if expected:
            cancelled = self.cancel_whole(order)
            self.emails += 1 + (cancelled if order.cash else 0)

    # --- the treasurer ------------------------------------------------------------------

    @rule(
        pick=PICK,
        aim=AIM,
        task=st.sampled_from(["confirm", "confirm", "refund"]),
        off=st.sampled_from([0, 0, 0, 0, 0, 1, -1, 1_000, "float"]),
    )
    def treasurer_works(self, pick, aim, task, off):
        """Confirm a transfer (of the right amount, or not), or send a
        refund back to the shopper."""
        if task == "confirm":
            self.confirm(pick, aim, off)
        else:
            self.pay_refund_back(pick, aim)

    def confirm(self, pick: int, aim: bool, off) -> None:
        awaiting = [o for o in self.orders if not o.cash and o.status == "pending_payment"]
        order = self.choose(pick, aim, self.orders, awaiting)
        if order is None:
            return
        amount = float(order.total) if off == "float" else order.total + off
        expected = not order.cash and order.status == "pending_payment" and off == 0
        self.attempt(
            expected,
            lambda: bank_transfer.confirm(
                order=db.session.get(Order, order.id),
                amount=amount,
                by=self.user(self.treasurer_id),
                now=self.clock,
            ),
        )
        if expected:
            order.status = "paid"
            order.confirmed = True
            for part in order.parts:
                part.status = "new"
                part.paid = True
            self.receipts += 1
            self.emails += 1 + len(order.parts)

    def pay_refund_back(self, pick: int, aim: bool) -> None:
        owed = [(o, p) for o, p in self.parts if p.refund and not p.refund_paid]
        chosen = self.choose(pick, aim, self.parts, owed)
        if chosen is None:
            return
        _, part = chosen
        expected = part.refund > 0 and not part.refund_paid
        self.attempt(
            expected,
            lambda: fulfilment.mark_refund_paid(
                part=db.session.get(OrderPart, part.id),
                by=self.user(self.treasurer_id),
                now=self.clock,
            ),
        )
        if expected:
            part.refund_paid = True
            self.emails += 1

    # --- the clock and cron -------------------------------------------------------------

    def is_due(self, order: OrderModel) -> bool:
        return (
            not order.cash and order.status == "pending_payment" and order.expires_at <= self.clock
        )

    @rule(
        hours=st.integers(1, 30),
        cron=st.sampled_from(["nothing", "jobs", "jobs", "one order"]),
        pick=PICK,
        aim=AIM,
    )
    def time_passes(self, hours, cron, pick, aim):
        """The clock moves on; then perhaps cron runs `flask orders
        expire-unpaid` and `flask orders release-payables`, or one order is
        expired on its own (due or not)."""
        self.clock += timedelta(hours=hours)
        if cron == "one order":
            self.expire_one(pick, aim)
        elif cron == "jobs":
            self.run_jobs()

    def expire_one(self, pick: int, aim: bool) -> None:
        order = self.choose(pick, aim, self.orders, [o for o in self.orders if self.is_due(o)])
        if order is None:
            return
        expected = self.is_due(order)
        before = state()
        expired = fulfilment.expire_order(order=db.session.get(Order, order.id), now=self.clock)
        db.session.commit()
        assert expired is expected
        if expired:
            self.cancel_whole(order)
            self.emails += 1
        else:
            assert state() == before

    def run_jobs(self) -> None:
        due = [order for order in self.orders if self.is_due(order)]
        assert expire_unpaid(now=self.clock) == len(due)
        for order in due:
            self.cancel_whole(order)
            self.emails += 1
        held = [
            part
            for order, part in self.parts
            if not order.cash
            and part.status == "completed"
            and not part.released
            and part.completed_at <= self.clock - timedelta(days=HOLD_DAYS)
        ]
        assert payables.release_due(hold_days=HOLD_DAYS, now=self.clock) == len(held)
        db.session.commit()
        for part in held:
            part.released = True

    # --- the members ------------------------------------------------------------------

    NEXT: ClassVar[dict[str, str]] = {
        "new": "start",
        "processing": "dispatch",
        "shipped": "complete",
        "ready_for_pickup": "complete",
    }

    # One argument: hypothesis draws rules with fewer arguments more often,
    # and this is the rule that takes orders furthest.
    @rule(
        step=st.fixed_dictionaries(
            {
                "pick": PICK,
                "aim": AIM,
                "move": st.sampled_from(
                    ["next"] * 5 + ["start", "dispatch", "complete"] + ["cancel"] * 3
                ),
                "stranger": RARELY,
                "wrong_cash": RARELY,
                "hold": st.sampled_from([0, 0, HOLD_DAYS]),
                "restock": st.booleans(),
                "reason": st.sampled_from(["Stok habis", "Stok habis", "Tutup", "  "]),
            }
        )
    )
    def member_works(self, step):
        """A member's next step on a part (prepare, dispatch, complete taking
        the cash), or cancelling it; now and then a step out of turn, on
        another member's part, with the wrong cash or no reason."""
        move, stranger, wrong_cash = step["move"], step["stranger"], step["wrong_cash"]
        hold, restock, reason = step["hold"], step["restock"], step["reason"]
        pick, aim = step["pick"], step["aim"]
        statuses = ("new", "processing") if move == "cancel" else tuple(self.NEXT)
        fitting = [(o, p) for o, p in self.parts if p.status in statuses]
        chosen = self.choose(pick, aim, self.parts, fitting)
        if chosen is None:
            return
        order, part = chosen
        if move == "next":
            move = self.NEXT.get(part.status, "start")
        acting = self.member((part.shop + 1) % len(SHOPS) if stranger else part.shop)
        row = db.session.get(OrderPart, part.id)
        if move == "start":
            expected = not stranger and part.status == "new"
            if self.attempt(expected, lambda: fulfilment.start_processing(part=row, member=acting)):
                part.status = "processing"
        elif move == "dispatch":
            expected = not stranger and part.status == "processing"
            if self.attempt(expected, lambda: fulfilment.dispatch(part=row, member=acting)):
                part.status = "shipped" if part.delivery else "ready_for_pickup"
                self.emails += 1
        elif move == "complete":
            cash = part.total + (500 if wrong_cash else 0)
            expected = (
                not stranger
                and part.status in ("shipped", "ready_for_pickup")
                and (not order.cash or not wrong_cash)
            )
            if self.attempt(
                expected,
                lambda: (
                    cash_payment.confirm(
                        order=row.order, part=row, amount=cash, by=acting.user, now=self.clock
                    )
                    if order.cash
                    else fulfilment.complete(
                        part=row, member=acting, hold_days=hold, now=self.clock
                    )
                ),
            ):
                self.completed(order, part, hold)
        else:
            expected = (
                not stranger and reason.strip() != "" and part.status in ("new", "processing")
            )
            if self.attempt(
                expected,
                lambda: fulfilment.cancel_part(
                    part=row, member=acting, reason=reason, restock=restock, now=self.clock
                ),
            ):
                self.cancelled(order, part, restock)

    def completed(self, order: OrderModel, part: PartModel, hold: int) -> None:
        part.status = "completed"
        part.completed_at = self.clock
        part.hold = hold
        if order.cash:
            part.paid = True
            self.receipts += 1
        elif hold == 0:
            part.released = True
        order.settle()

    def cancelled(self, order: OrderModel, part: PartModel, restock: bool) -> None:
        """Refunded when paid; the unique code goes back with the last live part."""
        others_live = any(other.status != "cancelled" for other in order.parts if other is not part)
        part.status = "cancelled"
        part.restocked = restock
        if part.paid:
            part.refund = part.total + (0 if others_live else order.unique_code)
        self.emails += 2
        order.settle()

    # --- what must hold after every step -----------------------------------------------

    @invariant()
    def stock_is_what_live_lines_hold(self):
        stock = dict(
            db.session.execute(
                select(ProductVariant.id, ProductVariant.stock).where(
                    ProductVariant.id.in_(self.variant_ids)
                )
            ).all()
        )
        assert stock == {v: self.initial[v] - self.held(v) for v in self.variant_ids}
        assert all(left >= 0 for left in stock.values())
        totals = dict(
            db.session.execute(select(ProductVariant.id, Product.total_stock).join(Product)).all()
        )
        assert totals == stock  # one variant a product: the summary follows it

    @invariant()
    def statuses_are_the_models(self):
        orders = dict(db.session.execute(select(Order.id, Order.status)).all())
        assert orders == {order.id: order.status for order in self.orders}
        parts = {
            row.id: (row.status, row.refund_amount, row.refund_paid_at is not None)
            for row in db.session.execute(
                select(
                    OrderPart.id,
                    OrderPart.status,
                    OrderPart.refund_amount,
                    OrderPart.refund_paid_at,
                )
            )
        }
        assert parts == {
            part.id: (part.status, part.refund, part.refund_paid) for _, part in self.parts
        }

    @invariant()
    def ledger_agrees_with_the_model(self):
        assert books_balance()
        refunds = [part for _, part in self.parts if part.refund]
        assert balance("cash:bank") == sum(
            order.total for order in self.orders if order.confirmed
        ) - sum(part.refund for part in refunds if part.refund_paid)
        assert balance("payable:shopper-refunds") == sum(
            part.refund for part in refunds if not part.refund_paid
        )
        for shop, member_id in enumerate(self.member_ids):
            mine = [(order, part) for order, part in self.parts if part.shop == shop]
            pending = sum(
                part.share
                for order, part in mine
                if order.confirmed and part.status != "cancelled" and not part.released
            )
            available = sum(part.share for _, part in mine if part.released) - sum(
                part.commission for order, part in mine if order.cash and part.status == "completed"
            )
            assert balance(pending_account(member_id)) == pending
            assert balance(available_account(member_id)) == available
        earning = [part for _, part in self.parts if part.paid and part.status != "cancelled"]
        codes = sum(
            order.unique_code
            for order in self.orders
            if order.confirmed and any(part.status != "cancelled" for part in order.parts)
        )
        assert sum(balances("income").values()) == sum(p.commission for p in earning) + codes
        assert balance("income:transfer-code") == codes
        shares = current_app.config["COMMISSION_SHARES"]
        for shop, spec in enumerate(SHOPS):
            chapter = f"income:commission:kecamatan:{spec['kecamatan']}"
            assert balance(chapter) == sum(
                split(part.commission, shares)["kecamatan"] for part in earning if part.shop == shop
            )

    @invariant()
    def receipts_and_emails_are_counted(self):
        assert count(PaymentReceipt) == self.receipts
        assert count(OutboxEmail) == self.emails


SETTINGS = settings(
    max_examples=50,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_orders_stock_and_ledger_follow_the_model(app, migrated):
    class Machine(OrderLives):
        snapshot = migrated

    run_state_machine_as_test(Machine, settings=SETTINGS)
