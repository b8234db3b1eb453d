"""Matching the bank's account statement with the orders awaiting a
transfer (/bendahara/mutasi): each line of an uploaded statement
(`statement_file.read`) is stored once; each credit whose amount is exactly
an awaiting order's total (the unique code makes that total unique among
them) is offered for confirmation, through the same service as the transfer
queue (`payments.bank_transfer.confirm`); the others say what they may be
(a second transfer, a cancelled order, a near miss)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select

from marketplace.accounts.models import User
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.orders import queries as order_queries
from marketplace.orders.models import Order
from marketplace.orders.status import OrderError, OrderStatus, PaymentMethod
from marketplace.payments import bank_transfer
from marketplace.treasury.models import StatementImport, StatementLine
from marketplace.treasury.statement_file import StatementError, fingerprints, read

__all__ = ["StatementError", "confirm", "import_statement", "lock_line", "matches"]

# A credit that misses an awaiting order by less than the unique code's
# span is worth a hint ("Rp1 less than PA-…"), never a match.
NEAR_MISS = 1_000
# How far back an order may have been placed to be named beside a credit.
LOOK_BACK = timedelta(days=30)


# --- storing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    statement: StatementImport
    credits_new: int
    debits: int


def import_statement(*, data: bytes, filename: str, by: User) -> Imported:
    """Store the statement's lines not stored before. Nothing is written when
    the file cannot be read. Flushes; the caller commits (a concurrent upload
    of the same lines then fails on the unique fingerprint: nothing twice)."""
    transactions = read(data)
    prints = fingerprints(transactions)
    known = set(
        db.session.scalars(
            select(StatementLine.fingerprint).where(StatementLine.fingerprint.in_(prints))
        )
    )
    new = [
        (transaction, print_)
        for transaction, print_ in zip(transactions, prints, strict=True)
        if print_ not in known
    ]
    statement = StatementImport(
        filename=(filename or "mutasi.csv").replace("\x00", "")[:255],
        uploaded_by_id=by.id,
        lines_read=len(transactions),
        lines_new=len(new),
    )
    db.session.add(statement)
    db.session.flush()
    db.session.add_all(
        StatementLine(
            import_id=statement.id,
            line_number=transaction.line_number,
            booked_on=transaction.booked_on,
            description=transaction.description,
            amount=transaction.amount,
            fingerprint=print_,
        )
        for transaction, print_ in new
    )
    db.session.flush()
    return Imported(
        statement=statement,
        credits_new=sum(1 for transaction, _ in new if transaction.amount > 0),
        debits=sum(1 for transaction in transactions if transaction.amount < 0),
    )


# --- matching --------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """What a stored line means: `order` is the awaiting order it pays, when
    it can be confirmed; `note` says why not, or what it was."""

    line: StatementLine
    order: Order | None = None
    note: str = ""
    tone: str = "muted"  # success (confirmable or confirmed), warning (to look at), muted

    @property
    def confirmable(self) -> bool:
        return self.order is not None


def matches(lines: Sequence[StatementLine]) -> list[Match]:
    """What each line means, in three queries whatever their number: the
    awaiting orders with those totals, the other recent transfer orders
    near them, and the orders already confirmed by lines."""
    credits = [line for line in lines if line.is_credit and line.order_id is None]
    amounts = {line.amount for line in credits}
    awaiting = (
        {
            order.total: order
            for order in db.session.scalars(
                select(Order).where(*order_queries.AWAITING_TRANSFER, Order.total.in_(amounts))
            )
        }
        if amounts
        else {}
    )
    others = _recent_orders(credits) if credits else []
    confirmed_ids = {line.order_id for line in lines if line.order_id is not None}
    confirmed = (
        {
            order.id: order
            for order in db.session.scalars(select(Order).where(Order.id.in_(confirmed_ids)))
        }
        if confirmed_ids
        else {}
    )
    # Two credits of one amount: the earliest is offered, the others are flagged.
    first_of_amount: dict[int, int] = {}
    for line in sorted(credits, key=lambda line: (line.booked_on, line.id)):
        first_of_amount.setdefault(line.amount, line.id)
    return [
        _match(line, awaiting, others, confirmed, first_of_amount.get(line.amount))
        for line in lines
    ]


def _recent_orders(credits: Sequence[StatementLine]) -> list[Order]:
    """Bank transfer orders of any status placed within LOOK_BACK of the
    credits whose total is within NEAR_MISS of one of them: to say what a
    credit that pays no awaiting order may be."""
    earliest = min(line.booked_on for line in credits)
    latest = max(line.booked_on for line in credits)
    since = datetime(earliest.year, earliest.month, earliest.day, tzinfo=UTC) - LOOK_BACK
    until = datetime(latest.year, latest.month, latest.day, tzinfo=UTC) + timedelta(days=2)
    near = [
        Order.total.between(amount - NEAR_MISS, amount + NEAR_MISS)
        for amount in sorted({line.amount for line in credits})
    ]
    return list(
        db.session.scalars(
            select(Order)
            .where(
                Order.payment_method == PaymentMethod.BANK_TRANSFER,
                Order.placed_at.between(since, until),
                or_(*near),
            )
            .order_by(Order.placed_at.desc())
            .limit(500)
        )
    )


def _match(
    line: StatementLine,
    awaiting: dict[int, Order],
    others: Sequence[Order],
    confirmed: dict[int, Order],
    first_id: int | None,
) -> Match:
    if line.order_id is not None:
        order = confirmed.get(line.order_id)
        code = order.code if order is not None else f"#{line.order_id}"
        return Match(line=line, note=f"Dikonfirmasi untuk pesanan {code}.", tone="success")
    if not line.is_credit:
        return Match(line=line, note="Uang keluar (debit): tidak dicocokkan.")
    order = awaiting.get(line.amount)
    if order is not None and first_id == line.id:
        return Match(line=line, order=order, note=f"Cocok: pesanan {order.code}.", tone="success")
    if order is not None:
        return Match(
            line=line,
            note=(
                f"Jumlah yang sama ada di kredit lain yang lebih dulu, yang cocok dengan pesanan "
                f"{order.code}. Mungkin pembeli mentransfer dua kali: periksa."
            ),
            tone="warning",
        )
    same = [
        other
        for other in others
        if other.total == line.amount and other.status != OrderStatus.PENDING_PAYMENT
    ]
    if same:
        other = same[0]
        if other.status == OrderStatus.CANCELLED:
            return Match(
                line=line,
                note=(
                    f"Jumlah ini milik pesanan {other.code} yang sudah dibatalkan. Hubungi pembeli "
                    "untuk mengembalikan dana atau memesan ulang."
                ),
                tone="warning",
            )
        return Match(
            line=line,
            note=(
                f"Pesanan {other.code} dengan jumlah ini sudah lunas. Bila ini transfer kedua, "
                "kembalikan kelebihannya kepada pembeli."
            ),
            tone="warning",
        )
    near = sorted(
        (
            order
            for order in others
            if order.status == OrderStatus.PENDING_PAYMENT
            and 0 < abs(order.total - line.amount) < NEAR_MISS
        ),
        key=lambda order: abs(order.total - line.amount),
    )
    if near:
        order = near[0]
        difference = line.amount - order.total
        words = "lebih" if difference > 0 else "kurang"
        return Match(
            line=line,
            note=(
                f"Tidak ada pesanan dengan jumlah persis ini. Paling dekat: {order.code} "
                f"({format_rupiah(order.total)}), {words} {format_rupiah(abs(difference))}. "
                "Periksa di antrean transfer."
            ),
            tone="warning",
        )
    return Match(line=line, note="Tidak ada pesanan menunggu transfer dengan jumlah ini.")


# --- confirming ------------------------------------------------------------------------


def lock_line(line_id: int) -> StatementLine | None:
    return db.session.scalar(
        select(StatementLine).where(StatementLine.id == line_id).with_for_update()
    )


def confirm(*, line: StatementLine, by: User, now: datetime | None = None) -> Order:
    """Confirm the awaiting order `line` pays, through the transfer queue's
    own service (it checks the amount and locks the order), and mark the line
    as having confirmed it. The caller holds the line's lock (`lock_line`)
    and commits. Raises OrderError when the line confirms nothing."""
    now = now or datetime.now(UTC)
    if line.order_id is not None:
        raise OrderError("Kredit ini sudah dipakai untuk mengonfirmasi pesanan.")
    if not line.is_credit:
        raise OrderError("Baris ini uang keluar (debit): tidak bisa mengonfirmasi pesanan.")
    order = db.session.scalar(
        select(Order).where(*order_queries.AWAITING_TRANSFER, Order.total == line.amount)
    )
    if order is None:
        raise OrderError(
            f"Tidak ada pesanan menunggu transfer sebesar {format_rupiah(line.amount)}. "
            "Mungkin sudah dikonfirmasi atau dibatalkan."
        )
    bank_transfer.confirm(
        order=order,
        amount=line.amount,
        by=by,
        note=f"Mutasi {line.booked_on:%d/%m/%Y}: {line.description}",
        now=now,
    )
    line.order_id = order.id
    line.confirmed_by_id = by.id
    line.confirmed_at = now
    db.session.flush()
    return order
