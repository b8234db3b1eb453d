"""The payment records: `PaymentReceipt`, money received for an order as a
person (or, for a card, Stripe's signed webhook) confirmed it;
`StripeCheckout`, the Checkout Session an order is paid through; and
`StripeEvent`, each webhook event once; `StripeRefund`, each refund of a
card part asked of Stripe (`stripe_refunds`); `StripePayout`, Stripe's
balance paid out to the association's bank. Written only by the providers
(`bank_transfer`, `cash`, `stripe_checkout`); orders never read or write
them, and learn only that an order or a part is paid."""

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import PaymentMethod


class PaymentReceipt(Model):
    """Money received for an order, as confirmed by a person: the treasurer
    for a bank transfer (the whole order, `part_id` empty), the
    member for cash (their part). `key` makes each receipt happen once:
    `order:<id>` or `part:<id>`."""

    __tablename__ = "payment_receipts"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    part_id: Mapped[int | None] = mapped_column(
        "seller_order_id", ForeignKey("seller_orders.id", ondelete="RESTRICT"), index=True
    )
    method: Mapped[PaymentMethod] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    # Empty for a card: Stripe's signed webhook confirmed it, not a person.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    received_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    order: Mapped[Order] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class CheckoutStatus(StrEnum):
    """A Checkout Session's state, as Stripe names it."""

    OPEN = "open"
    COMPLETE = "complete"
    EXPIRED = "expired"


class StripeCheckout(Model):
    """The Checkout Session a card order is paid through: one per order.
    `amount` is in Stripe's units (rupiah x 100), as the session says it;
    the webhook pays the order only for this `session_id`."""

    __tablename__ = "stripe_checkouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('open', 'complete', 'expired')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), unique=True)
    session_id: Mapped[str] = mapped_column(String(255), unique=True)
    url: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    expires_at: Mapped[Timestamp]
    livemode: Mapped[bool]
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[CheckoutStatus] = mapped_column(String(10), default=CheckoutStatus.OPEN)
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    order: Mapped[Order] = relationship()


class EventOutcome(StrEnum):
    """What a webhook event did: `applied` (the order moved), `ignored`
    (nothing to do: a type we do not act on, an order already there),
    `mismatch` (amount, currency, session or mode differ from the order's:
    not paid, for the treasurer to review)."""

    APPLIED = "applied"
    IGNORED = "ignored"
    MISMATCH = "mismatch"


class StripeEvent(Model):
    """A webhook event, stored once (unique `event_id`) in the same
    transaction as its effect: a second delivery finds it and changes nothing."""

    __tablename__ = "stripe_events"
    __table_args__ = (
        CheckConstraint("outcome IN ('applied', 'ignored', 'mismatch')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    outcome: Mapped[EventOutcome] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    received_at: Mapped[Timestamp] = mapped_column(server_default=func.now())


class PayoutStatus(StrEnum):
    """What became of a Stripe payout, as far as the books go: `paid` (moved
    from cash:stripe to cash:bank), `failed` (the bank sent it back: moved
    back, or never moved)."""

    PAID = "paid"
    FAILED = "failed"


class StripePayout(Model):
    """Stripe paying its balance out to the association's bank account: one
    row per payout id, written with the ledger posting its event made
    (`stripe_payouts`). `amount` is whole rupiah; `arrival_at` is when Stripe
    said the bank would have it."""

    __tablename__ = "stripe_payouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('paid', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    arrival_at: Mapped[Timestamp | None]
    status: Mapped[PayoutStatus] = mapped_column(String(10))
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    updated_at: Mapped[Timestamp] = mapped_column(server_default=func.now())


class RefundStatus(StrEnum):
    """A refund's state, as Stripe names it. `succeeded` may still become
    `failed` (the card could not take the money back); `failed` and
    `canceled` are final."""

    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class StripeRefund(Model):
    """One attempt at giving a cancelled card part's money back through
    Stripe. The row is committed before Stripe is asked, under
    `idempotency_key` (`refund:part-<id>:attempt-<n>`): a retry of the same
    attempt sends the same key, so Stripe makes one refund however often it
    is asked; `refund_id` stays empty until Stripe answered (or its event,
    naming the part and attempt in its metadata, arrived first). A new
    attempt only after the previous one failed or was canceled. `amount` is
    whole rupiah; `settled_at` is when Stripe confirmed it (the ledger
    posting of the refund paid)."""

    __tablename__ = "stripe_refunds"
    __table_args__ = (
        UniqueConstraint("seller_order_id", "attempt"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("attempt > 0", name="attempt_positive"),
        CheckConstraint(
            "status IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(
        "seller_order_id", ForeignKey("seller_orders.id", ondelete="RESTRICT"), index=True
    )
    attempt: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[RefundStatus] = mapped_column(String(20), default=RefundStatus.PENDING)
    # Who asked: the member who cancelled the part, or the treasurer retrying.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    settled_at: Mapped[Timestamp | None]

    part: Mapped[OrderPart] = relationship()
    requested_by: Mapped[User | None] = relationship()
