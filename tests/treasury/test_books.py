"""Closing a month: the page shows the month to close next (months close in
order), its closing trial balance and fund totals once it has ended; the
close is one commit with its audit event; a stale or refused close writes
nothing; `flask ledger close` does the same from the command line."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.extensions import db
from marketplace.ledger.models import LedgerMonthTotal, LedgerPeriodClose
from marketplace.ledger.services import close_month, closed_through, post
from marketplace.treasury import services
from tests.factories import UserFactory
from tests.orders.flows import paid_order
from tests.sql import recorded_statements
from tests.treasury.helpers import treasurer

pytestmark = pytest.mark.usefixtures("app_context")

JANUARY = datetime(2025, 1, 15, 5, 0, tzinfo=UTC)
FEBRUARY = datetime(2025, 2, 10, 5, 0, tzinfo=UTC)


@pytest.fixture
def me(login_as):
    return login_as(treasurer())


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.get("_flashes", [])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.text)


def sale(key: str, when: datetime, amount: int = 100_000) -> None:
    commission = amount // 20
    post(
        key=key,
        kind="sale",
        occurred_at=when,
        entries=[
            ("cash:bank", amount),
            ("payable:member:7:pending", -(amount - commission)),
            ("income:commission:empowerment", -(commission // 2)),
            ("income:commission:central", -(commission - commission // 2)),
        ],
    )


def written() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (LedgerPeriodClose, LedgerMonthTotal, AuditEvent)
    )


def events(action: AuditAction) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the page -------------------------------------------------------------------------


def test_with_no_posting_there_is_nothing_to_close(client, me):
    page = client.get("/bendahara/tutup-buku")
    assert page.status_code == 200
    assert "Belum ada transaksi di buku besar" in page.text
    assert 'tutup-buku" novalidate' not in page.text


def test_a_month_that_has_not_ended_is_shown_without_a_form(client, me):
    post(
        key="today",
        kind="fee",
        entries=[("expense:payment-fees", 1_000), ("cash:bank", -1_000)],
    )
    db.session.commit()
    page = client.get("/bendahara/tutup-buku")
    text = text_of(page)
    assert "Bulan ini belum berakhir" in text
    assert 'name="checked"' not in text


def test_the_page_shows_the_months_closing_trial_balance_and_fund_totals(client, me):
    sale("jan-1", JANUARY)
    sale("jan-2", JANUARY, 40_000)
    sale("feb-1", FEBRUARY, 1_000_000)  # after January: not in its trial balance
    db.session.commit()
    page = client.get("/bendahara/tutup-buku")
    text = text_of(page)
    assert page.status_code == 200
    assert "Siap ditutup: Januari 2025" in text
    assert "berurutan" in text
    # Cash at the end of January: 140.000 debit; payable 133.000 credit; income 7.000.
    assert re.search(r"Kas di rekening bank.*?cash:bank</span></th> <td[^>]*>Rp140\.000</td>", text)
    assert re.search(
        r"payable:member:7:pending</span></th> <td[^>]*></td> <td[^>]*>Rp133\.000", text
    )
    assert re.search(r"Jumlah</th><td[^>]*>Rp140\.000</td><td[^>]*>Rp140\.000</td>", text)
    assert "Debit dan kredit sama" in text
    # Funds: 5 % of 140.000 = 7.000, half to empowerment (2.500 + 1.000), the rest central.
    assert re.search(r"Pemberdayaan anggota</td><td[^>]*>Rp3\.500", text)
    assert re.search(r"Kantor pusat</td><td[^>]*>Rp3\.500", text)
    assert 'name="month" type="hidden" value="2025-01"' in text
    assert "Saya sudah memeriksa neraca saldo bulan ini" in text


def test_the_page_costs_the_same_queries_whatever_the_number_of_closes(client, me):
    def cost() -> int:
        with recorded_statements() as statements:
            assert client.get("/bendahara/tutup-buku").status_code == 200
        return len(statements)

    sale("jan", JANUARY)
    db.session.commit()
    close_month(month=date(2025, 1, 1), closed_by=me)
    db.session.commit()
    cost()
    first = cost()
    for month in (2, 3, 4, 5):
        close_month(month=date(2025, month, 1), closed_by=UserFactory(roles=[Role.TREASURER]))
        db.session.commit()
    assert cost() == first


# --- closing --------------------------------------------------------------------------


def test_closing_the_month_writes_the_close_and_one_audit_event(client, me):
    sale("jan", JANUARY)
    db.session.commit()
    response = client.post("/bendahara/tutup-buku", data={"month": "2025-01", "checked": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bendahara/tutup-buku")
    assert flashes(client)[-1][0] == "success"
    assert closed_through() == date(2025, 1, 1)
    [event] = events(AuditAction.MONTH_CLOSED)
    assert event.actor_id == me.id
    assert (event.subject_type, event.subject_id) == ("month", 202501)
    assert event.after == {
        "month": "2025-01",
        "funds": {"empowerment": 2_500, "central": 2_500, "chapters": 0, "total": 5_000},
    }
    assert event.client_address == "127.0.0.1"
    # The list below names who closed it; February is next.
    text = text_of(client.get("/bendahara/tutup-buku"))
    assert "Siap ditutup: Februari 2025" in text
    assert re.search(r"Januari 2025</p> <p[^>]*>Ditutup .* oleh Siti Bendahara", text)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"month": "2025-01"}, "Centang dahulu"),
        ({"month": "bukan", "checked": "y"}, "Data formulir tidak dikenali"),
        ({"checked": "y"}, "Data formulir tidak dikenali"),
    ],
)
def test_an_incomplete_form_closes_nothing(client, me, data, says):
    sale("jan", JANUARY)
    db.session.commit()
    before = written()
    response = client.post("/bendahara/tutup-buku", data=data)
    assert response.status_code == 400
    assert says in response.text
    assert written() == before


@pytest.mark.parametrize(
    ("month", "says"),
    [
        ("2025-01", "Buku bulan 01/2025 sudah ditutup."),  # the stale page: closed meanwhile
        ("2025-03", "Buku ditutup berurutan: tutup dahulu bulan 02/2025, lalu 03/2025."),
        ("2099-01", "Bulan yang belum berakhir belum dapat ditutup."),
    ],
)
def test_a_stale_or_out_of_order_close_is_refused_with_the_ledgers_message(client, me, month, says):
    sale("jan", JANUARY)
    db.session.commit()
    close_month(month=date(2025, 1, 1), closed_by=UserFactory(roles=[Role.TREASURER]))
    db.session.commit()
    before = written()
    response = client.post("/bendahara/tutup-buku", data={"month": month, "checked": "y"})
    assert response.status_code == 302
    assert flashes(client)[-1] == ("danger", says)
    db.session.expire_all()
    assert written() == before
    assert closed_through() == date(2025, 1, 1)


def test_the_service_records_the_event_only_with_the_close(app):
    sale("jan", JANUARY)
    db.session.commit()
    who = treasurer()
    services.close_month(month=date(2025, 1, 1), by=who)
    with pytest.raises(Exception, match="sudah ditutup"):
        services.close_month(month=date(2025, 1, 1), by=who)
    db.session.commit()
    assert len(events(AuditAction.MONTH_CLOSED)) == 1


def test_a_closed_months_fund_totals_come_from_real_orders(client, me):
    order = paid_order()  # paid on 2 March 2026
    commission = sum(part.commission_total for part in order.parts)
    response = client.post("/bendahara/tutup-buku", data={"month": "2026-03", "checked": "y"})
    assert response.status_code == 302
    [event] = events(AuditAction.MONTH_CLOSED)
    assert event.after["funds"]["total"] == commission > 0


# --- the command line -----------------------------------------------------------------


def test_flask_ledger_close_closes_the_month_as_the_treasurer(app, runner):
    sale("jan", JANUARY)
    who = treasurer()
    db.session.commit()
    result = runner.invoke(args=["ledger", "close", "2025-01", "--by", who.email.upper()])
    assert result.exit_code == 0, result.output
    assert "Buku Januari 2025 ditutup oleh Siti Bendahara" in result.output
    assert "Pendapatan komisi: Rp5.000" in result.output
    db.session.expire_all()
    assert closed_through() == date(2025, 1, 1)
    [event] = events(AuditAction.MONTH_CLOSED)
    assert event.actor_id == who.id and event.client_address is None


@pytest.mark.parametrize(
    ("month", "who", "says"),
    [
        ("2025-02", "treasurer", "Buku ditutup berurutan"),
        ("2099-01", "treasurer", "belum berakhir"),
        ("2025-01", "admin", "bukan bendahara"),
        ("2025-01", "nobody", "bukan bendahara"),
        ("2025-13", "treasurer", "tahun-bulan"),
    ],
)
def test_flask_ledger_close_refuses_and_writes_nothing(app, runner, month, who, says):
    sale("jan", JANUARY)
    people = {
        "treasurer": treasurer().email,
        "admin": UserFactory(roles=[Role.ADMIN]).email,
        "nobody": "tidak.ada@contoh.id",
    }
    db.session.commit()
    before = written()
    result = runner.invoke(args=["ledger", "close", month, "--by", people[who]])
    assert result.exit_code != 0
    assert says in result.output
    db.session.expire_all()
    assert written() == before
