"""The queue of bank transfers to confirm, and the refunds to pay back to
shoppers: by hand for a bank transfer, through Stripe for a card (the
member's cancel asked Stripe already; the treasurer retries when Stripe
failed, or when a refund failed at the card)."""

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

from marketplace.accounts.access import logged_in_user
from marketplace.core.clock import as_utc
from marketplace.core.forms import FORM_EXPIRED
from marketplace.core.money import format_rupiah
from marketplace.core.whatsapp import whatsapp_url
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import OrderError, PaymentMethod
from marketplace.payments import bank_transfer, stripe_checkout, stripe_refunds
from marketplace.payments.errors import PaymentError, PaymentProviderError
from marketplace.payments.models import RefundStatus, StripeRefund
from marketplace.treasury import queries
from marketplace.treasury.forms import RefundPaidForm, TransferConfirmForm, TransferSearchForm
from marketplace.treasury.views.base import blueprint, list_place, now, refuse

TRANSFERS_PER_PAGE = 20
REFUNDS_PER_PAGE = 20


@dataclass(frozen=True)
class TransferRow:
    """An order waiting for its bank transfer, as its card in the queue shows it."""

    order: Order
    overdue: bool  # past the time to pay
    form: TransferConfirmForm
    open: bool  # the confirmation form shows open (after a refusal)


@dataclass(frozen=True)
class RefundRow:
    """A refund owed to a shopper; `whatsapp` opens a chat until a bank
    transfer's refund is paid. A card part shows its latest Stripe refund
    (`stripe`, None before any was asked) and can be sent through Stripe
    (`can_send`) while none is under way."""

    part: OrderPart
    whatsapp: str | None
    card: bool = False
    stripe: StripeRefund | None = None

    @property
    def stripe_status(self) -> str:
        if self.stripe is None:
            return "belum diminta"
        if self.stripe.refund_id is None:
            return "belum dijawab Stripe"
        return stripe_refunds.STATUS_LABELS[RefundStatus(self.stripe.status)]

    @property
    def can_send(self) -> bool:
        if not self.card or self.part.refund_paid_at is not None:
            return False
        latest = self.stripe
        return (
            latest is None
            or latest.refund_id is None
            or RefundStatus(latest.status) in stripe_refunds.ENDED
        )


# --- bank transfers -------------------------------------------------------------


def _transfers_page(*, refused: int | None = None, form: TransferConfirmForm | None = None):
    """The queue. A refused confirmation of order `refused` shows the
    submitted `form`, with its errors, open on that order's row."""
    search = TransferSearchForm(request.args)
    code, amount = search.terms() if search.validate() else (None, None)
    searching = bool(code or amount is not None)
    page = db.paginate(
        queries.transfers_awaiting(code=code, amount=amount),
        per_page=TRANSFERS_PER_PAGE,
        error_out=False,
    )
    moment = now()
    rows = [
        TransferRow(
            order=order,
            overdue=as_utc(order.expires_at) <= moment,
            form=form
            if order.id == refused and form
            else TransferConfirmForm.for_order(order.id, formdata=None),
            open=order.id == refused,
        )
        for order in page.items
    ]
    place = list_place()
    return render_template(
        "treasury/transfers.html",
        page=page,
        rows=rows,
        search=search,
        searching=searching,
        here=place,
        page_args=lambda number: {**place, "page": number},
    )


@blueprint.get("/transfer")
def transfers():
    return _transfers_page()


@blueprint.post("/transfer/<code>/konfirmasi")
def confirm_transfer(code: str):
    order = db.first_or_404(queries.order_awaiting_transfer(code))
    form = TransferConfirmForm.for_order(order.id)
    if not form.validate_on_submit() or form.amount.data is None:
        return _transfers_page(refused=order.id, form=form)
    try:
        bank_transfer.confirm(
            order=order, amount=form.amount.data, by=logged_in_user(), note=form.note.data or ""
        )
    except OrderError as error:
        return refuse(error.message, url_for(".transfers", **list_place()))
    # Worded before the commit, which expires the order (read again, three statements).
    paid = (
        f"Pesanan {order.code} lunas: {format_rupiah(order.total)} diterima. "
        "Pembeli dan penjual sudah dikabari lewat email."
    )
    db.session.commit()
    flash(paid, "success")
    return redirect(url_for(".transfers", **list_place()))


# --- refunds ----------------------------------------------------------------------


def _refund_message(part: OrderPart) -> str:
    order: Order = part.order
    return (
        f"Halo {order.contact_name}, kami dari Pasar Aspikmas. Dana pesanan {order.code} "
        f"dari {part.member.shop_name} sebesar {format_rupiah(part.refund_amount)} akan "
        "kami kembalikan. Mohon kirim nama bank, nomor rekening, dan nama pemilik rekening."
    )


@blueprint.get("/pengembalian")
def refunds():
    page = db.paginate(queries.refunds(), per_page=REFUNDS_PER_PAGE, error_out=False)
    attempts = stripe_refunds.attempts_of([part.id for part in page.items])
    rows = []
    for part in page.items:
        card = part.order.payment_method == PaymentMethod.STRIPE
        chat = not card and part.refund_paid_at is None
        rows.append(
            RefundRow(
                part=part,
                whatsapp=whatsapp_url(part.order.contact_whatsapp, _refund_message(part))
                if chat
                else None,
                card=card,
                stripe=attempts.get(part.id),
            )
        )
    return render_template(
        "treasury/refunds.html",
        page=page,
        rows=rows,
        form=RefundPaidForm(),
        here=list_place(),
        page_args=lambda number: {"page": number},
    )


@blueprint.post("/pengembalian/<int:part_id>/stripe")
def refund_stripe(part_id: int):
    """Send a card part's refund through Stripe again: the same attempt (the
    same idempotency key) while Stripe has not answered it, a new one after
    the last failed or was canceled."""
    part = db.first_or_404(queries.refund_part(part_id))
    form = RefundPaidForm()
    back = url_for(".refunds", **list_place())
    if not form.validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(back)
    amount, code = format_rupiah(part.refund_amount), part.order.code
    try:
        stripe_checkout.refund(part=part, by=logged_in_user())
    except PaymentProviderError as failed:
        flash(
            f"{failed.message} Pengembalian {amount} untuk pesanan {code} belum terkirim; "
            "permintaannya tersimpan, coba lagi nanti.",
            "danger",
        )
        return redirect(back)
    except (PaymentError, OrderError) as refused:
        return refuse(refused.message, back)
    db.session.expire_all()
    status = "sudah dikembalikan" if part.refund_paid_at else "sedang diproses Stripe"
    flash(f"Pengembalian {amount} untuk pesanan {code} ke kartu pembeli {status}.", "success")
    return redirect(back)


@blueprint.post("/pengembalian/<int:part_id>/selesai")
def refund_paid(part_id: int):
    part = db.first_or_404(queries.refund_part(part_id))
    form = RefundPaidForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(url_for(".refunds", **list_place()))
    try:
        fulfilment.mark_refund_paid(part=part, by=logged_in_user())
    except OrderError as error:
        return refuse(error.message, url_for(".refunds", **list_place()))
    db.session.commit()
    flash(
        f"Pengembalian {format_rupiah(part.refund_amount)} untuk pesanan {part.order.code} "
        f"({part.order.contact_name}) dicatat.",
        "success",
    )
    return redirect(url_for(".refunds", **list_place()))
