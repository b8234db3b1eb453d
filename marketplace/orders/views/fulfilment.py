"""A member's orders (/kelola/pesanan): their parts of shoppers' orders,
moved through processing, shipped or ready for pickup, completed, or
cancelled with a reason. Nested under the orders blueprint: endpoints are
`orders.fulfilment.*`.

Only an approved member gets in (members.access), and only to their own
parts: a part is looked up within the member's own, so anyone else's is not
found (404). A transfer part shows once it is paid; a cash part from the
start. Each action: form -> one service -> one commit -> redirect (its
emails go after the commit by themselves); a refusal is flashed and changes
nothing."""

from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.core.money import format_rupiah
from marketplace.core.whatsapp import whatsapp_url
from marketplace.extensions import db
from marketplace.members.access import approved_member
from marketplace.members.models import Member, MemberStatus
from marketplace.orders import chat, fulfilment, queries
from marketplace.orders.forms import PartAdvanceForm, PartCancelForm, PartCompleteForm
from marketplace.orders.models import OrderPart
from marketplace.orders.status import DeliveryMethod, OrderError, OrderPartStatus, PaymentMethod
from marketplace.orders.timeline import part_timeline
from marketplace.payments import cash, stripe_checkout
from marketplace.payments.errors import PaymentError

blueprint = Blueprint("fulfilment", __name__, url_prefix="/kelola/pesanan")
# A suspended member's products are hidden, so no new order comes; the
# orders already paid are still theirs to deliver (or cancel and refund).
member_view = approved_member(
    "orders/fulfilment/not_approved.html", also=frozenset({MemberStatus.SUSPENDED})
)

PER_PAGE = 20
# The list's tabs: ?status=<key> -> (label, the part statuses it shows).
TABS: dict[str, tuple[str, tuple[OrderPartStatus, ...]]] = {
    "baru": ("Baru", (OrderPartStatus.NEW,)),
    "disiapkan": ("Disiapkan", (OrderPartStatus.PROCESSING,)),
    "dikirim": (
        "Dikirim / siap diambil",
        (OrderPartStatus.SHIPPED, OrderPartStatus.READY_FOR_PICKUP),
    ),
    "selesai": ("Selesai", (OrderPartStatus.COMPLETED,)),
    "batal": ("Dibatalkan", (OrderPartStatus.CANCELLED,)),
}


@blueprint.app_template_global()
def new_part_count() -> int:
    """New parts waiting for the logged-in member (the badge in their menu)."""
    if not current_user.is_authenticated:
        return 0
    return db.session.scalar(queries.new_part_count(current_user.id)) or 0


def _part_or_404(member: Member, part_id: int) -> OrderPart:
    return db.one_or_404(queries.part_of_member(member.id, part_id))


@blueprint.get("")
@member_view
def index(member: Member):
    chosen = request.args.get("status")
    chosen = chosen if chosen in TABS else None
    page = db.paginate(
        queries.parts_of_member(member.id, TABS[chosen][1] if chosen else ()),
        per_page=PER_PAGE,
        error_out=False,
    )
    by_status = dict(db.session.execute(queries.part_counts_of_member(member.id)).tuples().all())
    counts = {
        key: sum(by_status.get(status, 0) for status in statuses)
        for key, (_, statuses) in TABS.items()
    }
    total = sum(by_status.values())
    return render_template(
        "orders/fulfilment/index.html",
        member=member,
        page=page,
        page_args=lambda number: {"status": chosen, "page": number},
        tabs=[(None, "Semua", total)] + [(key, TABS[key][0], counts[key]) for key in TABS],
        chosen=chosen,
        new_parts=counts["baru"],
        total=total,
    )


def _page(
    part: OrderPart,
    complete_form: PartCompleteForm | None = None,
    cancel_form: PartCancelForm | None = None,
):
    order = part.order
    is_cash = order.payment_method == PaymentMethod.CASH
    is_delivery = part.delivery_method == DeliveryMethod.DELIVERY
    sent = OrderPartStatus.SHIPPED if is_delivery else OrderPartStatus.READY_FOR_PICKUP
    steps = part_timeline(part, db.session.scalars(queries.order_events(order.id)).all())
    return render_template(
        "orders/fulfilment/part.html",
        member=part.member,
        part=part,
        order=order,
        is_cash=is_cash,
        is_delivery=is_delivery,
        steps=steps,
        whatsapp=whatsapp_url(order.contact_whatsapp, chat.greeting(part)),
        step_chats=chat.step_chats(part, steps),
        can_process=part.can_become(OrderPartStatus.PROCESSING),
        can_dispatch=part.can_become(sent),
        can_complete=part.can_become(OrderPartStatus.COMPLETED),
        can_cancel=part.can_become(OrderPartStatus.CANCELLED),
        advance_form=PartAdvanceForm(formdata=None),
        complete_form=complete_form
        or PartCompleteForm(formdata=None, cash_received=part.total if is_cash else None),
        cancel_form=cancel_form or PartCancelForm(formdata=None),
    )


