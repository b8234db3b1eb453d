"""Asking Stripe about a card order that seems stuck (issue 13, point 5):
the treasurer's "Periksa ke Stripe" and `flask payments sync-stripe CODE`.

`sync` re-fetches the order's Checkout Session from Stripe, then lets the
webhook's own decision (`stripe_webhook.settle`, the same checks of amount,
currency, session and livemode) pay, cancel or leave the order, as if
Stripe had sent the event that matches the session's state now. What it did
is recorded like an event (`StripeEvent` of type `sync`, id
`sync:<session_id>:<n>`, n counted under the order's lock), so the page
shows it beside the webhook's, and a sync or a late webhook after it
changes nothing more. Stripe is asked before the lock is taken: no lock is
held across the network.

`sync_committed` and `retry_fee_committed` are what the button and the
command run: they commit, then post Stripe's fee the way the webhook does
(after the payment is committed, best effort), and say in Indonesian what
happened."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import Order
from marketplace.orders.status import OrderError, OrderStatus
from marketplace.payments import queries, stripe_api, stripe_webhook
from marketplace.payments.errors import PaymentError
from marketplace.payments.models import EventOutcome, StripeCheckout, StripeEvent

SYNC = "sync"
UNCHANGED = "Tidak ada yang diubah."


@dataclass(frozen=True)
class Report:
    """What a sync or a fee retry did, for people. `level` is a flash
    category: success (something moved), info (nothing to do), warning
    (recorded for review: Stripe's payment does not match the order; or the
    fee is still missing), danger (refused or failed: nothing changed)."""

    level: str
    message: str

    @property
    def ok(self) -> bool:
        return self.level != "danger"


def checkout_of(order: Order) -> StripeCheckout:
    stored = db.session.scalar(select(StripeCheckout).where(StripeCheckout.order_id == order.id))
    if stored is None:
        raise PaymentError(f"Pesanan {order.code} tidak dibayar dengan kartu (Stripe).")
    return stored


def sync_id(session_id: str, number: int) -> str:
    return f"{SYNC}:{session_id}:{number}"


def sync(*, order: Order, now: datetime | None = None) -> StripeEvent:
    """Settle `order` from its session as Stripe tells it now. Flushes; the
    caller commits. Raises PaymentProviderError when Stripe cannot be asked
    (nothing is written then), PaymentError for an order not paid by card."""
    now = now or datetime.now(UTC)
    stored = checkout_of(order)
    session = stripe_api.retrieve_checkout_session(stored.session_id)
    fulfilment.lock_order(order)
    done = db.session.scalar(
        select(func.count(StripeEvent.id)).where(
            StripeEvent.order_id == order.id, StripeEvent.type == SYNC
        )
    )
    return stripe_webhook.settle(
        session,
        event_id=sync_id(session.id, (done or 0) + 1),
        kind=stripe_webhook.kind_of(session) or SYNC,
        record_as=SYNC,
        now=now,
    )


def posted_fee(order: Order) -> int | None:
    """Stripe's fee as posted for `order`, or None when it is not posted."""
    return queries.fees_of([order.id]).get(order.id)


def sync_committed(order: Order) -> Report:
    """The button and the command: sync, commit, and post the fee of a
    payment the sync found."""
    code = order.code
    try:
        event = sync(order=order)
        db.session.commit()
    except (PaymentError, OrderError) as refused:
        db.session.rollback()
        return Report("danger", f"{refused.message} {UNCHANGED}")
    except IntegrityError:
        # Another sync (or the webhook) of this order committed first.
        db.session.rollback()
        return Report(
            "danger", f"Pesanan {code} sedang diperiksa bersamaan. {UNCHANGED} Coba lagi."
        )
    order = db.session.get_one(Order, order.id)
    if event.outcome == EventOutcome.MISMATCH:
        return Report(
            "warning",
            f"Pembayaran di Stripe tidak cocok dengan pesanan {code}: {event.detail}. "
            "Pesanan tidak ditandai lunas; periksa di dasbor Stripe.",
        )
    if event.outcome == EventOutcome.IGNORED:
        return Report("info", f"Pesanan {code}: {event.detail} {UNCHANGED}")
    if order.status == OrderStatus.CANCELLED:
        return Report(
            "success",
            f"Pesanan {code} dibatalkan: sesi Stripe sudah berakhir tanpa pembayaran. "
            "Stoknya dikembalikan.",
        )
    fee = _fee_words(order)
    level = "success" if posted_fee(order) is not None else "warning"
    return Report(level, f"Pesanan {code} lunas menurut Stripe. {fee}")


def retry_fee_committed(order: Order) -> Report:
    """ "Coba lagi biaya Stripe": post the fee of a paid card order that has none."""
    code = order.code
    try:
        checkout_of(order)
    except PaymentError as refused:
        return Report("danger", refused.message)
    if order.paid_at is None:
        return Report("danger", f"Pesanan {code} belum lunas: belum ada biaya Stripe.")
    fee = posted_fee(order)
    if fee is not None:
        return Report("info", f"Biaya Stripe pesanan {code} sudah tercatat: {format_rupiah(fee)}.")
    words = _fee_words(order)
    if posted_fee(order) is None:
        return Report("danger", f"Pesanan {code}: {words}")
    return Report("success", f"Pesanan {code}: {words}")


def _fee_words(order: Order) -> str:
    """Post the fee (committed, best effort) and say how it went."""
    outcome = stripe_webhook.post_fee_committed(order.id)
    if outcome.error is not None:
        return (
            f"Biaya Stripe belum tercatat: {outcome.error} "
            "Gunakan tombol “Coba lagi biaya Stripe” nanti."
        )
    if outcome.fee is None:
        return "Tidak ada biaya Stripe yang perlu dicatat."
    return f"Biaya Stripe {format_rupiah(outcome.fee)} dicatat sebagai beban biaya pembayaran."
