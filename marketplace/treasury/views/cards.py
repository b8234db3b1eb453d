"""The treasurer's "Pembayaran kartu" (/bendahara/kartu): every card order
with its Stripe ids, session, fee and webhook events, a "Perlu ditinjau"
filter (payments.queries says what needs a look), and Stripe's payouts to
the bank. Per order: "Periksa ke Stripe" (settle a stuck order from the
session as Stripe tells it now) and "Coba lagi biaya Stripe". A page costs
a fixed number of queries: the orders, then their events and fees at once."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from marketplace.core.clock import as_utc
from marketplace.core.forms import FORM_EXPIRED
from marketplace.extensions import db
from marketplace.ledger.balances import balances as ledger_balances
from marketplace.orders.models import Order
from marketplace.orders.status import OrderStatus
from marketplace.payments import queries, stripe_sync
from marketplace.payments.models import EventOutcome, StripeCheckout, StripeEvent
from marketplace.treasury.forms import CardActionForm
from marketplace.treasury.views.base import blueprint, now

CARDS_PER_PAGE = 20
PAYOUTS_SHOWN = 10
REVIEW_ARG = "tinjau"
SESSION_LABELS = {"open": "Terbuka", "complete": "Selesai", "expired": "Kedaluwarsa"}
OUTCOME_LABELS = {
    EventOutcome.APPLIED: "Diterapkan",
    EventOutcome.IGNORED: "Diabaikan",
    EventOutcome.MISMATCH: "Tidak cocok",
}
EVENT_LABELS = {
    "checkout.session.completed": "Sesi selesai",
    "checkout.session.async_payment_succeeded": "Pembayaran tertunda berhasil",
    "checkout.session.async_payment_failed": "Pembayaran tertunda gagal",
    "checkout.session.expired": "Sesi kedaluwarsa",
    stripe_sync.SYNC: "Diperiksa ke Stripe",
    "payout.paid": "Pencairan cair",
    "payout.failed": "Pencairan gagal",
}
PAYOUT_LABELS = {"paid": "Cair ke bank", "failed": "Gagal, dibalik"}


@dataclass(frozen=True)
class CardRow:
    """A card order as its card on the page shows it."""

    checkout: StripeCheckout
    order: Order
    events: list[StripeEvent]
    fee: int | None  # Stripe's fee as posted
    reasons: list[str]  # why it needs a look ("Perlu ditinjau")

    @property
    def can_retry_fee(self) -> bool:
        return self.order.paid_at is not None and self.fee is None

    @property
    def can_sync(self) -> bool:
        return self.order.status == OrderStatus.PENDING_PAYMENT or bool(self.reasons)


def _reasons(checkout: StripeCheckout, events: list[StripeEvent], fee: int | None) -> list[str]:
    """The page's own words for payments.queries' review conditions."""
    order = checkout.order
    reasons = []
    last_mismatch = max((e.id for e in events if e.outcome == EventOutcome.MISMATCH), default=None)
    if last_mismatch is not None and not any(
        e.outcome == EventOutcome.APPLIED and e.id > last_mismatch for e in events
    ):
        reasons.append("Pembayaran di Stripe tidak cocok dengan pesanan.")
    if (
        checkout.status == "open"
        and as_utc(checkout.expires_at) < now()
        and order.status == OrderStatus.PENDING_PAYMENT
    ):
        reasons.append("Sesi sudah lewat batas waktu, tetapi kabar dari Stripe belum datang.")
    if order.paid_at is not None and fee is None:
        reasons.append("Biaya Stripe belum tercatat.")
    return reasons


@blueprint.get("/kartu")
def cards():
    review = request.args.get(REVIEW_ARG) == "1"
    page = db.paginate(
        queries.card_orders(review=review, now=now()), per_page=CARDS_PER_PAGE, error_out=False
    )
    checkouts: list[StripeCheckout] = list(page.items)
    order_ids = [checkout.order_id for checkout in checkouts]
    events = queries.events_of(order_ids)
    fees = queries.fees_of(order_ids)
    rows = [
        CardRow(
            checkout=checkout,
            order=checkout.order,
            events=events[checkout.order_id],
            fee=fees.get(checkout.order_id),
            reasons=_reasons(checkout, events[checkout.order_id], fees.get(checkout.order_id)),
        )
        for checkout in checkouts
    ]
    here = {REVIEW_ARG: "1"} if review else {}
    return render_template(
        "treasury/cards.html",
        page=page,
        rows=rows,
        review=review,
        form=CardActionForm(),
        payouts=db.session.scalars(queries.payouts(PAYOUTS_SHOWN)).all(),
        unmatched=db.session.scalars(queries.unmatched_events(PAYOUTS_SHOWN)).all(),
        cash=ledger_balances("cash:"),
        here={**here, **({"page": page.page} if page.page > 1 else {})},
        page_args=lambda number: {**here, "page": number},
        session_labels=SESSION_LABELS,
        outcome_labels=OUTCOME_LABELS,
        event_labels=EVENT_LABELS,
        payout_labels=PAYOUT_LABELS,
    )


def _back() -> Response:
    place: dict[str, Any] = {
        name: request.args[name] for name in (REVIEW_ARG, "page") if request.args.get(name)
    }
    return redirect(url_for(".cards", **place))


def _act(code: str, action: Callable[[Order], stripe_sync.Report]) -> Response:
    order = db.first_or_404(queries.card_order(code))
    if not CardActionForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return _back()
    report = action(order)
    flash(report.message, report.level)
    return _back()


@blueprint.post("/kartu/<code>/periksa")
def sync_card(code: str):
    return _act(code, stripe_sync.sync_committed)


@blueprint.post("/kartu/<code>/biaya")
def retry_card_fee(code: str):
    return _act(code, stripe_sync.retry_fee_committed)
