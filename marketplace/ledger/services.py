"""Writes to the ledger: post a transaction, reverse one, close a month.
They flush, never commit: the caller commits once, together with the state
change the posting belongs to.

    post(key="order:17:sale", kind="sale", subject=("order", 17), entries=[
        ("cash:bank", 115_000),                  # debit: positive
        ("payable:member:12:pending", -109_250),  # credit: negative
        ("income:commission:central", -5_750),
    ])
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import Date, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from marketplace.core.clock import WIB, as_utc  # months and days are those of Banyumas
from marketplace.extensions import db
from marketplace.ledger.errors import (
    IdempotencyConflict,
    InvalidPosting,
    LedgerError,
    PeriodClosed,
)
from marketplace.ledger.models import (
    KIND_BY_PREFIX,
    LedgerAccount,
    LedgerEntry,
    LedgerMonthTotal,
    LedgerPeriodClose,
    LedgerTransaction,
    TransactionKind,
)

CODE_PATTERN = re.compile(r"(cash|payable|income|expense)(:[a-z0-9][a-z0-9-]*)+")
CODE_LENGTH = 120
NAME_LENGTH = 200
KEY_LENGTH = 200
SUBJECT_TYPE_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,39}")
# pg_advisory_xact_lock(space, yyyymm): postings share a month's lock, its close takes it alone.
PERIOD_LOCK_SPACE = 0x4C454447  # "LEDG"


class HasId(Protocol):
    """A user (accounts.User) or anything else with a database id."""

    id: int


Entries = Sequence[tuple[str, int]]


def post(
    *,
    key: str,
    kind: TransactionKind | str,
    entries: Entries,
    names: Mapping[str, str] | None = None,
    occurred_at: datetime | None = None,
    memo: str = "",
    subject: tuple[str, int] | None = None,
    recorded_by: HasId | None = None,
) -> LedgerTransaction:
    """Record one transaction whose `entries` (account code, signed rupiah:
    debit positive, credit negative) sum to zero, opening accounts on first
    use, named as `names` says (the ledger knows no words: the domain that
    owns the codes names them; without a name an account is named by its
    code). Posting the same `key` again with the same kind, entries and subject
    returns the first transaction and writes nothing; with anything else it
    is refused. Raises a `LedgerError` and writes nothing when refused."""
    return _record(
        key=key,
        kind=_kind(kind),
        entries=_checked_entries(entries),
        names=_checked_names(names or {}),
        occurred_at=occurred_at,
        memo=memo,
        subject=_checked_subject(subject),
        recorded_by=recorded_by,
        reverses=None,
    )


def reverse(
    *,
    transaction: LedgerTransaction,
    key: str,
    occurred_at: datetime | None = None,
    memo: str = "",
    recorded_by: HasId | None = None,
    kind: TransactionKind | str = TransactionKind.ADJUSTMENT,
) -> LedgerTransaction:
    """Post the negation of `transaction`, about the same subject: the way to
    correct a mistake (entries are never edited). A transaction is reversed
    at most once; the same `key` again returns the first reversal."""
    entries = [(entry.account.code, -entry.amount) for entry in transaction.entries]
    subject = (
        (transaction.subject_type, transaction.subject_id)
        if transaction.subject_type is not None and transaction.subject_id is not None
        else None
    )
    return _record(
        key=key,
        kind=_kind(kind),
        entries=_checked_entries(entries),
        names={},  # its accounts are open
        occurred_at=occurred_at,
        memo=memo or f"Pembalikan transaksi #{transaction.id}",
        subject=subject,
        recorded_by=recorded_by,
        reverses=transaction,
    )


def close_month(*, month: date, closed_by: HasId) -> LedgerPeriodClose:
    """Close `month` (its first day): from now on no posting may be dated in
    it or before it. Months close in order, each once, and only after they
    have ended. The close records what every account moved in the month
    (`LedgerMonthTotal`), in the same transaction."""
    if isinstance(month, datetime) or not isinstance(month, date) or month.day != 1:
        raise LedgerError("Bulan ditulis sebagai tanggal 1 bulan itu.")
    if next_month(month) > datetime.now(WIB).date():
        raise LedgerError("Bulan yang belum berakhir belum dapat ditutup.")
    _lock_period(month, exclusive=True)
    through = closed_through()
    if through is not None and month <= through:
        raise PeriodClosed(f"Buku bulan {month:%m/%Y} sudah ditutup.")
    due = month_to_close()
    if due is not None and month > due:
        raise LedgerError(
            f"Buku ditutup berurutan: tutup dahulu bulan {due:%m/%Y}, lalu {month:%m/%Y}."
        )
    closed_by_id = closed_by.id  # read after the query above flushed a new user
    close = LedgerPeriodClose(month=month, closed_by_id=closed_by_id)
    try:
        with db.session.begin_nested():
            db.session.add(close)
            db.session.flush()
            start, end = month_bounds(month)
            db.session.execute(
                insert(LedgerMonthTotal).from_select(
                    ["month", "account_id", "amount", "entry_count"],
                    select(
                        literal(month, Date),
                        LedgerEntry.account_id,
                        func.sum(LedgerEntry.amount),
                        func.count(LedgerEntry.id),
                    )
                    .where(LedgerEntry.occurred_at >= start, LedgerEntry.occurred_at < end)
                    .group_by(LedgerEntry.account_id),
                )
            )
    except IntegrityError as error:  # closed at the same moment by someone else (SQLite)
        raise PeriodClosed(f"Buku bulan {month:%m/%Y} sudah ditutup.") from error
    return close


def closed_through() -> date | None:
    """The last closed month (its first day): it and every month before it
    accept no posting. None while no month has been closed."""
    return db.session.scalar(select(func.max(LedgerPeriodClose.month)))


def month_to_close() -> date | None:
    """The month the treasurer closes next: the one after the last closed
    month, or, before any close, the month of the first posting. None when
    there is nothing to close yet (no posting, no close). It may not have
    ended yet."""
    through = closed_through()
    if through is not None:
        return next_month(through)
    first = db.session.scalar(select(func.min(LedgerTransaction.occurred_at)))
    return month_of(as_utc(first)) if first is not None else None


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC moments a Banyumas month starts and ends (exclusive)."""
    end = next_month(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=WIB).astimezone(UTC),
        datetime(end.year, end.month, 1, tzinfo=WIB).astimezone(UTC),
    )


