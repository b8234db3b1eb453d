"""A member's monthly statement (/kelola/saldo, and the treasurer's copy):
read from the ledger, so its closing balance is the member's accounts and
each month opens where the last one closed, for any history made through
the real services."""

import csv
import io
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.accounts.models import Role
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.ledger.services import next_month
from marketplace.orders import fulfilment
from marketplace.treasury import deposits, payouts
from marketplace.treasury.member_statement import balances_now, statement_for
from tests import factories
from tests.sql import recorded_statements
from tests.treasury.history import day_in, months_ago
from tests.treasury.payout_helpers import (
    approved_batch,
    banked_member,
    earn,
    owe_cash_commission,
    treasurer,
)
from tests.treasury.sales import refund, sell, shop

pytestmark = pytest.mark.usefixtures("app_context")

LAST, THIS = months_ago(1), months_ago(0)


def complete(part, when) -> None:
    member = part.member
    fulfilment.start_processing(part=part, member=member, now=when)
    fulfilment.dispatch(part=part, member=member, now=when)
    fulfilment.complete(part=part, member=member, now=when)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.text)


@pytest.fixture
def history():
    """Last month: a transfer sale completed, a cash sale, a transfer sale
    refunded; this month: a transfer sale not yet delivered."""
    member = shop("sokaraja", name="Keripik Bu Tini")
    delivered = sell(member, (20_000, 2, "makanan-minuman"), when=day_in(LAST, 3))
    complete(delivered, day_in(LAST, 5))
    cash = sell(member, (15_000, 1, "makanan-minuman"), when=day_in(LAST, 8), cash=True)
    refunded = sell(member, (30_000, 1, "makanan-minuman"), when=day_in(LAST, 12))
    refund(refunded, when=day_in(LAST, 14))
    waiting = sell(member, (12_000, 1, "makanan-minuman"), when=day_in(THIS, 1))
    db.session.commit()
    return member, delivered, cash, refunded, waiting


def test_last_months_statement_lists_each_posting_with_its_sale(history):
    member, delivered, cash, refunded, _ = history
    found = statement_for(member, LAST)
    assert found.opening.total == 0
    labels = [row.label for row in found.rows]
    assert labels == [
        "Penjualan",
        "Pesanan selesai: siap dibayarkan",
        "Penjualan tunai (komisi terutang)",
        "Penjualan",
        "Pengembalian dana",
    ]
    sale, release, cash_sale, _, refund_row = found.rows
    assert sale.order_code == delivered.order.code
    assert (sale.gross, sale.commission) == (40_000, delivered.commission_total)
    assert sale.delivery_fee == delivered.delivery_fee
    assert sale.change.pending == delivered.member_share
    assert release.change.total == 0 and release.change.available == delivered.member_share
    assert cash_sale.change.available == -cash.commission_total  # the member owes it
    assert refund_row.gross == -30_000 and refund_row.change.pending == -refunded.member_share
    closing = found.closing
    assert closing.available == delivered.member_share - cash.commission_total
    assert closing.pending == 0
    assert found.sales == 40_000 + 15_000 + 30_000


def test_this_month_opens_where_last_month_closed_and_closes_on_the_ledger(history):
    member, *_, waiting = history
    last, this = statement_for(member, LAST), statement_for(member, THIS)
    assert this.opening == last.closing
    assert this.closing == balances_now(member.id)
    assert this.closing.pending == waiting.member_share


