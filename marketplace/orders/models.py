"""Cart, Order, OrderPart (one member's part of an order), OrderLine and
CommissionFact (the reports' view of a posting); the money received for an
order is `payments.models.PaymentReceipt`. The order's history
(`OrderEvent`) lives in `events`. Past 400 lines: the order's tables and their one status mover each, read together; making it a package
(cart, order, facts) is worth it when the next table comes.

Money is whole rupiah in BigInteger columns. Each status is a StrEnum with
its allowed transitions in a dict (`status`); `set_status()` is the only
status mover: it checks the dict, raises the message people see, and
records an `OrderEvent` of who did it and when.
The `*_at` and `cancel_reason` columns stay beside the events: the listing
queries filter and sort on them (a member's list on `paid_at`, the payable
release on `completed_at` with its index, the treasurer's refunds on
`refund_paid_at` and `cancelled_at`). They are copies of the event's time,
written only by `set_status()` and the steps that move no status
(`mark_refund_paid`, `mark_refund_returned`, `mark_payable_released`); the
timeline reads events.
`Order` and `OrderPart` carry a version counter: a state change written
from a stale row (a cancel racing a payment or the expiry job) fails with
StaleDataError instead of overwriting, so exactly one of them wins."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.catalog.models import ProductVariant
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.members.models import Kecamatan, Member
from marketplace.orders.events import OrderEvent
from marketplace.orders.status import (
    DELIVERY_METHOD_LABELS,
    ORDER_EVENT_KINDS,
    ORDER_STATUS_LABELS,
    ORDER_TRANSITIONS,
    PART_EVENT_KINDS,
    PART_STATUS_LABELS,
    PART_TRANSITIONS,
    PAYMENT_METHOD_LABELS,
    PAYMENT_METHOD_WORDS,
    PAYMENT_RECEIVED_WORDS,
    DeliveryMethod,
    OrderEventKind,
    OrderPartStatus,
    OrderStatus,
    PaymentMethod,
    refuse_order_transition,
    refuse_part_transition,
)


class Cart(Model):
    """A logged-in shopper's cart (a guest's cart lives in the session)."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    user: Mapped[User] = relationship()
    lines: Mapped[list["CartLine"]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )


class CartLine(Model):
    """`price_seen` is the variant's price when the shopper added it, so the
    cart can warn when the price has changed since. The services keep one
    line per variant; checkout still adds up the quantities of every line of
    a variant, so two lines of one variant can never buy more than its stock."""

    __tablename__ = "cart_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price_seen >= 0", name="price_seen_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    # A member deleting a variant drops it from carts: there is nothing left to buy.
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]
    price_seen: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant: Mapped[ProductVariant] = relationship()


