"""The membership part of `flask seed-demo`."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.demo.people import REJECTION_REASON, SUSPENSION_REASON
from marketplace.extensions import db
from marketplace.members import queries
from marketplace.members.models import DeliveryRate, Member, MemberStatus

pytestmark = pytest.mark.usefixtures("app_context")


def test_demo_has_members_in_every_status_with_shop_profiles(app, runner):
    result = runner.invoke(args=["seed-demo", "--members", "8", "--products", "8"])
    assert result.exit_code == 0, result.output

    members = db.session.scalars(select(Member)).all()
    by_status = {status: [m for m in members if m.status == status] for status in MemberStatus}
    assert len(by_status[MemberStatus.APPROVED]) == 8
    assert len(by_status[MemberStatus.PENDING]) == 2
    [rejected] = by_status[MemberStatus.REJECTED]
    [suspended] = by_status[MemberStatus.SUSPENDED]
    assert rejected.rejection_reason == REJECTION_REASON
    assert not suspended.user.has_role(Role.MEMBER)
    history = db.session.scalars(queries.decisions_of(suspended.id)).all()
    assert [(d.to_status, d.reason) for d in history] == [
        ("suspended", SUSPENSION_REASON),
        ("approved", ""),
    ]
    for member in members:
        assert member.bank_name and member.bank_account_number.isdigit()
    for member in by_status[MemberStatus.APPROVED]:
        assert member.opening_hours
        assert member.offers_pickup or member.delivery_rates
    assert db.session.scalars(select(DeliveryRate)).first() is not None
