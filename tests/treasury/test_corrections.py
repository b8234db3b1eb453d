"""Corrections: a manual adjustment between allowed accounts, previewed
before it is posted once, and the reversal of a transaction (once; never of
a reversal), each with its audit event; the reports follow the ledger."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.extensions import db
from marketplace.ledger.balances import balance
from marketplace.ledger.models import LedgerEntry, LedgerTransaction
from marketplace.ledger.services import post
from marketplace.members.models import MemberStatus
from marketplace.orders.models import CommissionFact
from marketplace.treasury import services
from marketplace.treasury.reports import Dimension, Period, funds, report
from tests import factories
from tests.members.helpers import member_in
from tests.orders.flows import books_balance, paid_order
from tests.sql import recorded_statements
from tests.treasury.helpers import treasurer

pytestmark = pytest.mark.usefixtures("app_context")

TOKEN = "Pq3xY8-kL2mN9vB4cD7eF1"
REASON = "Selisih mutasi bank 12 Mei, lihat rekening koran."


@pytest.fixture
def me(login_as):
    return login_as(treasurer())


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.get("_flashes", [])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.text)


def lines(*rows: tuple[str, str, str]) -> dict:
    data = {}
    for index, (account, debit, credit) in enumerate(rows):
        data |= {
            f"lines-{index}-account": account,
            f"lines-{index}-debit": debit,
            f"lines-{index}-credit": credit,
        }
    return data


GOOD = lines(("cash:bank", "15.000", ""), ("income:commission:central", "", "15.000"))


def written() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (LedgerTransaction, LedgerEntry, AuditEvent, CommissionFact)
    )


def events(action: AuditAction) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- adjustments ---------------------------------------------------------------------


def test_the_form_offers_only_the_allowed_accounts(client, me):
    approved = member_in(MemberStatus.APPROVED, shop_name="Keripik Sri")
    suspended = member_in(MemberStatus.SUSPENDED, shop_name="Toko Beku")
    db.session.commit()
    text = client.get("/bendahara/koreksi/penyesuaian").text
    offered = set(re.findall(r'<option value="([^"]+)"', text))
    assert {"cash:bank", "income:commission:empowerment", "income:commission:central",
            "income:transfer-code", "payable:shopper-refunds", "expense:payment-fees",
            f"payable:member:{approved.id}:available"} <= offered  # fmt: skip
    assert len({code for code in offered if code.startswith("income:commission:kecamatan:")}) == 27
    assert f"payable:member:{suspended.id}:available" not in offered
    assert not any(code.endswith((":pending", ":in-payout")) for code in offered)
    assert text.count('name="lines-5-account"') == 1 and 'name="lines-6-account"' not in text


def test_the_preview_shows_the_entries_and_writes_nothing(client, me):
    before = written()
    page = client.post(
        "/bendahara/koreksi/penyesuaian", data=GOOD | {"reason": REASON, "step": "preview"}
    )
    text = text_of(page)
    assert page.status_code == 200
    assert "Periksa penyesuaian" in text
    assert re.search(r"Kas di rekening bank</th> <td[^>]*>Rp15\.000</td> <td[^>]*></td>", text)
    assert re.search(r"kantor pusat</th> <td[^>]*></td> <td[^>]*>Rp15\.000</td>", text)
    assert re.search(r"Jumlah</th><td[^>]*>Rp15\.000</td><td[^>]*>Rp15\.000</td>", text)
    assert REASON in text
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text)[1]
    assert len(token) >= 16
    assert 'name="lines-0-debit" value="15.000"' in text
    assert written() == before


def test_confirming_posts_once_even_when_sent_twice(client, me):
    data = GOOD | {"reason": REASON, "token": TOKEN, "step": "confirm"}
    first = client.post("/bendahara/koreksi/penyesuaian", data=data)
    assert first.status_code == 302 and first.headers["Location"].endswith("/bendahara/koreksi")
    assert client.post("/bendahara/koreksi/penyesuaian", data=data).status_code == 302
    [transaction] = db.session.scalars(select(LedgerTransaction)).all()
    assert transaction.idempotency_key == f"adjustment:{TOKEN}"
    assert (transaction.kind, transaction.recorded_by_id, transaction.memo) == (
        "adjustment", me.id, REASON,
    )  # fmt: skip
    assert balance("cash:bank") == 15_000 and balance("income:commission:central") == 15_000
    [event] = events(AuditAction.LEDGER_ADJUSTED)
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        me.id, "ledger_transaction", transaction.id,
    )  # fmt: skip
    assert event.before is None
    assert event.after == {
        "entries": [
            {"account": "cash:bank", "amount": 15_000},
            {"account": "income:commission:central", "amount": -15_000},
        ],
        "reason": REASON,
    }
    assert books_balance()
    # The list of corrections shows it, with a link to the transaction.
    text = text_of(client.get("/bendahara/koreksi"))
    assert f'href="/bendahara/transaksi/{transaction.id}"' in text
    assert "Rp15.000" in text and REASON in text and "Siti Bendahara" in text


def test_a_member_s_available_payable_can_be_adjusted(client, me):
    member = member_in(MemberStatus.APPROVED)
    db.session.commit()
    code = f"payable:member:{member.id}:available"
    data = lines(("expense:payment-fees", "2.500", ""), (code, "", "2.500"))
    response = client.post(
        "/bendahara/koreksi/penyesuaian",
        data=data | {"reason": REASON, "token": TOKEN, "step": "confirm"},
    )
    assert response.status_code == 302
    assert balance(code) == 2_500


def test_the_same_token_with_other_lines_is_refused(client, me):
    data = GOOD | {"reason": REASON, "token": TOKEN, "step": "confirm"}
    client.post("/bendahara/koreksi/penyesuaian", data=data)
    before = written()
    other = lines(("cash:bank", "20.000", ""), ("income:commission:central", "", "20.000"))
    page = client.post(
        "/bendahara/koreksi/penyesuaian",
        data=other | {"reason": REASON, "token": TOKEN, "step": "confirm"},
    )
    assert page.status_code == 400
    assert "sudah dipakai untuk transaksi lain" in page.text
    assert written() == before


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (lines(("cash:bank", "15.000", ""), ("income:commission:central", "", "14.000")),
         "belum seimbang: selisih Rp1.000"),
        (lines(("cash:bank", "0", ""), ("income:commission:central", "", "0")),
         "Jumlah harus lebih dari Rp0."),
        (lines(("cash:bank", "", ""), ("income:commission:central", "", "15.000")),
         "Isi jumlah debit atau kredit."),
        (lines(("cash:bank", "15.000", "15.000"), ("income:commission:central", "", "15.000")),
         "Isi debit atau kredit saja, tidak keduanya."),
        (lines(("cash:bank", "15.000", ""), ("", "", "15.000")), "Pilih akun untuk baris ini."),
        (lines(("cash:bank", "15.000", "")), "paling sedikit dua baris"),
        (lines(("cash:bank", "15.000", ""), ("cash:bank", "", "15.000")),
         "Satu akun hanya boleh muncul sekali"),
        (lines(("cash:bank", "15.000", ""), ("payable:member:1:pending", "", "15.000")),
         "Akun ini tidak boleh disesuaikan"),
        (lines(("cash:bank", "15.000", ""), ("payable:member:1:in-payout", "", "15.000")),
         "Akun ini tidak boleh disesuaikan"),
        (lines(("cash:bank", "15.000", ""), ("income:commission:kecamatan:atlantis", "", "15.000")),
         "Akun ini tidak boleh disesuaikan"),
        (lines(("cash:bank", "15,5", ""), ("income:commission:central", "", "15.000")),
         "bilangan bulat"),
        (GOOD | {"reason": ""}, "Tuliskan alasan penyesuaian."),
        (GOOD | {"reason": "terlalu"}, "Alasan 10 sampai 500 karakter."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("step", ["preview", "confirm"])
def test_a_wrong_adjustment_is_refused_in_indonesian_and_writes_nothing(
    client, me, data, says, step
):
    data = {"reason": REASON, "token": TOKEN, "step": step} | data
    before = written()
    page = client.post("/bendahara/koreksi/penyesuaian", data=data)
    assert page.status_code == 400
    assert says in page.text
    assert "Periksa penyesuaian" not in page.text
    assert written() == before


@pytest.mark.parametrize("status", [MemberStatus.PENDING, MemberStatus.SUSPENDED])
def test_the_service_refuses_a_member_who_is_not_approved(app, status):
    member = member_in(status)
    code = f"payable:member:{member.id}:available"
    with pytest.raises(services.TreasuryError, match="tidak boleh disesuaikan"):
        services.post_adjustment(
            entries=[("cash:bank", 1_000), (code, -1_000)],
            reason=REASON,
            token=TOKEN,
            by=treasurer(),
        )


def test_editing_the_preview_shows_the_form_filled_in_again(client, me):
    page = client.post(
        "/bendahara/koreksi/penyesuaian",
        data=GOOD | {"reason": REASON, "token": TOKEN, "step": "edit"},
    )
    text = text_of(page)
    assert page.status_code == 200
    assert 'name="lines-0-debit" placeholder="0" type="text" value="15.000"' in text
    assert '<option selected value="cash:bank">' in text
    assert TOKEN not in text


# --- reversals ------------------------------------------------------------------------


def test_the_reversal_page_shows_the_negated_entries(client, me):
    order = paid_order()
    [sale] = db.session.scalars(select(LedgerTransaction)).all()
    text = text_of(client.get(f"/bendahara/transaksi/{sale.id}/balik"))
    assert f"Balik transaksi #{sale.id}" in text
    # The sale debited cash: its reversal credits it.
    amount = f"Rp{order.total:,}".replace(",", ".")
    assert re.search(rf"cash:bank</span></th> <td[^>]*></td> <td[^>]*>{amount}</td>", text)
    assert 'name="reason"' in text


def test_reversing_a_sale_posts_its_negation_moves_its_facts_and_is_audited(client, me):
    order = paid_order()  # March 2026
    [sale] = db.session.scalars(select(LedgerTransaction)).all()
    march = Period.month(date(2026, 3, 1))
    commission = funds(march).total
    assert commission > 0
    this_month = Period.month(date.today().replace(day=1))
    response = client.post(f"/bendahara/transaksi/{sale.id}/balik", data={"reason": REASON})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bendahara/koreksi")
    reversal = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.reverses_id == sale.id)
    ).one()
    assert reversal.idempotency_key == f"reversal:{sale.id}"
    assert reversal.recorded_by_id == me.id and REASON in reversal.memo
    assert balance("cash:bank") == 0
    assert books_balance()
    # The facts are negated in the month of the reversal: the reports follow the ledger.
    assert funds(this_month).total == -commission
    by_member = report(this_month, Dimension.MEMBER)
    assert by_member.commission == -commission and by_member.unattributed == 0
    assert report(march, Dimension.MEMBER).commission == commission
    total = Period(date(2026, 3, 1), date.today().replace(day=1))
    assert funds(total).total == 0 and report(total, Dimension.KECAMATAN).commission == 0
    [event] = events(AuditAction.LEDGER_REVERSED)
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        me.id, "ledger_transaction", sale.id,
    )  # fmt: skip
    assert event.after["reversal"] == reversal.id and event.after["reason"] == REASON
    assert order.id  # the order itself is not touched


def test_a_transaction_is_reversed_once(client, me):
    paid_order()
    [sale] = db.session.scalars(select(LedgerTransaction)).all()
    client.post(f"/bendahara/transaksi/{sale.id}/balik", data={"reason": REASON})
    before = written()
    again = client.post(f"/bendahara/transaksi/{sale.id}/balik", data={"reason": REASON})
    assert again.status_code == 400
    assert f"Transaksi #{sale.id} sudah pernah dibalik." in again.text
    assert written() == before
    assert len(events(AuditAction.LEDGER_REVERSED)) == 1
    page = client.get(f"/bendahara/transaksi/{sale.id}/balik")
    assert "sudah pernah dibalik" in page.text and 'name="reason"' not in page.text


def test_a_reversal_is_not_reversed(client, me):
    post(key="fee", kind="fee", entries=[("expense:payment-fees", 500), ("cash:bank", -500)])
    db.session.commit()
    original = db.session.scalars(select(LedgerTransaction)).one()
    client.post(f"/bendahara/transaksi/{original.id}/balik", data={"reason": REASON})
    reversal = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.reverses_id == original.id)
    ).one()
    before = written()
    page = client.post(f"/bendahara/transaksi/{reversal.id}/balik", data={"reason": REASON})
    assert page.status_code == 400
    assert "pembalikan tidak dapat dibalik lagi" in page.text
    assert written() == before


@pytest.mark.parametrize(("reason", "says"), [("", "Tuliskan alasan"), ("pendek", "10 sampai")])
def test_a_reversal_needs_a_reason(client, me, reason, says):
    post(key="fee", kind="fee", entries=[("expense:payment-fees", 500), ("cash:bank", -500)])
    db.session.commit()
    original = db.session.scalars(select(LedgerTransaction)).one()
    before = written()
    page = client.post(f"/bendahara/transaksi/{original.id}/balik", data={"reason": reason})
    assert page.status_code == 400 and says in page.text
    assert written() == before


def test_unknown_transactions_are_404(client, me):
    assert client.get("/bendahara/transaksi/999999/balik").status_code == 404
    assert (
        client.post("/bendahara/transaksi/999999/balik", data={"reason": REASON}).status_code == 404
    )


def test_the_corrections_search_goes_to_the_reversal_page(client, me):
    response = client.get("/bendahara/koreksi?transaksi=42")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bendahara/transaksi/42/balik")
    assert client.get("/bendahara/koreksi?transaksi=abc").status_code == 200


def test_the_corrections_list_costs_the_same_queries_whatever_its_length(client, me):
    def cost() -> int:
        with recorded_statements() as statements:
            assert client.get("/bendahara/koreksi").status_code == 200
        return len(statements)

    def adjust(number: int) -> None:
        services.post_adjustment(
            entries=[("cash:bank", number), ("income:transfer-code", -number)],
            reason=REASON,
            token=f"token-{number:016d}",
            by=factories.UserFactory(),
        )
        db.session.commit()

    adjust(1)
    cost()
    first = cost()
    for number in range(2, 8):
        adjust(number)
    assert cost() == first
