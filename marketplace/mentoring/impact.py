"""The impact report the association shows the campuses: for each member a
cohort mentored, their new listings, paid orders and sales during the
mentoring, beside the same number of days just before it.

"During" runs from the later of the cohort's first day and the member's
acceptance to the earlier of its last day, the pairing's end and today;
"before" is as many days again, ending the day before. Equal spans make the
two columns comparable whatever the cohort's length. Days are Banyumas days
(WIB); sales are the paid parts' subtotals (delivery fees are not the
member's sales), less what was refunded, and a cancelled part counts for
nothing."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.catalog.models import Product
from marketplace.core import csvfile
from marketplace.core.clock import WIB, as_utc
from marketplace.extensions import db
from marketplace.mentoring.models import Cohort, Mentor, Pairing
from marketplace.orders.models import OrderPart
from marketplace.orders.status import OrderPartStatus


@dataclass(frozen=True)
class Figures:
    listings: int
    orders: int
    sales: int


@dataclass(frozen=True)
class ImpactRow:
    cohort: Cohort
    mentor_name: str
    shop_name: str
    starts_on: date
    ends_on: date
    before: Figures
    during: Figures

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def _wib_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(WIB).date()


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in time for the Banyumas days first..last."""
    start = datetime.combine(first, time(), WIB)
    return start, datetime.combine(last + timedelta(days=1), time(), WIB)


def _figures(member_id: int, first: date, last: date) -> Figures:
    start, end = _bounds(first, last)
    listings = db.session.scalar(
        select(func.count(Product.id)).where(
            Product.member_id == member_id, Product.created_at >= start, Product.created_at < end
        )
    )
    orders, sales = db.session.execute(
        select(
            func.count(OrderPart.id),
            func.coalesce(func.sum(OrderPart.subtotal - OrderPart.refund_amount), 0),
        ).where(
            OrderPart.member_id == member_id,
            OrderPart.paid_at >= start,
            OrderPart.paid_at < end,
            OrderPart.status != OrderPartStatus.CANCELLED,
        )
    ).one()
    return Figures(listings=listings or 0, orders=orders or 0, sales=max(int(sales or 0), 0))


def _row(pairing: Pairing, today: date) -> ImpactRow | None:
    cohort = pairing.mentor.cohort
    if pairing.accepted_at is None:
        return None
    first = max(cohort.starts_on, _wib_day(pairing.accepted_at))
    ended = _wib_day(pairing.ended_at) if pairing.ended_at else cohort.ends_on
    last = min(ended, cohort.ends_on, today)
    if last < first:
        return None  # not started yet, or ended the day it was accepted
    span = timedelta(days=(last - first).days + 1)
    return ImpactRow(
        cohort=cohort,
        mentor_name=pairing.mentor.name,
        shop_name=pairing.member.shop_name,
        starts_on=first,
        ends_on=last,
        before=_figures(pairing.member_id, first - span, first - timedelta(days=1)),
        during=_figures(pairing.member_id, first, last),
    )


def impact(cohorts: Sequence[Cohort], today: date) -> list[ImpactRow]:
    """One row per accepted pairing of `cohorts`, by cohort then shop."""
    pairings = db.session.scalars(
        select(Pairing)
        .join(Mentor)
        .where(Mentor.cohort_id.in_([cohort.id for cohort in cohorts]))
        .options(selectinload(Pairing.member), selectinload(Pairing.mentor))
        .order_by(Mentor.cohort_id, Pairing.id)
    ).all()
    rows = [row for pairing in pairings if (row := _row(pairing, today)) is not None]
    return sorted(rows, key=lambda row: (row.cohort.starts_on, row.cohort.id, row.shop_name))


def totals(rows: Iterable[ImpactRow]) -> tuple[Figures, Figures]:
    rows = list(rows)

    def add(pick) -> Figures:
        chosen = [pick(row) for row in rows]
        return Figures(
            listings=sum(f.listings for f in chosen),
            orders=sum(f.orders for f in chosen),
            sales=sum(f.sales for f in chosen),
        )

    return add(lambda row: row.before), add(lambda row: row.during)


HEADER = (
    "kampus",
    "program",
    "pendamping",
    "toko",
    "mulai_didampingi",
    "sampai",
    "jumlah_hari",
    "produk_baru_sebelum",
    "produk_baru_selama",
    "pesanan_sebelum",
    "pesanan_selama",
    "penjualan_sebelum",
    "penjualan_selama",
)


def csv_lines(rows: Iterable[ImpactRow]) -> Iterator[str]:
    text = csvfile.text_cell
    return csvfile.lines(
        HEADER,
        (
            (
                text(row.cohort.campus),
                text(row.cohort.programme),
                text(row.mentor_name),
                text(row.shop_name),
                row.starts_on.isoformat(),
                row.ends_on.isoformat(),
                row.days,
                row.before.listings,
                row.during.listings,
                row.before.orders,
                row.during.orders,
                row.before.sales,
                row.during.sales,
            )
            for row in rows
        ),
    )