class Order(Model):
    """One checkout of one shopper. `total` is what the shopper pays:
    subtotal + delivery + the unique code that makes a bank transfer's
    amount unique among the orders awaiting one."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("subtotal >= 0", name="subtotal_not_negative"),
        CheckConstraint("delivery_total >= 0", name="delivery_total_not_negative"),
        CheckConstraint("unique_code >= 0 AND unique_code <= 999", name="unique_code_range"),
        CheckConstraint("total = subtotal + delivery_total + unique_code", name="total_adds_up"),
        # The amount of an open bank transfer identifies its order.
        Index(
            "uq_orders_open_transfer_total",
            "total",
            unique=True,
            sqlite_where=text("status = 'pending_payment' AND payment_method = 'bank_transfer'"),
            postgresql_where=text(
                "status = 'pending_payment' AND payment_method = 'bank_transfer'"
            ),
        ),
        Index("ix_orders_buyer_id_placed_at", "buyer_id", "placed_at"),
        Index("ix_orders_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_whatsapp: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(255))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id", ondelete="RESTRICT"))
    desa: Mapped[str] = mapped_column(String(80))
    payment_method: Mapped[PaymentMethod] = mapped_column(String(20))
    status: Mapped[OrderStatus] = mapped_column(
        String(20),
        default=OrderStatus.PENDING_PAYMENT,
        server_default=OrderStatus.PENDING_PAYMENT.value,
    )
    subtotal: Mapped[int] = mapped_column(BigInteger)
    delivery_total: Mapped[int] = mapped_column(BigInteger)
    unique_code: Mapped[int]
    total: Mapped[int] = mapped_column(BigInteger)
    placed_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    expires_at: Mapped[Timestamp]
    paid_at: Mapped[Timestamp | None]
    completed_at: Mapped[Timestamp | None]
    cancelled_at: Mapped[Timestamp | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The commission's allocation shares at checkout (COMMISSION_SHARES), so a
    # later change of the shares never changes how this order is split. No
    # default here: checkout always copies them (config.py has the default).
    share_empowerment: Mapped[int]
    share_central: Mapped[int]
    share_kecamatan: Mapped[int]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    buyer: Mapped[User] = relationship()
    kecamatan: Mapped[Kecamatan] = relationship()
    parts: Mapped[list["OrderPart"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderPart.id"
    )
    # Written here, read by `queries.order_events` (never loaded whole).
    events: WriteOnlyMapped[OrderEvent] = relationship(
        primaryjoin="Order.id == OrderEvent.order_id", passive_deletes="all"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once, by the mapper

    def set_status(
        self, status: OrderStatus, *, by: User | None, at: datetime, note: str = ""
    ) -> None:
        """The one way the order's status changes: refused (InvalidTransition,
        nothing changed, nothing recorded) unless ORDER_TRANSITIONS allows it;
        else the status, its time column, and one event of `by` (None: the
        system) at `at`. `note` is a cancel's reason."""
        current = OrderStatus(self.status)
        if status not in ORDER_TRANSITIONS[current]:
            raise refuse_order_transition(current, status)
        self.status = status
        if status == OrderStatus.PAID:
            self.paid_at = at
        elif status == OrderStatus.COMPLETED:
            self.completed_at = at
        elif status == OrderStatus.CANCELLED:
            self.cancelled_at = at
            self.cancel_reason = note
        self.events.add(
            OrderEvent(
                kind=ORDER_EVENT_KINDS[status],
                actor=by,
                occurred_at=at,
                from_status=current,
                note=note,
            )
        )

    @property
    def status_label(self) -> str:
        return ORDER_STATUS_LABELS[OrderStatus(self.status)]

    @property
    def payment_word(self) -> str:
        """How the order is paid, in one word: Transfer, Tunai, Kartu."""
        return PAYMENT_METHOD_WORDS[PaymentMethod(self.payment_method)]

    @property
    def payment_label(self) -> str:
        """How the order is paid, in full: Transfer bank, Kartu / Stripe, ..."""
        return PAYMENT_METHOD_LABELS[PaymentMethod(self.payment_method)]

    @property
    def payment_received(self) -> str:
        """That its payment came, in the words of its method."""
        return PAYMENT_RECEIVED_WORDS[PaymentMethod(self.payment_method)]

    @property
    def is_cancellable(self) -> bool:
        """The shopper may cancel until payment, and for cash until a member
        has started preparing their part (parts a member cancelled don't count)."""
        return OrderStatus.CANCELLED in ORDER_TRANSITIONS[OrderStatus(self.status)] and all(
            part.status
            in (
                OrderPartStatus.AWAITING_PAYMENT,
                OrderPartStatus.NEW,
                OrderPartStatus.CANCELLED,
            )
            for part in self.parts
        )

    @property
    def shares(self) -> dict[str, int]:
        return {
            "empowerment": self.share_empowerment,
            "central": self.share_central,
            "kecamatan": self.share_kecamatan,
        }

    @property
    def is_awaiting_transfer(self) -> bool:
        return (
            self.status == OrderStatus.PENDING_PAYMENT
            and self.payment_method == PaymentMethod.BANK_TRANSFER
        )

    @property
    def refund_total(self) -> int:
        return sum(part.refund_amount for part in self.parts)

    @property
    def refund_owed(self) -> int:
        """Refunds the treasurer has not yet paid back to the shopper."""
        return sum(part.refund_amount for part in self.parts if part.refund_paid_at is None)