def month_of(moment: datetime) -> date:
    """The first day of the Banyumas month `moment` falls in."""
    local = moment.astimezone(WIB)
    return date(local.year, local.month, 1)


# --- checking what is posted -------------------------------------------------


def _kind(kind: TransactionKind | str) -> TransactionKind:
    try:
        return TransactionKind(kind)
    except ValueError as error:
        raise InvalidPosting(f"Jenis transaksi tidak dikenal: {kind!r}.") from error


def _checked_entries(entries: Entries) -> list[tuple[str, int]]:
    checked = []
    for entry in entries:
        try:
            code, amount = entry
        except (TypeError, ValueError) as error:
            raise InvalidPosting("Setiap baris berisi kode akun dan jumlah.") from error
        if not isinstance(code, str) or len(code) > CODE_LENGTH or not CODE_PATTERN.fullmatch(code):
            raise InvalidPosting(f"Kode akun tidak sah: {code!r}.")
        # bool is an int subclass; float, Decimal and strings are not whole rupiah.
        if type(amount) is not int:
            raise InvalidPosting(f"Jumlah untuk {code} harus rupiah bulat, bukan {amount!r}.")
        if amount == 0:
            raise InvalidPosting(f"Jumlah untuk {code} tidak boleh nol.")
        checked.append((code, amount))
    if len({code for code, _ in checked}) < 2:
        raise InvalidPosting("Transaksi membutuhkan paling sedikit dua akun.")
    difference = sum(amount for _, amount in checked)
    if difference != 0:
        raise InvalidPosting(
            f"Transaksi tidak seimbang: debit dan kredit berselisih {difference} rupiah."
        )
    return checked


def _checked_names(names: Mapping[str, str]) -> Mapping[str, str]:
    for code, name in names.items():
        if not isinstance(name, str) or not name.strip() or len(name) > NAME_LENGTH:
            raise InvalidPosting(f"Nama akun {code} harus teks 1–{NAME_LENGTH} karakter.")
    return names


def _checked_subject(subject: tuple[str, int] | None) -> tuple[str, int] | None:
    if subject is None:
        return None
    try:
        subject_type, subject_id = subject
    except (TypeError, ValueError) as error:
        raise InvalidPosting("Subjek transaksi berupa (jenis, id).") from error
    if (
        not isinstance(subject_type, str)
        or not SUBJECT_TYPE_PATTERN.fullmatch(subject_type)
        or type(subject_id) is not int
    ):
        raise InvalidPosting(f"Subjek transaksi tidak sah: {subject!r}.")
    return subject_type, subject_id


def _checked_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > KEY_LENGTH:
        raise InvalidPosting(f"Kunci idempotensi harus teks 1–{KEY_LENGTH} karakter.")
    return key


def _moment(occurred_at: datetime | None) -> datetime:
    if occurred_at is None:
        return datetime.now(UTC)
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidPosting("Waktu transaksi harus memakai zona waktu.")
    return occurred_at.astimezone(UTC)


