import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.ledger.balances import (
    balance,
    balances,
    entries_of,
    problems,
    transactions_about,
    trial_balance,
)
from marketplace.ledger.errors import (
    IdempotencyConflict,
    InvalidPosting,
    LedgerError,
    PeriodClosed,
)
from marketplace.ledger.models import AccountKind, LedgerAccount, LedgerTransaction
from marketplace.ledger.services import close_month, post, reverse
from tests.factories import UserFactory
from tests.ledger.helpers import NOTHING, SALE, rows, sum_of_all_entries
from tests.sql import recorded_statements

pytestmark = pytest.mark.usefixtures("app_context")

JANUARY = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)


def sale(key: str = "order:17:sale", **changes) -> LedgerTransaction:
    arguments = {
        "key": key,
        "kind": "sale",
        "entries": SALE,
        "subject": ("order", 17),
        "occurred_at": JANUARY,
    }
    return post(**(arguments | changes))


# --- posting ------------------------------------------------------------------


def test_a_sale_is_recorded_with_its_entries_and_opens_its_accounts(app):
    treasurer = UserFactory(roles=[Role.TREASURER])
    transaction = sale(
        memo="Pesanan #17",
        recorded_by=treasurer,
        names={"cash:bank": "Kas bank", "payable:member:12:pending": "Utang anggota 12 (tertahan)"},
    )
    db.session.commit()

    assert transaction.kind == "sale"
    assert (transaction.subject_type, transaction.subject_id) == ("order", 17)
    assert transaction.recorded_by_id == treasurer.id
    assert transaction.memo == "Pesanan #17"
    assert [(entry.account.code, entry.amount) for entry in entries_of(transaction)] == SALE
    accounts = {
        account.code: (account.kind, account.name)
        for account in db.session.scalars(select(LedgerAccount))
    }
    assert accounts["cash:bank"] == (AccountKind.ASSET, "Kas bank")
    assert accounts["payable:member:12:pending"] == (
        AccountKind.LIABILITY,
        "Utang anggota 12 (tertahan)",
    )
    # Named by whoever owns the codes; the ledger knows no words of its own.
    assert accounts["income:commission:kecamatan:sokaraja"] == (
        AccountKind.INCOME,
        "income:commission:kecamatan:sokaraja",
    )
    assert rows()["ledger_accounts"] == len(SALE)
    assert problems() == []


def test_a_posting_reads_its_open_accounts_in_one_query_and_opens_only_new_ones(app):
    sale("order:17:sale")
    db.session.commit()
    new_member = [*SALE[:1], ("payable:member:13:pending", -109_250), *SALE[2:]]

    with recorded_statements() as seen:
        sale("order:18:sale")
    again = [s for s in seen if "FROM ledger_accounts" in s]
    with recorded_statements() as seen:
        sale("order:19:sale", entries=new_member)
    db.session.commit()
    opened = [s for s in seen if "INSERT INTO ledger_accounts" in s]

    assert len(again) == 1  # every account of the sale open already: one look, no insert
    assert len(opened) == 1  # only the new member's payable is opened
    assert balance("payable:member:13:pending") == 109_250
    assert balance("cash:bank") == 3 * 115_000
    assert rows()["ledger_accounts"] == len(SALE) + 1
    assert problems() == []


def test_balances_are_natural_signed(app):
    sale()
    post(
        key="order:17:fee",
        kind="fee",
        entries=[("expense:payment-fees", 4_000), ("cash:bank", -4_000)],
    )

    assert balance("cash:bank") == 111_000  # money held
    assert balance("payable:member:12:pending") == 109_250  # owed to the member
    assert balance("income:commission:central") == 1_725  # earned
    assert balance("expense:payment-fees") == 4_000
    assert balance("payable:member:99:available") == 0  # never posted to
    assert balances("income:commission") == {
        "income:commission:central": 1_725,
        "income:commission:empowerment": 2_875,
        "income:commission:kecamatan:sokaraja": 1_150,
    }


@pytest.mark.parametrize("prefix", ["payable:member:12", "payable:member:12:"])
def test_balances_of_a_prefix_stop_at_a_whole_segment(app, prefix):
    post(key="a", kind="sale", entries=[("cash:bank", 300), ("payable:member:12:pending", -300)])
    post(key="b", kind="sale", entries=[("cash:bank", 500), ("payable:member:120:pending", -500)])

    assert balances(prefix) == {"payable:member:12:pending": 300}
    assert balances() == {
        "cash:bank": 800,
        "payable:member:12:pending": 300,
        "payable:member:120:pending": 500,
    }


