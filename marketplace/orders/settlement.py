"""Settlement: the rules that turn order events into ledger postings
(DESIGN.md, Ledger). Each function posts one transaction through
`ledger.services.post` with an idempotency key derived from the event, so
running it twice posts once. Signs: debit positive, credit negative.

    bank transfer paid   cash:bank            +total   (a card payment: cash:stripe)
                         payable:member:<id>:pending   -(lines - commission + delivery), per part
                         income:commission:<fund>      -commission, split by the order's shares
                         income:transfer-code          -unique code
    cash received        payable:member:<id>:available +commission (the member owes it)
                         income:commission:<fund>      -commission
    part completed       pending +share, available -share          (transfer and card only)
    part refunded        the part's share of the sale, reversed, owed to the shopper
                         on payable:shopper-refunds (and the unique code with the last part)
    refund paid back     payable:shopper-refunds +amount, cash -amount (the bank by hand;
                         a card's Stripe balance, once per Stripe refund id)
    card refund failed   cash:stripe +amount, payable:shopper-refunds -amount (owed again)
    card fee             expense:payment-fees +fee, cash:stripe -fee (what Stripe kept)

With each sale, cash sale and refund it writes the commission facts the
treasurer's reports read (one per order line, signed like the income).
An event dated in a closed month posts late, into the open month.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import exists, select

from marketplace.accounts.models import User
from marketplace.catalog.models import Category
from marketplace.core.clock import WIB, as_utc
from marketplace.core.money import split
from marketplace.extensions import db
from marketplace.ledger.errors import LedgerError
from marketplace.ledger.models import LedgerTransaction, TransactionKind
from marketplace.ledger.services import is_closed, month_of, post
from marketplace.orders.models import CommissionFact, Order, OrderLine, OrderPart
from marketplace.orders.status import OrderError, PaymentMethod

CASH_BANK = "cash:bank"
CASH_STRIPE = "cash:stripe"
TRANSFER_CODE = "income:transfer-code"
SHOPPER_REFUNDS = "payable:shopper-refunds"
PAYMENT_FEES = "expense:payment-fees"
# How a paid order's sale names its payment in the memo.
SALE_WORDS = {PaymentMethod.BANK_TRANSFER: "transfer bank", PaymentMethod.STRIPE: "kartu, Stripe"}
COMMISSION = "income:commission"
EMPOWERMENT = "income:commission:empowerment"
CENTRAL = "income:commission:central"
CHAPTER_PREFIX = "income:commission:kecamatan:"
UNCATEGORISED = "Tanpa kategori"
# What a commission fact is about: a reversal's facts copy these.
FACT_SUBJECT = (
    "order_id",
    "part_id",
    "order_line_id",
    "member_id",
    "kecamatan_slug",
    "category_id",
    "shop_name",
    "category_name",
)

# --- account names -----------------------------------------------------------------
# The one naming of the accounts settlement and the treasurer post to. The
# ledger knows no words: it stores `account_name(code)` when a posting opens
# an account (`post(names=...)`), and the treasurer's pages read the fuller
# labels below (treasury.accounts puts in the shop's and the kecamatan's names).

# Words of account codes, for the stored names; others are kept as they are.
CODE_WORDS = {
    "cash": "Kas",
    "payable": "Utang",
    "income": "Pendapatan",
    "expense": "Beban",
    "bank": "bank",
    "member": "anggota",
    "pending": "(tertahan)",
    "available": "(tersedia)",
    "in-payout": "(dalam pembayaran)",
    "commission": "komisi",
    "empowerment": "pemberdayaan",
    "central": "pusat",
    "transfer-code": "kode unik transfer",
    "shopper-refunds": "pengembalian dana pembeli",
    "payment-fees": "biaya pembayaran",
}
# How the treasurer reads the accounts with a fixed code.
LABELS = {
    CASH_BANK: "Kas di rekening bank",
    CASH_STRIPE: "Kas di Stripe",
    EMPOWERMENT: "Pendapatan komisi: pemberdayaan anggota",
    CENTRAL: "Pendapatan komisi: kantor pusat",
    TRANSFER_CODE: "Pendapatan kode unik transfer",
    SHOPPER_REFUNDS: "Utang pengembalian dana pembeli",
    PAYMENT_FEES: "Beban biaya pembayaran",
}
MEMBER_STATES = {
    "pending": "tertahan",
    "available": "tersedia",
    "in-payout": "dalam pembayaran",
}


def account_name(code: str) -> str:
    """`payable:member:12:pending` -> `Utang anggota 12 (tertahan)`."""
    return " ".join(CODE_WORDS.get(word, word) for word in code.split(":"))


def account_names(codes: Iterable[str]) -> dict[str, str]:
    """{code: stored name}, for `post(names=...)`."""
    return {code: account_name(code) for code in codes}


def chapter_label(kecamatan: str) -> str:
    return f"Pendapatan komisi: cabang {kecamatan}"


def member_label(member_id: int, shop: str, state: str) -> str:
    return f"Utang ke {shop} (#{member_id}, {MEMBER_STATES[state]})"


# --- codes and postings ------------------------------------------------------------


def pending_account(member_id: int) -> str:
    return f"payable:member:{member_id}:pending"


def available_account(member_id: int) -> str:
    return f"payable:member:{member_id}:available"


def fund_accounts(part: OrderPart) -> dict[str, str]:
    """Where each share of the part's commission goes: the association's
    empowerment fund, the central office, and the chapter of the kecamatan
    the member was in at checkout."""
    return {
        "empowerment": EMPOWERMENT,
        "central": CENTRAL,
        "kecamatan": f"{CHAPTER_PREFIX}{part.kecamatan_slug}",
    }


def commission_split(part: OrderPart, order: Order) -> dict[str, int]:
    """{income account: rupiah} of the part's commission, by the shares
    snapshotted on the order; the parts add up to the commission exactly."""
    shares = split(part.commission_total, order.shares)
    accounts = fund_accounts(part)
    return {accounts[fund]: amount for fund, amount in shares.items()}


def _merged(entries: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """One entry per account, zero amounts dropped."""
    totals: dict[str, int] = {}
    for code, amount in entries:
        totals[code] = totals.get(code, 0) + amount
    return [(code, amount) for code, amount in totals.items() if amount != 0]


def _post(
    *,
    key: str,
    kind: TransactionKind,
    entries: Iterable[tuple[str, int]],
    subject: tuple[str, int],
    memo: str,
    when: datetime,
    by: User | None,
    parts: Sequence[OrderPart] = (),
    sign: int = 1,
) -> LedgerTransaction | None:
    """Post, and record the commission facts of `parts` (each line, times
    `sign`) with a new transaction. An event dated in a closed month arrives
    late: it posts now, in the open month, saying when it happened."""
    merged = _merged(entries)
    if not merged:
        return None  # nothing moves (a free part, no commission)
    if is_closed(month_of(when)):
        memo = f"{memo} (terlambat: terjadi {when.astimezone(WIB):%d/%m/%Y}, bukunya sudah ditutup)"
        when = datetime.now(UTC)
    try:
        transaction = post(
            key=key,
            kind=kind,
            entries=merged,
            names=account_names(code for code, _ in merged),
            subject=subject,
            memo=memo,
            occurred_at=when,
            recorded_by=by,
        )
    except LedgerError as refused:
        raise OrderError(f"Buku besar menolak pencatatan: {refused.message}") from refused
    if parts and not _has_facts(transaction):
        _record_facts(transaction, [(line, sign) for part in parts for line in part.lines])
    return transaction


def _has_facts(transaction: LedgerTransaction) -> bool:
    return bool(
        db.session.scalar(select(exists().where(CommissionFact.transaction_id == transaction.id)))
    )


def _record_facts(transaction: LedgerTransaction, lines: Sequence[tuple[OrderLine, int]]) -> None:
    month = month_of(as_utc(transaction.occurred_at))
    category_names = _category_names({line.category_id for line, _ in lines})
    for line, sign in lines:
        part = line.part
        db.session.add(
            CommissionFact(
                transaction_id=transaction.id,
                month=month,
                order_id=part.order_id,
                part_id=part.id,
                order_line_id=line.id,
                member_id=part.member_id,
                kecamatan_slug=part.kecamatan_slug,
                category_id=line.category_id,
                shop_name=part.member.shop_name,
                category_name=category_names.get(line.category_id, UNCATEGORISED),
                gross=sign * line.line_total,
                commission=sign * line.commission,
            )
        )
    db.session.flush()


def _category_names(ids: set[int | None]) -> dict[int | None, str]:
    wanted = [category_id for category_id in ids if category_id is not None]
    if not wanted:
        return {}
    found = db.session.execute(select(Category.id, Category.name).where(Category.id.in_(wanted)))
    return {category_id: name for category_id, name in found}


def reverse_facts(*, original: LedgerTransaction, reversal: LedgerTransaction) -> int:
    """The facts of `original`, negated, on its `reversal` (the treasurer
    reversed a sale or a refund): the reports move with the ledger. Returns
    how many were written; none when `original` had none or `reversal`
    already has them."""
    if _has_facts(reversal):
        return 0
    facts = db.session.scalars(
        select(CommissionFact)
        .where(CommissionFact.transaction_id == original.id)
        .order_by(CommissionFact.id)
    ).all()
    month = month_of(as_utc(reversal.occurred_at))
    for fact in facts:
        db.session.add(
            CommissionFact(
                transaction_id=reversal.id,
                month=month,
                gross=-fact.gross,
                commission=-fact.commission,
                **{name: getattr(fact, name) for name in FACT_SUBJECT},
            )
        )
    db.session.flush()
    return len(facts)


def cash_account(order: Order) -> str:
    """Where a paid order's money sits: Stripe's balance for a card, else the bank."""
    return CASH_STRIPE if order.payment_method == PaymentMethod.STRIPE else CASH_BANK


def sale_entries(order: Order) -> list[tuple[str, int]]:
    """The sale of a bank transfer or card order: what it posts when paid."""
    entries: list[tuple[str, int]] = [(cash_account(order), order.total)]
    for part in order.parts:
        entries.append((pending_account(part.member_id), -part.member_share))
        entries.extend((code, -amount) for code, amount in commission_split(part, order).items())
    entries.append((TRANSFER_CODE, -order.unique_code))
    return _merged(entries)


def post_transfer_sale(
    *, order: Order, by: User | None, when: datetime
) -> LedgerTransaction | None:
    return _post(
        key=f"order:{order.id}:sale",
        kind=TransactionKind.SALE,
        entries=sale_entries(order),
        subject=("order", order.id),
        memo=f"Penjualan {order.code} ({SALE_WORDS[order.payment_method]})",
        when=when,
        by=by,
        parts=order.parts,
    )


def post_payment_fee(*, order: Order, fee: int, when: datetime) -> LedgerTransaction | None:
    """The fee the card provider kept of the order's payment, out of its
    balance: the treasurer sees net income. Once per order."""
    return _post(
        key=f"order:{order.id}:payment-fee",
        kind=TransactionKind.FEE,
        entries=[(PAYMENT_FEES, fee), (CASH_STRIPE, -fee)],
        subject=("order", order.id),
        memo=f"Biaya Stripe untuk pesanan {order.code}",
        when=when,
        by=None,
    )


def post_cash_sale(*, part: OrderPart, by: User, when: datetime) -> LedgerTransaction | None:
    """The member took the cash: they owe the association its commission."""
    order = part.order
    entries = [(available_account(part.member_id), part.commission_total)]
    entries.extend((code, -amount) for code, amount in commission_split(part, order).items())
    return _post(
        key=f"seller-order:{part.id}:cash-sale",
        kind=TransactionKind.SALE,
        entries=entries,
        subject=("order", order.id),
        memo=f"Penjualan {order.code} (tunai, {part.member.shop_name})",
        when=when,
        by=by,
        parts=[part],
    )


def post_release(*, part: OrderPart, when: datetime) -> LedgerTransaction | None:
    """A completed part's share moves from pending to available (payable out)."""
    return _post(
        key=f"seller-order:{part.id}:release",
        kind=TransactionKind.ADJUSTMENT,
        entries=[
            (pending_account(part.member_id), part.member_share),
            (available_account(part.member_id), -part.member_share),
        ],
        subject=("order", part.order_id),
        memo=f"Pesanan {part.order.code} selesai: bagian {part.member.shop_name} siap dibayarkan",
        when=when,
        by=None,
    )


