"""Cash commission deposits (treasury.deposits): a member who owes the
commission of their cash sales brings it; the deposit settles the debt,
never more than it, even when two are recorded at once (PostgreSQL)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems
from marketplace.members.models import Member
from marketplace.treasury import deposits
from marketplace.treasury.deposits import DepositError
from marketplace.treasury.models import CommissionDeposit
from tests import factories
from tests.orders.helpers import count
from tests.treasury.payout_helpers import (
    banked_member,
    earn,
    member_balances,
    owe_cash_commission,
    treasurer,
)
from tests.treasury.test_payouts import race

TODAY = date(2026, 12, 6)


def record(member, amount, **changes):
    values = {
        "member": member,
        "amount": amount,
        "deposited_on": TODAY,
        "reference": "Kuitansi 17",
        "by": treasurer(),
        "today": TODAY,
    }
    return deposits.record_deposit(**(values | changes))


def test_a_deposit_settles_what_the_member_owes(app_context):
    member = banked_member()
    assert owe_cash_commission(member, 300_000) == 15_000
    bank_before = balance("cash:bank")

    record(member, 10_000)
    assert deposits.owed(member.id) == 5_000
    record(member, 5_000, reference="")
    db.session.commit()

    assert deposits.owed(member.id) == 0
    assert member_balances(member)["available"] == 0
    assert balance("cash:bank") == bank_before + 15_000
    assert count(CommissionDeposit) == 2
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.COMMISSION_DEPOSITED)
    ).all()
    assert [event.after["owed"] for event in events] == [5_000, 0]
    assert problems() == []


@pytest.mark.parametrize(
    ("amount", "changes", "message"),
    [
        (15_001, {}, "hanya berutang komisi Rp15.000"),
        (0, {}, "harus lebih dari Rp0"),
        (1_000, {"deposited_on": TODAY + timedelta(days=1)}, "masa depan"),
        (1_000, {"reference": "x" * 101}, "paling panjang 100"),
    ],
)
def test_a_wrong_deposit_is_refused_and_writes_nothing(app_context, amount, changes, message):
    member = banked_member()
    owe_cash_commission(member, 300_000)
    with pytest.raises(DepositError, match=message):
        record(member, amount, **changes)
    db.session.flush()
    assert count(CommissionDeposit) == 0
    assert deposits.owed(member.id) == 15_000


def test_a_member_who_owes_nothing_deposits_nothing(app_context):
    member = banked_member()
    earn(member, 50_000)
    with pytest.raises(DepositError, match="tidak berutang komisi tunai"):
        record(member, 1_000)


@pytest.mark.postgres
def test_two_deposits_of_the_whole_debt_at_once_settle_it_once(make_app):
    app = make_app()
    with app.app_context():
        member = banked_member()
        owe_cash_commission(member, 300_000)
        officers = [treasurer("A").id, treasurer("B").id]
        member_id = member.id
        db.session.commit()

    def deposit(number: int) -> int:
        return deposits.record_deposit(
            member=db.session.get(Member, member_id),
            amount=15_000,
            deposited_on=TODAY,
            reference=f"Kuitansi {number}",
            by=db.session.get(User, officers[number]),
            today=TODAY,
        ).id

    outcomes = race(app, deposit, threads=2)

    assert len([o for o in outcomes if isinstance(o, DepositError)]) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(CommissionDeposit.id))) == 1
        assert deposits.owed(member_id) == 0
        assert problems() == []


# --- the page ---------------------------------------------------------------------------


@pytest.fixture
def me(client, app_context):
    user = factories.UserFactory(roles=[Role.TREASURER], name="Siti Bendahara")
    factories.log_in(client, user)
    return user


def test_the_treasurer_records_a_deposit_from_the_balances_page(client, me):
    member = banked_member(shop_name="Warung Mendoan Bu Tin")
    owe_cash_commission(member, 200_000)
    db.session.commit()
    earlier = date.today() - timedelta(days=3)

    balances_page = client.get("/bendahara/anggota").text
    assert f"/bendahara/anggota/{member.id}/setoran" in balances_page
    page = client.get(f"/bendahara/anggota/{member.id}/setoran").text
    assert "Utang komisi saat ini" in page and "Rp10.000" in page

    wrong = client.post(
        f"/bendahara/anggota/{member.id}/setoran",
        data={"amount": "12.000", "deposited_on": f"{earlier:%Y-%m-%d}", "reference": ""},
    )
    assert wrong.status_code == 400
    assert "hanya berutang komisi Rp10.000" in wrong.text
    bad = client.post(
        f"/bendahara/anggota/{member.id}/setoran",
        data={"amount": "sepuluh", "deposited_on": "kemarin"},
    )
    assert bad.status_code == 400 and "Tanggal tidak valid" in bad.text
    assert count(CommissionDeposit) == 0

    response = client.post(
        f"/bendahara/anggota/{member.id}/setoran",
        data={
            "amount": "10.000",
            "deposited_on": f"{earlier:%d-%m-%Y}",
            "reference": "Kuitansi 88",
        },
        follow_redirects=True,
    )
    assert "Setoran komisi Rp10.000 dari Warung Mendoan Bu Tin dicatat" in response.text
    assert deposits.owed(member.id) == 0
    page = client.get(f"/bendahara/anggota/{member.id}/setoran").text
    assert "Kuitansi 88" in page and "tidak berutang komisi tunai" in page