def test_the_member_sees_their_own_statement_as_page_csv_and_print(client, history):
    member, delivered, *_ = history
    factories.log_in(client, member.user)
    page = client.get(f"/kelola/saldo?bulan={LAST:%Y-%m}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Saldo hasil penjualan" in text and delivered.order.code in text
    assert "Penjualan tunai (komisi terutang)" in text
    assert "Menjadi <strong>tersedia</strong> begitu pesanan selesai" in page.text

    download = client.get(f"/kelola/saldo.csv?bulan={LAST:%Y-%m}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith(f'-{LAST:%Y-%m}.csv"')
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Tanggal" and rows[1][1] == "Saldo awal" and rows[-1][1] == "Saldo akhir"
    closing = statement_for(member, LAST).closing
    assert rows[-1][-1] == str(closing.total)

    printable = client.get(f"/kelola/saldo/cetak?bulan={LAST:%Y-%m}")
    assert printable.status_code == 200
    assert "Laporan saldo anggota" in printable.text and "navbar" not in printable.text


def test_another_member_or_a_shopper_never_sees_it(client, history, login_as):
    member, delivered, *_ = history
    other = shop("wangon", name="Batik Lain")
    db.session.commit()
    factories.log_in(client, other.user)
    page = client.get(f"/kelola/saldo?bulan={LAST:%Y-%m}")
    assert page.status_code == 200 and delivered.order.code not in page.text
    # Their own ids only: there is no member id in the member's address at all.
    login_as(Role.SHOPPER)
    assert client.get("/kelola/saldo").status_code == 403
    assert client.get(f"/bendahara/anggota/{member.id}/laporan").status_code == 403


def test_the_treasurer_reads_any_members_statement(client, history, login_as):
    member, delivered, *_ = history
    login_as(Role.TREASURER)
    page = client.get(f"/bendahara/anggota/{member.id}/laporan?bulan={LAST:%Y-%m}")
    assert page.status_code == 200
    assert "Saldo Keripik Bu Tini" in page.text and delivered.order.code in page.text
    assert client.get(f"/bendahara/anggota/{member.id}/laporan.csv").status_code == 200
    assert client.get(f"/bendahara/anggota/{member.id}/laporan/cetak").status_code == 200
    assert client.get("/bendahara/anggota/2147483648/laporan").status_code == 404


def test_a_bad_month_falls_back_to_this_month_with_a_word(client, history):
    member, *_ = history
    factories.log_in(client, member.user)
    page = client.get("/kelola/saldo?bulan=kemarin")
    assert page.status_code == 200
    assert "Bulan ditulis sebagai tahun-bulan, misalnya 2026-11." in page.text


def test_the_statement_costs_the_same_queries_for_a_short_or_long_month():
    def cost(sales: int) -> int:
        member = shop("kembaran")
        for number in range(sales):
            part = sell(member, (10_000 + number, 1, "kerajinan"), when=day_in(LAST, 2 + number))
            complete(part, day_in(LAST, 3 + number))
        db.session.commit()
        with recorded_statements() as statements:
            statement_for(member, LAST)
        return len(statements)

    assert cost(1) == cost(6)


# --- the property: for any history -----------------------------------------------------

MONTHS = [months_ago(3), months_ago(2), months_ago(1), months_ago(0)]
steps = st.lists(
    st.tuples(
        st.sampled_from(["transfer", "cash", "complete", "refund", "payout", "deposit"]),
        st.integers(min_value=0, max_value=len(MONTHS) - 1),
        st.sampled_from([1_000, 7_500, 33_333]),
        st.integers(min_value=0, max_value=9),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_statements_chain_and_close_on_the_ledger_for_any_history(steps):
    member = banked_member(kecamatan=factories.kecamatan("ajibarang"))
    parts = []
    try:
        for action, month_index, price, pick in sorted(steps, key=lambda step: step[1]):
            when = day_in(MONTHS[month_index], 10 + pick)
            if action in ("payout", "deposit"):  # the treasurer, now
                money_step(member, action, pick)
                continue
            if action in ("transfer", "cash"):
                parts.append(
                    sell(member, (price, 1, "kerajinan"), when=when, cash=action == "cash")
                )
                continue
            open_parts = [p for p in parts if p.status in ("new", "processing")]
            if not open_parts:
                continue
            part = open_parts[pick % len(open_parts)]
            if action == "complete":
                complete(part, when)
            else:
                refund(part, when=when)
        db.session.flush()
        closing = None
        month = MONTHS[0]
        while month <= MONTHS[-1]:
            found = statement_for(member, month)
            if closing is not None:
                assert found.opening == closing
            closing = found.closing
            month = next_month(month)
        assert closing == balances_now(member.id)
    finally:
        db.session.rollback()


def money_step(member, action: str, pick: int) -> None:
    """A payout of the member's available balance (transferred, or failed
    when `pick` is odd), or a deposit of what they owe on cash sales; a
    refusal (too little to pay out, nothing owed) changes nothing."""
    try:
        with db.session.begin_nested():
            if action == "deposit":
                owes = deposits.owed(member.id)
                if owes > 0:
                    deposits.record_deposit(
                        member=member,
                        amount=owes,
                        deposited_on=date.today(),
                        reference="",
                        by=treasurer(),
                        today=date.today(),
                    )
                return
            batch = approved_batch(member)
            line = batch.lines[0]
            if pick % 2:
                payouts.record_failed(line=line, reason="Rekening ditutup bank.", by=treasurer())
            else:
                payouts.record_transferred(line=line, reference=f"TRF{pick}", by=treasurer())
    except DomainError:
        pass


def test_a_statement_of_a_member_with_nothing_is_empty():
    member = shop("patikraja")
    db.session.commit()
    found = statement_for(member, date(2026, 1, 1))
    assert found.rows == () and found.closing.total == 0


def test_payouts_and_deposits_read_in_words_with_their_bank_reference():
    member = banked_member()
    owes = owe_cash_commission(member, 20_000)
    deposits.record_deposit(
        member=member,
        amount=owes,
        deposited_on=date.today(),
        reference="KWT-7",
        by=treasurer(),
        today=date.today(),
    )
    earn(member, 60_000)
    batch = approved_batch(member)
    payouts.record_transferred(line=batch.lines[0], reference="BRI-20261206-01", by=treasurer())
    db.session.commit()
    found = statement_for(member, THIS)
    labels = [row.label for row in found.rows]
    assert "Setoran komisi penjualan tunai" in labels
    assert labels[-2:] == ["Disiapkan untuk dibayar ke rekening", "Ditransfer ke rekening"]
    assert "ref. BRI-20261206-01" in found.rows[-1].note
    assert found.closing == balances_now(member.id)
    assert found.closing.total == 0  # all paid out, nothing owed