def refund_entries(part: OrderPart) -> list[tuple[str, int]]:
    """The part's share of the sale reversed (it is still pending: only an
    unfinished part can be cancelled), now owed back to the shopper:
    `part.refund_amount`, which is the part's total, plus the order's unique
    code (`part.refund_unique_code`) when it is the last part of the order to go."""
    entries = [(pending_account(part.member_id), part.member_share)]
    entries.extend(commission_split(part, part.order).items())
    entries.append((TRANSFER_CODE, part.refund_unique_code))
    entries.append((SHOPPER_REFUNDS, -part.refund_amount))
    return _merged(entries)


def post_refund(*, part: OrderPart, by: User, when: datetime) -> LedgerTransaction | None:
    return _post(
        key=f"seller-order:{part.id}:refund",
        kind=TransactionKind.REFUND,
        entries=refund_entries(part),
        subject=("order", part.order_id),
        memo=f"Pengembalian dana {part.order.code} ({part.member.shop_name})",
        when=when,
        by=by,
        parts=[part],
        sign=-1,
    )


def _refund_paid_key(part: OrderPart, reference: str | None) -> str:
    """One posting per refund sent: the part's (the treasurer's transfer),
    or the provider's refund (`reference`, e.g. Stripe's `re_...`)."""
    if reference is None:
        return f"seller-order:{part.id}:refund-paid"
    return f"stripe-refund:{reference}:succeeded"


