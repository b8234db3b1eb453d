"""Stripe paying its balance out to the association's bank account, in the
books (issue 13, point 6):

    payout.paid     cash:bank   +amount     the money is in the bank now
                    cash:stripe -amount     and no longer at Stripe
    payout.failed   the posting above, reversed (the bank sent it back),
                    when it was posted; else nothing moves

so the treasurer's cash figures match both statements. Each payout is one
`StripePayout` row (unique payout id) and each posting has a key per payout
(`stripe-payout:<po_id>:paid` / `:failed`), written with the event's
`StripeEvent` in one transaction. A payout in another currency, of an
amount that is not whole rupiah, or of the other mode (live/test) than the
shop's key, moves nothing and is recorded as a mismatch for the treasurer.
A `payout.paid` that arrives after its `payout.failed` moves nothing: the
payout already ended as failed."""

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.ledger.errors import LedgerError
from marketplace.ledger.models import LedgerTransaction, TransactionKind
from marketplace.ledger.services import post, reverse
from marketplace.orders.settlement import CASH_BANK, CASH_STRIPE, account_names
from marketplace.payments import stripe_api
from marketplace.payments.errors import InvalidStripeAmount, PaymentError
from marketplace.payments.models import EventOutcome, PayoutStatus, StripeEvent, StripePayout
from marketplace.payments.stripe_events import record

log = logging.getLogger("marketplace.payments.stripe")

PAID = "payout.paid"
FAILED = "payout.failed"
EVENTS = frozenset({PAID, FAILED})
SUBJECT = "stripe_payout"


def paid_key(payout_id: str) -> str:
    return f"stripe-payout:{payout_id}:paid"


def failed_key(payout_id: str) -> str:
    return f"stripe-payout:{payout_id}:failed"


def handle(event: Mapping[str, Any], *, now: datetime) -> StripeEvent:
    """Apply `payout.paid` or `payout.failed` (not seen before: the caller
    checked); flushes, the caller commits."""
    event_id, kind = event["id"], event["type"]
    obj = event["data"]["object"]
    try:
        payout = stripe_api.payout_from(obj)
    except InvalidStripeAmount as refused:
        return _mismatch(event_id, kind, obj.get("id"), refused.message)
    if payout.livemode != stripe_api.is_live_mode():
        return _mismatch(event_id, kind, payout.id, "mode live/test tidak sama dengan kunci toko")
    if payout.amount_rupiah <= 0:
        return _mismatch(event_id, kind, payout.id, "jumlahnya nol")
    stored = db.session.scalar(
        select(StripePayout).where(StripePayout.payout_id == payout.id).with_for_update()
    )
    if kind == PAID:
        return _paid(event_id, payout, stored, now)
    return _failed(event_id, payout, stored, now)


def _mismatch(event_id: str, kind: str, payout_id: object, why: str) -> StripeEvent:
    detail = f"Pencairan {payout_id}: {why}. Buku besar tidak diubah."
    log.warning("Stripe %s %s not applied: %s", kind, event_id, detail)
    return record(event_id, kind, EventOutcome.MISMATCH, detail=detail)


def _paid(
    event_id: str, payout: stripe_api.Payout, stored: StripePayout | None, now: datetime
) -> StripeEvent:
    if stored is not None:
        words = "sudah tercatat cair" if stored.status == PayoutStatus.PAID else "sudah gagal"
        return record(
            event_id, PAID, EventOutcome.IGNORED, detail=f"Pencairan {payout.id} {words}."
        )
    stored = StripePayout(
        payout_id=payout.id,
        amount=payout.amount_rupiah,
        arrival_at=payout.arrival_at,
        status=PayoutStatus.PAID,
    )
    db.session.add(stored)
    db.session.flush()
    _post(
        key=paid_key(payout.id),
        entries=[(CASH_BANK, payout.amount_rupiah), (CASH_STRIPE, -payout.amount_rupiah)],
        stored=stored,
        memo=f"Pencairan saldo Stripe {payout.id} ke rekening bank",
        now=now,
    )
    return record(
        event_id,
        PAID,
        EventOutcome.APPLIED,
        detail=f"Pencairan {payout.id} {format_rupiah(payout.amount_rupiah)}: "
        "dari Kas di Stripe ke Kas di rekening bank.",
    )


def _failed(
    event_id: str, payout: stripe_api.Payout, stored: StripePayout | None, now: datetime
) -> StripeEvent:
    if stored is None:
        # Failed before it was ever paid here: nothing moved; remember it, so
        # a late `payout.paid` moves nothing either.
        db.session.add(
            StripePayout(
                payout_id=payout.id,
                amount=payout.amount_rupiah,
                arrival_at=payout.arrival_at,
                status=PayoutStatus.FAILED,
            )
        )
        db.session.flush()
        return record(
            event_id,
            FAILED,
            EventOutcome.APPLIED,
            detail=f"Pencairan {payout.id} gagal sebelum tercatat cair: buku besar tidak berubah.",
        )
    if stored.status == PayoutStatus.FAILED:
        return record(
            event_id, FAILED, EventOutcome.IGNORED, detail=f"Pencairan {payout.id} sudah gagal."
        )
    paid = db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == paid_key(payout.id))
    )
    if paid is None:  # pragma: no cover - written with the row
        raise PaymentError(f"Pencatatan pencairan {payout.id} tidak ditemukan di buku besar.")
    try:
        reverse(
            transaction=paid,
            key=failed_key(payout.id),
            occurred_at=now,
            memo=f"Pencairan saldo Stripe {payout.id} gagal: dana kembali ke Stripe",
            kind=TransactionKind.ADJUSTMENT,
        )
    except LedgerError as refused:
        raise PaymentError(f"Buku besar menolak pencatatan: {refused.message}") from refused
    stored.status = PayoutStatus.FAILED
    stored.updated_at = now
    return record(
        event_id,
        FAILED,
        EventOutcome.APPLIED,
        detail=f"Pencairan {payout.id} gagal: {format_rupiah(stored.amount)} "
        "kembali dari Kas di rekening bank ke Kas di Stripe.",
    )


def _post(
    *, key: str, entries: list[tuple[str, int]], stored: StripePayout, memo: str, now: datetime
) -> LedgerTransaction:
    try:
        return post(
            key=key,
            kind=TransactionKind.ADJUSTMENT,
            entries=entries,
            names=account_names(code for code, _ in entries),
            occurred_at=now,
            memo=memo,
            subject=(SUBJECT, stored.id),
        )
    except LedgerError as refused:
        raise PaymentError(f"Buku besar menolak pencatatan: {refused.message}") from refused