def _body_hash(
    *,
    kind: TransactionKind,
    entries: list[tuple[str, int]],
    subject: tuple[str, int] | None,
    reverses: LedgerTransaction | None,
) -> str:
    """What the posting moves, in a canonical form: the order of the entries
    does not matter; memo, date and recorder are not part of it."""
    body = {
        "kind": kind.value,
        "entries": sorted([code, amount] for code, amount in entries),
        "subject": list(subject) if subject else None,
        "reverses": reverses.id if reverses else None,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- recording ----------------------------------------------------------------


def _record(
    *,
    key: str,
    kind: TransactionKind,
    entries: list[tuple[str, int]],
    names: Mapping[str, str],
    occurred_at: datetime | None,
    memo: str,
    subject: tuple[str, int] | None,
    recorded_by: HasId | None,
    reverses: LedgerTransaction | None,
) -> LedgerTransaction:
    key = _checked_key(key)
    body_hash = _body_hash(kind=kind, entries=entries, subject=subject, reverses=reverses)
    existing = _transaction_by_key(key)
    if existing is not None:
        return _same_body(existing, body_hash)
    if reverses is not None and _reversal_of(reverses) is not None:
        raise LedgerError(f"Transaksi #{reverses.id} sudah pernah dibalik.")
    moment = _moment(occurred_at)
    month = month_of(moment)
    _lock_period(month, exclusive=False)
    if is_closed(month):
        raise PeriodClosed(f"Buku bulan {month:%m/%Y} sudah ditutup; catat di bulan berjalan.")
    accounts = _accounts({code for code, _ in entries}, names)
    transaction = LedgerTransaction(
        idempotency_key=key,
        body_hash=body_hash,
        kind=kind,
        occurred_at=moment,
        memo=memo,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
        reverses_id=reverses.id if reverses is not None else None,
        entries=[
            LedgerEntry(account=accounts[code], amount=amount, occurred_at=moment)
            for code, amount in entries
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(transaction)
            db.session.flush()
    except IntegrityError:
        # Someone else committed the same key (or reversed the same transaction)
        # between our look and our insert: the UNIQUE constraint decided.
        existing = _transaction_by_key(key)
        if existing is not None:
            return _same_body(existing, body_hash)
        if reverses is not None and _reversal_of(reverses) is not None:
            raise LedgerError(f"Transaksi #{reverses.id} sudah pernah dibalik.") from None
        raise
    return transaction


def _same_body(existing: LedgerTransaction, body_hash: str) -> LedgerTransaction:
    if existing.body_hash != body_hash:
        raise IdempotencyConflict(
            f"Kunci {existing.idempotency_key!r} sudah dipakai untuk transaksi lain "
            f"(#{existing.id}); isi transaksi tidak sama."
        )
    return existing


def _transaction_by_key(key: str) -> LedgerTransaction | None:
    return db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
    ).one_or_none()


def _reversal_of(transaction: LedgerTransaction) -> LedgerTransaction | None:
    return db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.reverses_id == transaction.id)
    ).one_or_none()


def _accounts(codes: set[str], names: Mapping[str, str]) -> dict[str, LedgerAccount]:
    """The accounts with `codes` by code, those never posted to opened now
    (in code order, as every posting opens them). One query for those open
    already: a sale names eight or so, and each confirmed transfer posts one."""
    found = {
        account.code: account
        for account in db.session.scalars(
            select(LedgerAccount).where(LedgerAccount.code.in_(codes))
        )
    }
    for code in sorted(codes - found.keys()):
        found[code] = _account(code, name=names.get(code) or code)
    return found


def _account(code: str, *, name: str) -> LedgerAccount:
    """The account with `code`, opened now, as `name`, if this is its first posting."""
    account = _account_by_code(code)
    if account is not None:
        return account
    kind = KIND_BY_PREFIX[code.split(":")[0]]
    account = LedgerAccount(code=code, name=name, kind=kind)
    try:
        with db.session.begin_nested():
            db.session.add(account)
            db.session.flush()
    except IntegrityError:  # opened at the same moment by another posting
        account = _account_by_code(code)
        if account is None:
            raise
    return account


def _account_by_code(code: str) -> LedgerAccount | None:
    return db.session.scalars(select(LedgerAccount).where(LedgerAccount.code == code)).one_or_none()


# --- periods --------------------------------------------------------------------


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def is_closed(month: date) -> bool:
    through = closed_through()
    return through is not None and month <= through


def _lock_period(month: date, *, exclusive: bool) -> None:
    """On PostgreSQL, a posting holds its month's lock shared and a close
    holds it alone until commit, so no posting slips into a month while it
    is being closed. (SQLite runs one writer at a time.)"""
    if db.session.connection().dialect.name != "postgresql":
        return
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    db.session.execute(select(lock(PERIOD_LOCK_SPACE, month.year * 100 + month.month)))
