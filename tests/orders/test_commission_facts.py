"""Settlement writes the reports' commission facts with each sale and
refund posting: one per order line, signed, dated in the posting's month,
with the names as they were; never twice for one posting."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.ledger.balances import balances
from marketplace.ledger.models import LedgerTransaction
from marketplace.ledger.services import reverse
from marketplace.orders import fulfilment, settlement
from marketplace.orders.models import CommissionFact, OrderLine
from marketplace.payments import cash
from tests.orders.flows import MONDAY, paid_order, treasurer, two_part_order, walk_to_dispatched

pytestmark = pytest.mark.usefixtures("app_context")

APRIL = datetime(2026, 4, 6, 3, 0, tzinfo=UTC)


def facts(**where) -> list[CommissionFact]:
    statement = select(CommissionFact).order_by(CommissionFact.id)
    for name, value in where.items():
        statement = statement.where(getattr(CommissionFact, name) == value)
    return list(db.session.scalars(statement))


def ledger_commission() -> int:
    return sum(balances("income:commission").values())


def fact_commission() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(CommissionFact.commission), 0))))


def test_a_paid_transfer_writes_one_fact_per_line(app):
    order = paid_order()
    lines = db.session.scalars(select(OrderLine).join(OrderLine.part).order_by(OrderLine.id)).all()

    written = facts(order_id=order.id)
    assert [fact.order_line_id for fact in written] == [line.id for line in lines]
    assert {fact.month for fact in written} == {date(2026, 3, 1)}
    for fact, line in zip(written, lines, strict=True):
        part = line.part
        assert (fact.gross, fact.commission) == (line.line_total, line.commission)
        assert (fact.member_id, fact.kecamatan_slug) == (part.member_id, part.kecamatan_slug)
        assert fact.shop_name == part.member.shop_name
    assert fact_commission() == ledger_commission() > 0


def test_a_refund_in_a_later_month_writes_the_parts_lines_negated_in_that_month(app):
    order = paid_order()
    part = order.parts[0]
    fulfilment.cancel_part(part=part, member=part.member, reason="Stok habis.", now=APRIL)
    db.session.commit()

    refunded = facts(part_id=part.id)
    assert [fact.month for fact in refunded] == [date(2026, 3, 1), date(2026, 4, 1)]
    assert (
        refunded[1].gross == -refunded[0].gross
        and refunded[1].commission == -refunded[0].commission
    )
    assert fact_commission() == ledger_commission()


def test_a_cash_sale_writes_its_parts_facts_when_the_cash_is_taken(app):
    order = two_part_order(payment_method="cash")
    part = order.parts[0]
    walk_to_dispatched(part)
    assert facts() == []

    cash.confirm(order=part.order, part=part, amount=part.total, by=part.member.user, now=MONDAY)
    db.session.commit()

    assert {fact.part_id for fact in facts()} == {part.id}
    assert fact_commission() == ledger_commission() == part.commission_total


def test_posting_again_writes_no_second_set_of_facts(app):
    order = paid_order()
    before = len(facts())

    settlement.post_transfer_sale(order=order, by=treasurer(), when=MONDAY)
    db.session.commit()

    assert len(facts()) == before


def test_reversing_a_sale_negates_its_facts_on_the_reversal(app):
    order = paid_order()
    sale = db.session.scalars(
        select(LedgerTransaction).where(
            LedgerTransaction.idempotency_key == f"order:{order.id}:sale"
        )
    ).one()
    reversal = reverse(transaction=sale, key=f"reversal:{sale.id}")

    assert settlement.reverse_facts(original=sale, reversal=reversal) == len(
        facts(transaction_id=sale.id)
    )
    assert settlement.reverse_facts(original=sale, reversal=reversal) == 0
    db.session.commit()

    assert fact_commission() == ledger_commission() == 0
