"""The reports agree with the ledger, for random order histories made
through the real services: sales by bank transfer and in cash over a few
months, parts refunded later (sometimes in a later month), months closed
in order at random points (an event dated in a closed month then posts
late, into the month open now).

For any period: each report's commission column plus what no fact explains
is what the income:commission:* accounts earned (read straight from the
entries); nothing is unexplained; the funds are the configured shares of
each part's commission to the rupiah; the kecamatan rows' chapter column
adds up to the kecamatan funds; and each row's gross, commission and orders
are those of a simple model that counts a sale in the month it was posted
and its refund, negative, in the month the refund was posted."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.core.money import split
from marketplace.extensions import db
from marketplace.ledger.services import close_month, month_of, month_to_close
from marketplace.orders.models import CommissionFact, OrderPart
from marketplace.orders.status import OrderPartStatus
from marketplace.treasury.reports import Dimension, Period, funds, report
from tests import factories
from tests.treasury.sales import CATEGORIES, day, ledger_commission, refund, sell, shop

pytestmark = pytest.mark.usefixtures("app_context")

MONTHS = [date(2026, month, 1) for month in (1, 2, 3, 4)]
KECAMATAN = ("sokaraja", "wangon", "kembaran")
PRICES = (1_000, 7_500, 15_000, 33_333)
DB_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

lines = st.lists(
    st.tuples(
        st.sampled_from(PRICES), st.integers(min_value=1, max_value=3), st.sampled_from(CATEGORIES)
    ),
    min_size=1,
    max_size=3,
)
steps = st.one_of(
    st.tuples(
        st.just("sell"),
        st.integers(min_value=0, max_value=len(MONTHS) - 1),
        st.integers(min_value=0, max_value=len(KECAMATAN) - 1),
        lines,
        st.booleans(),  # cash
    ),
    st.tuples(st.just("refund"), st.integers(min_value=0, max_value=20), st.integers(0, 2)),
    st.tuples(st.just("close")),
)


class Model:
    """What the reports should say, per posted month."""

    def __init__(self, now_month: date) -> None:
        self.now_month = now_month
        self.closed_through: date | None = None
        # month -> (dimension, key) -> Counter(gross=, commission=)
        self.rows: dict[date, dict[tuple, Counter]] = defaultdict(lambda: defaultdict(Counter))
        # month -> Counter of funds ("empowerment", "central", "kecamatan:<slug>")
        self.funds: dict[date, Counter] = defaultdict(Counter)
        # month -> order id -> gross
        self.orders: dict[date, Counter] = defaultdict(Counter)
        self.shares = dict(current_app.config["COMMISSION_SHARES"])

    def posted_in(self, month: date) -> date:
        """A closed month takes no posting: the event lands in the open month of now."""
        closed = self.closed_through is not None and month <= self.closed_through
        return self.now_month if closed else month

    def record(self, part: OrderPart, month: date, sign: int) -> None:
        month = self.posted_in(month)
        for line in part.lines:
            for key in (
                (Dimension.KECAMATAN, part.kecamatan_slug),
                (Dimension.CATEGORY, str(line.category_id)),
                (Dimension.MEMBER, str(part.member_id)),
            ):
                self.rows[month][key]["gross"] += sign * line.line_total
                self.rows[month][key]["commission"] += sign * line.commission
            self.orders[month][part.order_id] += sign * line.line_total
        shares = split(sign * part.commission_total, self.shares)
        self.funds[month]["empowerment"] += shares["empowerment"]
        self.funds[month]["central"] += shares["central"]
        self.funds[month][f"kecamatan:{part.kecamatan_slug}"] += shares["kecamatan"]

    def period_rows(self, period: Period, dimension: Dimension) -> dict[str, Counter]:
        found: dict[str, Counter] = defaultdict(Counter)
        for month in period.months:
            for (row_dimension, key), amounts in self.rows[month].items():
                if row_dimension == dimension:
                    found[key].update(amounts)
        return found

    def period_orders(self, period: Period, dimension: Dimension | None = None) -> int:
        total: Counter = Counter()
        for month in period.months:
            total.update(self.orders[month])
        return sum(1 for gross in total.values() if gross > 0)

    def period_funds(self, period: Period) -> Counter:
        total: Counter = Counter()
        for month in period.months:
            total.update(self.funds[month])
        return total


def periods(now_month: date) -> list[Period]:
    every = [*MONTHS, now_month]
    return [
        *(Period.month(month) for month in every),
        Period(MONTHS[0], now_month),
        Period(MONTHS[1], MONTHS[2]),
        Period.year(2026),
    ]


def check(model: Model, period: Period) -> None:
    earned = ledger_commission(period)
    expected_funds = model.period_funds(period)
    split_now = funds(period)
    assert split_now.empowerment == expected_funds["empowerment"]
    assert split_now.central == expected_funds["central"]
    assert {slug: amount for slug, amount in split_now.chapters.items() if amount} == {
        key.removeprefix("kecamatan:"): amount
        for key, amount in expected_funds.items()
        if key.startswith("kecamatan:") and amount
    }
    assert split_now.total == earned
    for dimension in Dimension:
        found = report(period, dimension)
        assert found.commission + found.unattributed == earned
        assert found.unattributed == 0
        assert found.orders == model.period_orders(period)
        expected = model.period_rows(period, dimension)
        shown = {row.key: row for row in found.rows}
        for key, amounts in expected.items():
            assert shown[key].gross == amounts["gross"], (dimension, key)
            assert shown[key].commission == amounts["commission"], (dimension, key)
        assert sum(row.gross for row in found.rows) == sum(a["gross"] for a in expected.values())
        if dimension == Dimension.KECAMATAN:
            assert len(found.rows) >= 27
            assert sum(row.chapter for row in found.rows) == split_now.chapters_total
            for row in found.rows:
                assert row.chapter == expected_funds[f"kecamatan:{row.key}"]


@DB_SETTINGS
@given(history=st.lists(steps, min_size=1, max_size=10))
def test_every_report_agrees_with_the_ledger(app, history):
    now_month = month_of(datetime.now(UTC))
    model = Model(now_month)
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    members = [shop(slug) for slug in KECAMATAN]
    members[1].commission_bps = 250  # its own rate: the effective rates differ
    sold: list[tuple[OrderPart, date]] = []
    try:
        for step in history:
            if step[0] == "sell":
                _, month_index, member_index, what, cash = step
                month = MONTHS[month_index]
                part = sell(
                    members[member_index],
                    *what,
                    cash=cash,
                    treasurer=treasurer,
                    when=day(month.year, month.month, 5 + member_index),
                )
                model.record(part, month, +1)
                if not cash:
                    sold.append((part, month))
            elif step[0] == "refund":
                _, index, later = step
                open_parts = [(p, m) for p, m in sold if p.status == OrderPartStatus.NEW]
                if not open_parts:
                    continue
                part, sale_month = open_parts[index % len(open_parts)]
                month = MONTHS[min(MONTHS.index(sale_month) + later, len(MONTHS) - 1)]
                refund(part, when=day(month.year, month.month, 20))
                model.record(part, month, -1)
            else:
                due = month_to_close()
                if due is not None and due in MONTHS:
                    close_month(month=due, closed_by=treasurer)
                    model.closed_through = due
        for period in periods(now_month):
            check(model, period)
        # Nothing counted twice: a part refunded inside a period nets to nothing there.
        whole = Period(MONTHS[0], now_month)
        for part, _ in sold:
            if part.status == OrderPartStatus.CANCELLED:
                gross, commission = db.session.execute(
                    select(
                        func.coalesce(func.sum(CommissionFact.gross), 0),
                        func.coalesce(func.sum(CommissionFact.commission), 0),
                    ).where(
                        CommissionFact.part_id == part.id,
                        CommissionFact.month >= whole.first,
                        CommissionFact.month <= whole.last,
                    )
                ).one()
                assert (int(gross), int(commission)) == (0, 0)
    finally:
        db.session.rollback()


def test_a_refund_counts_in_the_month_it_was_posted_and_nothing_twice(app):
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    member = shop("wangon")
    january, february, march = MONTHS[:3]
    later = sell(member, (15_000, 2, "kerajinan"), when=day(2026, 1, 10))
    refund(later, when=day(2026, 2, 3))
    same = sell(member, (7_500, 1, "kerajinan"), when=day(2026, 3, 4))
    refund(same, when=day(2026, 3, 9))
    kept = sell(member, (1_000, 1, "kerajinan"), when=day(2026, 3, 12), treasurer=treasurer)

    def row(period: Period) -> tuple[int, int, int]:
        found = report(period, Dimension.MEMBER)
        shown = {r.key: r for r in found.rows}.get(str(member.id))
        return (shown.gross, shown.commission, shown.orders) if shown else (0, 0, 0)

    commission = later.commission_total
    assert commission > 0
    assert row(Period.month(january)) == (30_000, commission, 1)
    assert row(Period.month(february)) == (-30_000, -commission, 0)
    assert row(Period(january, february)) == (0, 0, 0)
    # sold and refunded in March: no gross, no commission, no order; the kept sale counts
    assert row(Period.month(march)) == (1_000, kept.commission_total, 1)
    for period in (Period.month(january), Period.month(february), Period.month(march)):
        assert report(period, Dimension.KECAMATAN).commission == ledger_commission(period)

    # January closed, then a refund dated in it arrives: it posts late, into the open month.
    late = sell(member, (33_333, 1, "batik-fashion"), when=day(2026, 1, 20))
    close_month(month=january, closed_by=treasurer)
    before = report(Period.month(january), Dimension.MEMBER)
    refund(late, when=day(2026, 1, 31))
    now_month = Period.month(month_of(datetime.now(UTC)))
    assert report(Period.month(january), Dimension.MEMBER) == before
    assert row(now_month) == (-33_333, -late.commission_total, 0)
    assert report(now_month, Dimension.CATEGORY).commission == ledger_commission(now_month)
    db.session.rollback()