@pytest.mark.parametrize("prefix", ["payable_member", "Cash", "payable:%", "asset:x"])
def test_balances_refuse_what_is_not_a_code_prefix(app, prefix):
    with pytest.raises(ValueError):
        balances(prefix)


def test_the_trial_balance_debits_equal_its_credits_and_all_entries_sum_to_zero(app):
    sale()
    post(
        key="payout:3",
        kind="payout",
        entries=[("payable:member:12:pending", 100_000), ("cash:bank", -100_000)],
    )

    table = {row.code: (row.debit, row.credit, row.balance) for row in trial_balance()}
    assert table["cash:bank"] == (15_000, 0, 15_000)
    assert table["payable:member:12:pending"] == (0, 9_250, 9_250)
    assert table["income:commission:central"] == (0, 1_725, 1_725)
    assert sum(debit for debit, _, _ in table.values()) == sum(
        credit for _, credit, _ in table.values()
    )
    assert sum_of_all_entries() == 0


def test_the_order_of_entries_is_kept_and_the_caller_commits(app):
    transaction = sale()
    db.session.rollback()  # post() only flushed: the caller's rollback undoes it

    assert rows() == NOTHING
    assert db.session.get(LedgerTransaction, transaction.id) is None


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        ([("cash:bank", 1_000), ("income:transfer-code", -999)], "tidak seimbang"),
        ([("cash:bank", 1_000)], "dua akun"),
        ([("cash:bank", 1_000), ("cash:bank", -1_000)], "dua akun"),
        ([], "dua akun"),
        ([("cash:bank", 0), ("income:transfer-code", 0)], "tidak boleh nol"),
        ([("cash:bank", 1_000.0), ("income:transfer-code", -1_000)], "rupiah bulat"),
        ([("cash:bank", 0.1 + 0.2), ("income:transfer-code", -0.3)], "rupiah bulat"),
        ([("cash:bank", Decimal(1_000)), ("income:transfer-code", -1_000)], "rupiah bulat"),
        ([("cash:bank", "1000"), ("income:transfer-code", -1_000)], "rupiah bulat"),
        ([("cash:bank", True), ("income:transfer-code", -1)], "rupiah bulat"),
        ([("cash:bank", 1), ("income:transfer-code", False)], "rupiah bulat"),
        ([("Cash:Bank", 1_000), ("income:transfer-code", -1_000)], "Kode akun"),
        ([("asset:bank", 1_000), ("income:transfer-code", -1_000)], "Kode akun"),
        ([("cash", 1_000), ("income:transfer-code", -1_000)], "Kode akun"),
        ([("cash:bank_jateng", 1_000), ("income:transfer-code", -1_000)], "Kode akun"),
        ([("cash:bank", 1_000, "x"), ("income:transfer-code", -1_000)], "kode akun dan jumlah"),
    ],
)
def test_a_malformed_posting_is_refused_and_writes_nothing(app, entries, says):
    with pytest.raises(InvalidPosting, match=says):
        post(key="k", kind="adjustment", entries=entries)

    assert rows() == NOTHING


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "bonus"},
        {"key": ""},
        {"key": "x" * 201},
        {"subject": ("order", "17")},
        {"subject": ("Order Lines", 17)},
        {"subject": ("order",)},
        {"occurred_at": datetime(2024, 1, 15, 9, 30)},  # no time zone
        {"names": {"cash:bank": ""}},
        {"names": {"cash:bank": "x" * 201}},
        {"names": {"cash:bank": 12}},
    ],
)
def test_other_malformed_arguments_are_refused(app, changes):
    with pytest.raises(InvalidPosting):
        sale(**changes)

    assert rows() == NOTHING


# --- idempotency ----------------------------------------------------------------


def test_posting_the_same_key_twice_posts_once(app):
    first = sale()
    db.session.commit()
    shuffled = random.Random(4).sample(SALE, len(SALE))
    again = sale(entries=shuffled, memo="dicoba lagi", occurred_at=JANUARY + timedelta(days=1))

    assert again.id == first.id
    assert rows()["ledger_transactions"] == 1
    assert rows()["ledger_entries"] == len(SALE)
    assert balance("cash:bank") == 115_000