def post_refund_paid(
    *, part: OrderPart, by: User | None, when: datetime, reference: str | None = None
) -> LedgerTransaction | None:
    """The part's refund went back to the shopper, out of where the order's
    money sits (`cash_account`): the bank for a transfer (`by` the
    treasurer), Stripe's balance for a card (`by` None: Stripe confirmed the
    refund `reference`)."""
    order = part.order
    memo = f"Dana {order.code} ditransfer kembali ke pembeli"
    if reference is not None:
        memo = f"Dana {order.code} dikembalikan ke kartu pembeli lewat Stripe ({reference})"
    return _post(
        key=_refund_paid_key(part, reference),
        kind=TransactionKind.REFUND,
        entries=[(SHOPPER_REFUNDS, part.refund_amount), (cash_account(order), -part.refund_amount)],
        subject=("order", part.order_id),
        memo=memo,
        when=when,
        by=by,
    )


def post_refund_returned(
    *, part: OrderPart, reference: str, when: datetime
) -> LedgerTransaction | None:
    """A card refund Stripe had confirmed failed after all (the card could
    not take it): the money is back in Stripe's balance and owed to the
    shopper again. The reversal of `post_refund_paid` for `reference`."""
    order = part.order
    return _post(
        key=f"stripe-refund:{reference}:failed",
        kind=TransactionKind.REFUND,
        entries=[(cash_account(order), part.refund_amount), (SHOPPER_REFUNDS, -part.refund_amount)],
        subject=("order", part.order_id),
        memo=f"Pengembalian dana {order.code} lewat Stripe gagal ({reference}): terutang lagi",
        when=when,
        by=None,
    )