@blueprint.get("/<int:part_id>")
@member_view
def part(member: Member, part_id: int):
    return _page(_part_or_404(member, part_id))


def _act(part: OrderPart, change: Callable[[], object], done: Callable[[], str]):
    """Run the service `change`, commit, say `done()` and go back to the
    part; a refusal is said instead and nothing is kept."""
    try:
        change()
        db.session.commit()
    except OrderError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        flash(done(), "success")
    return redirect(url_for(".part", part_id=part.id))


@blueprint.post("/<int:part_id>/proses")
@member_view
def start(member: Member, part_id: int):
    found = _part_or_404(member, part_id)
    if not PartAdvanceForm().validate_on_submit():
        return _page(found)
    return _act(
        found,
        lambda: fulfilment.start_processing(part=found, member=member),
        lambda: f"Pesanan {found.order.code} sedang Anda siapkan.",
    )


@blueprint.post("/<int:part_id>/kirim")
@member_view
def dispatch(member: Member, part_id: int):
    found = _part_or_404(member, part_id)
    if not PartAdvanceForm().validate_on_submit():
        return _page(found)
    return _act(
        found,
        lambda: fulfilment.dispatch(part=found, member=member),
        lambda: (
            f"Pesanan {found.order.code}: {found.status_label.lower()}. "
            "Pembeli sudah diberi tahu lewat email."
        ),
    )


def _completed_words(part: OrderPart) -> str:
    words = f"Pesanan {part.order.code} selesai."
    if part.order.payment_method == PaymentMethod.CASH:
        words += (
            f" Tunai {format_rupiah(part.total)} tercatat; komisi "
            f"{format_rupiah(part.commission_total)} diperhitungkan pada pencairan berikutnya."
        )
    return words


def _cancelled_words(part: OrderPart) -> str:
    words = f"Pesanan {part.order.code} dibatalkan. Pembeli sudah diberi tahu lewat email."
    amount = format_rupiah(part.refund_amount)
    if part.refund_amount and part.order.payment_method == PaymentMethod.STRIPE:
        words += f" Dana {amount} dikembalikan ke kartu pembeli lewat Stripe."
    elif part.refund_amount:
        words += f" Dana {amount} dikembalikan bendahara ke pembeli."
    return words


def _refund_to_card(part: OrderPart, member: Member) -> str | None:
    """After a paid card part's cancel is committed: its money back to the
    card through Stripe. None when Stripe took it; else the note to show:
    the cancel stands (it is committed) and the treasurer retries the
    refund from their page."""
    try:
        stripe_checkout.refund(part=part, by=member.user)
    except PaymentError as failed:
        db.session.rollback()
        return (
            f"{failed.message} Pengembalian {format_rupiah(part.refund_amount)} ke kartu pembeli "
            "belum terkirim; bendahara Aspikmas akan mengulanginya dari halaman pengembalian dana."
        )
    return None


@blueprint.post("/<int:part_id>/selesai")
@member_view
def complete(member: Member, part_id: int):
    found = _part_or_404(member, part_id)
    form = PartCompleteForm()
    if not form.validate_on_submit():
        return _page(found, complete_form=form)
    if found.order.payment_method == PaymentMethod.CASH:
        return _act(
            found,
            lambda: cash.confirm(
                order=found.order, part=found, amount=form.cash_received.data, by=member.user
            ),
            lambda: _completed_words(found),
        )
    return _act(
        found,
        lambda: fulfilment.complete(
            part=found, member=member, hold_days=current_app.config["PAYOUT_HOLD_DAYS"]
        ),
        lambda: _completed_words(found),
    )


@blueprint.post("/<int:part_id>/batal")
@member_view
def cancel(member: Member, part_id: int):
    found = _part_or_404(member, part_id)
    form = PartCancelForm()
    if not form.validate_on_submit():
        return _page(found, cancel_form=form)
    try:
        fulfilment.cancel_part(
            part=found, member=member, reason=form.reason.data, restock=form.restock.data
        )
        db.session.commit()
    except OrderError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
        return redirect(url_for(".part", part_id=found.id))
    card = found.order.payment_method == PaymentMethod.STRIPE and found.refund_amount > 0
    note = _refund_to_card(found, member) if card else None
    if note is None:
        flash(_cancelled_words(found), "success")
    else:
        flash(
            f"Pesanan {found.order.code} dibatalkan. Pembeli sudah diberi tahu lewat email.",
            "success",
        )
        flash(note, "warning")
    return redirect(url_for(".part", part_id=found.id))