@pytest.mark.parametrize(
    "changes",
    [
        {
            "entries": [
                ("cash:bank", 115_001),
                *SALE[1:3],
                ("income:commission:central", -1_726),
                SALE[4],
            ]
        },
        {"entries": [("cash:stripe", 115_000), *SALE[1:]]},
        {"entries": SALE[:1] + [("payable:member:12:pending", -115_000)]},
        {"kind": "adjustment"},
        {"subject": ("order", 18)},
        {"subject": None},
    ],
)
def test_the_same_key_with_a_different_body_is_refused(app, changes):
    first = sale()
    db.session.commit()
    before = rows()

    with pytest.raises(IdempotencyConflict, match="sudah dipakai"):
        sale(**changes)

    assert rows() == before
    assert entries_of(first)[0].amount == 115_000


# --- period close -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "refused"),
    [
        (datetime(2024, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=7))), "01/2024"),
        (datetime(2024, 1, 31, 16, 59, tzinfo=UTC), "01/2024"),  # 23.59 WIB, 31 January
        (datetime(2024, 1, 31, 17, 0, tzinfo=UTC), None),  # 00.00 WIB, 1 February
        # Closed through January: the months before it are closed too.
        (datetime(2023, 12, 31, 16, 59, tzinfo=UTC), "12/2023"),  # still December in Banyumas
        (datetime(2023, 12, 31, 17, 0, tzinfo=UTC), "01/2024"),
        (datetime(2019, 6, 1, tzinfo=UTC), "06/2019"),
    ],
)
def test_a_closed_month_accepts_no_posting_dated_inside_it_or_before(app, moment, refused):
    close_month(month=date(2024, 1, 1), closed_by=UserFactory(roles=[Role.TREASURER]))
    db.session.commit()
    before = rows()

    if refused:
        with pytest.raises(PeriodClosed, match=f"{refused} sudah ditutup"):
            sale(occurred_at=moment)
        assert rows() == before
    else:
        assert sale(occurred_at=moment).id


def test_replaying_a_posting_after_its_month_closed_returns_it(app):
    first = sale()
    close_month(month=date(2024, 1, 1), closed_by=UserFactory(roles=[Role.TREASURER]))
    db.session.commit()

    assert sale().id == first.id


def test_closing_a_month_twice_is_refused(app):
    treasurer = UserFactory(roles=[Role.TREASURER])
    closed = close_month(month=date(2024, 2, 1), closed_by=treasurer)
    db.session.commit()

    with pytest.raises(PeriodClosed, match="02/2024 sudah ditutup"):
        close_month(month=date(2024, 2, 1), closed_by=treasurer)
    assert closed.closed_by_id == treasurer.id
    assert rows()["ledger_period_closes"] == 1


@pytest.mark.parametrize(
    ("month", "says"),
    [
        (date(2024, 2, 15), "tanggal 1"),
        (datetime(2024, 2, 1, tzinfo=UTC), "tanggal 1"),
        (datetime.now(UTC).date().replace(day=1), "belum berakhir"),
        (date(2999, 1, 1), "belum berakhir"),
    ],
)
def test_only_a_month_that_has_ended_can_be_closed(app, month, says):
    with pytest.raises(LedgerError, match=says):
        close_month(month=month, closed_by=UserFactory(roles=[Role.TREASURER]))

    assert rows()["ledger_period_closes"] == 0


# --- reversal -----------------------------------------------------------------------


def test_a_reversal_posts_the_negated_entries_and_nets_to_zero(app):
    original = sale()
    reversal = reverse(transaction=original, key="order:17:sale:reversal")
    db.session.commit()

    assert [(entry.account.code, entry.amount) for entry in entries_of(reversal)] == [
        (code, -amount) for code, amount in SALE
    ]
    assert reversal.reverses_id == original.id
    assert reversal.kind == "adjustment"
    assert (reversal.subject_type, reversal.subject_id) == ("order", 17)
    assert reversal.memo == f"Pembalikan transaksi #{original.id}"
    assert set(balances().values()) == {0}
    assert [t.id for t in transactions_about("order", 17)] == [original.id, reversal.id]
    assert problems() == []


def test_a_transaction_is_reversed_once(app):
    original = sale()
    first = reverse(transaction=original, key="r1")
    db.session.commit()

    assert reverse(transaction=original, key="r1").id == first.id
    with pytest.raises(LedgerError, match="sudah pernah dibalik"):
        reverse(transaction=original, key="r2")
    assert rows()["ledger_transactions"] == 2


def test_a_reversal_can_itself_be_reversed(app):
    original = sale()
    reversal = reverse(transaction=original, key="r1", kind="refund")
    again = reverse(transaction=reversal, key="r2")

    assert [(e.account.code, e.amount) for e in entries_of(again)] == SALE
    assert balance("cash:bank") == 115_000
    assert sum_of_all_entries() == 0