class OrderPart(Model):
    """One member's part of an order: their lines and delivery choice. Its
    table and the columns that point at it keep their first name
    (`seller_orders`, `seller_order_id`), as do the ledger keys of its
    postings (`seller-order:<id>:...`, stored data): renaming them would move
    nothing but risk."""

    __tablename__ = "seller_orders"
    __table_args__ = (
        UniqueConstraint("order_id", "member_id"),
        CheckConstraint("delivery_fee >= 0", name="delivery_fee_not_negative"),
        CheckConstraint("subtotal >= 0", name="subtotal_not_negative"),
        CheckConstraint(
            "commission_total >= 0 AND commission_total <= subtotal",
            name="commission_total_within_subtotal",
        ),
        CheckConstraint(
            "delivery_method = 'delivery' OR delivery_fee = 0", name="pickup_costs_nothing"
        ),
        CheckConstraint("refund_amount >= 0", name="refund_amount_not_negative"),
        CheckConstraint(
            "refund_unique_code >= 0 AND refund_unique_code <= 999",
            name="refund_unique_code_range",
        ),
        Index("ix_seller_orders_member_id_status", "member_id", "status"),
        Index("ix_seller_orders_status_completed_at", "status", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    status: Mapped[OrderPartStatus] = mapped_column(
        String(20),
        default=OrderPartStatus.AWAITING_PAYMENT,
        server_default=OrderPartStatus.AWAITING_PAYMENT.value,
    )
    delivery_method: Mapped[DeliveryMethod] = mapped_column(String(20))
    delivery_fee: Mapped[int] = mapped_column(BigInteger)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    commission_total: Mapped[int] = mapped_column(BigInteger)
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The member's kecamatan at checkout: its chapter gets this part's share
    # of the commission, and gives it back on a refund, whatever moves later.
    kecamatan_slug: Mapped[str] = mapped_column(String(60), server_default="")
    # Paid: with the order (bank transfer) or when the member took the cash.
    paid_at: Mapped[Timestamp | None]
    completed_at: Mapped[Timestamp | None]
    cancelled_at: Mapped[Timestamp | None]
    # What goes back to the shopper for this part, and when the treasurer sent it.
    refund_amount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The order's unique transfer code, when it goes back with this part (the
    # order's last part to be cancelled): part of `refund_amount`.
    refund_unique_code: Mapped[int] = mapped_column(default=0, server_default="0")
    refund_paid_at: Mapped[Timestamp | None]
    # When the member's share moved from pending to available payable.
    payable_released_at: Mapped[Timestamp | None]
    updated_at: Mapped[Timestamp] = mapped_column(server_default=func.now(), onupdate=func.now())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    order: Mapped[Order] = relationship(back_populates="parts")
    member: Mapped[Member] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="part", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: WriteOnlyMapped[OrderEvent] = relationship(
        primaryjoin="OrderPart.id == OrderEvent.part_id", passive_deletes="all"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once, by the mapper

    def set_status(
        self,
        status: OrderPartStatus,
        *,
        by: User | None,
        at: datetime,
        note: str = "",
        amount: int | None = None,
    ) -> None:
        """The one way a part's status changes: refused (InvalidTransition,
        nothing changed, nothing recorded) unless PART_TRANSITIONS
        allows it; else the status, its time column, and one event of `by`
        (None: the system) at `at`. `note` is a cancel's reason (the part's
        own: the member's), `amount` the cash taken or the refund owed."""
        current = OrderPartStatus(self.status)
        if status not in PART_TRANSITIONS[current]:
            raise refuse_part_transition(current, status)
        self.status = status
        if status == OrderPartStatus.NEW:  # awaiting_payment -> new: the transfer came
            self.paid_at = at
        elif status == OrderPartStatus.COMPLETED:
            self.completed_at = at
        elif status == OrderPartStatus.CANCELLED:
            self.cancelled_at = at
            self.cancel_reason = note
        self._record(
            PART_EVENT_KINDS[status], by=by, at=at, from_status=current, note=note, amount=amount
        )

    def mark_refund_paid(self, *, by: User | None, at: datetime, note: str = "") -> None:
        """The shopper has this part's refund back: the treasurer sent it
        (`by`), or the card provider confirmed it (`by` None)."""
        self.refund_paid_at = at
        self._record(OrderEventKind.REFUND_PAID, by=by, at=at, note=note, amount=self.refund_amount)

    def mark_refund_returned(self, *, at: datetime, note: str) -> None:
        """A refund the card provider had confirmed failed after all (the
        system): the money is owed to the shopper again."""
        self.refund_paid_at = None
        self._record(
            OrderEventKind.REFUND_RETURNED, by=None, at=at, note=note, amount=self.refund_amount
        )

    def mark_payable_released(self, *, at: datetime) -> None:
        """The member's share moved from pending to available (the system)."""
        self.payable_released_at = at
        self._record(OrderEventKind.PAYABLE_RELEASED, by=None, at=at, amount=self.member_share)

    def _record(
        self,
        kind: OrderEventKind,
        *,
        by: User | None,
        at: datetime,
        from_status: OrderPartStatus | None = None,
        note: str = "",
        amount: int | None = None,
    ) -> None:
        self.events.add(
            OrderEvent(
                order_id=self.order_id,
                kind=kind,
                actor=by,
                occurred_at=at,
                from_status=from_status,
                note=note,
                amount=amount,
            )
        )

    @property
    def status_label(self) -> str:
        return PART_STATUS_LABELS[OrderPartStatus(self.status)]

    @property
    def delivery_label(self) -> str:
        return DELIVERY_METHOD_LABELS[DeliveryMethod(self.delivery_method)]

    @property
    def total(self) -> int:
        return self.subtotal + self.delivery_fee

    @property
    def member_share(self) -> int:
        """What the member earns from this part: their lines less commission,
        plus the delivery fee."""
        return self.subtotal - self.commission_total + self.delivery_fee

    @property
    def is_cash_due(self) -> bool:
        """A cash part whose money the member still takes on handover."""
        return (
            self.order.payment_method == PaymentMethod.CASH
            and self.paid_at is None
            and self.status != OrderPartStatus.CANCELLED
        )

    @property
    def is_open(self) -> bool:
        return self.status not in (OrderPartStatus.COMPLETED, OrderPartStatus.CANCELLED)

    def can_become(self, status: OrderPartStatus) -> bool:
        return status in PART_TRANSITIONS[OrderPartStatus(self.status)]


class OrderLine(Model):
    """What was bought, as it was: names, price and commission are copied, so
    later edits of the product or the rates never change a past order."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("line_total = unit_price * quantity", name="line_total_adds_up"),
        CheckConstraint("commission_rate_bps >= 0", name="commission_rate_not_negative"),
        CheckConstraint(
            "commission >= 0 AND commission <= line_total", name="commission_within_line_total"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(
        "seller_order_id", ForeignKey("seller_orders.id", ondelete="CASCADE"), index=True
    )
    # Members may delete a variant; the line keeps its snapshot.
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_variants.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(160))
    variant_name: Mapped[str] = mapped_column(String(80))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
    line_total: Mapped[int] = mapped_column(BigInteger)
    commission_rate_bps: Mapped[int]
    commission: Mapped[int] = mapped_column(BigInteger)

    part: Mapped[OrderPart] = relationship(back_populates="lines")
    variant: Mapped[ProductVariant | None] = relationship()


class CommissionFact(Model):
    """One order line's share of one sale or refund posting, for the
    treasurer's reports by kecamatan, category and member: written by
    `settlement` in the same transaction as the posting, signed like income
    (a sale positive, a refund or reversal negative), dated in the posting's
    Banyumas month. Names are copied, so a closed month's report never changes.
    Append-only, like the ledger (the triggers of 0009_treasurer_books)."""

    __tablename__ = "commission_facts"
    __table_args__ = (
        UniqueConstraint("transaction_id", "order_line_id"),
        Index("ix_commission_facts_month_kecamatan", "month", "kecamatan_slug"),
        Index("ix_commission_facts_month_category", "month", "category_id"),
        Index("ix_commission_facts_month_member", "month", "member_id"),
        Index("ix_commission_facts_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT")
    )
    month: Mapped[date] = mapped_column(Date)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    part_id: Mapped[int] = mapped_column(
        "seller_order_id", ForeignKey("seller_orders.id", ondelete="RESTRICT")
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    kecamatan_slug: Mapped[str] = mapped_column(String(60))
    # No foreign key: a category may go, its past sales stay (with its name).
    category_id: Mapped[int | None] = mapped_column(BigInteger)
    shop_name: Mapped[str] = mapped_column(String(120))
    category_name: Mapped[str] = mapped_column(String(80))
    gross: Mapped[int] = mapped_column(BigInteger)
    commission: Mapped[int] = mapped_column(BigInteger)
