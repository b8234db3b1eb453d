"""What a chapter officer reads about their kecamatan: its members with
their status, active products, this month's orders and sales and their
certificates about to expire; the chapter's totals; the commission the
ledger credited to the chapter's fund. A fixed number of queries whatever
the number of members. Never a bank account: no query here selects one."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload

from marketplace.catalog.models import Certificate, CertificateStatus, Product, ProductStatus
from marketplace.chapters.models import ChapterRecommendation
from marketplace.core.clock import WIB
from marketplace.core.jinja import MONTHS_ID
from marketplace.extensions import db
from marketplace.ledger.balances import balance, monthly
from marketplace.ledger.services import month_bounds, month_of
from marketplace.members.models import Kecamatan, Member, MemberStatus
from marketplace.orders.models import OrderPart
from marketplace.orders.settlement import CHAPTER_PREFIX
from marketplace.orders.status import OrderPartStatus

# A certificate expiring within this many days is flagged on the dashboard.
EXPIRY_WARNING_DAYS = 60
# Parts that count as sold: paid and not cancelled (refunds are netted out).
NOT_SOLD = (OrderPartStatus.AWAITING_PAYMENT, OrderPartStatus.CANCELLED)


@dataclass(frozen=True)
class MemberRow:
    id: int
    shop_name: str
    slug: str
    owner_name: str
    desa: str
    status: MemberStatus
    active_products: int
    orders: int
    sales: int
    expiring_on: date | None  # the soonest verified certificate expiry within the warning

    @property
    def needs_help(self) -> bool:
        return self.status == MemberStatus.APPROVED and (
            self.active_products == 0 or self.expiring_on is not None
        )


@dataclass(frozen=True)
class ChapterFigures:
    month: date
    members: list[MemberRow]
    orders: int
    sales: int
    commission_month: int  # credited to the chapter's fund this month (ledger)
    commission_total: int  # credited since the beginning (ledger)

    @property
    def month_label(self) -> str:
        return f"{MONTHS_ID[self.month.month - 1]} {self.month.year}"

    def count(self, status: MemberStatus) -> int:
        return sum(1 for row in self.members if row.status == status)

    @property
    def active_products(self) -> int:
        return sum(row.active_products for row in self.members)

    @property
    def without_products(self) -> list[MemberRow]:
        return [
            row
            for row in self.members
            if row.status == MemberStatus.APPROVED and row.active_products == 0
        ]

    @property
    def expiring(self) -> list[MemberRow]:
        return [row for row in self.members if row.expiring_on is not None]


def member_rows(kecamatan_id: int, *, month: date, today: date) -> Select:
    """One row per member of the kecamatan, with its figures as subqueries."""
    start, end = month_bounds(month)
    active = (
        select(func.count(Product.id))
        .where(Product.member_id == Member.id, Product.status == ProductStatus.ACTIVE)
        .scalar_subquery()
    )
    sold = and_(
        OrderPart.member_id == Member.id,
        OrderPart.paid_at >= start,
        OrderPart.paid_at < end,
        OrderPart.status.not_in(NOT_SOLD),
    )
    orders = select(func.count(OrderPart.id)).where(sold).scalar_subquery()
    sales = (
        select(func.coalesce(func.sum(OrderPart.subtotal - OrderPart.refund_amount), 0))
        .where(sold)
        .scalar_subquery()
    )
    expiring = (
        select(func.min(Certificate.expires_on))
        .where(
            Certificate.member_id == Member.id,
            Certificate.status == CertificateStatus.VERIFIED,
            Certificate.expires_on.is_not(None),
            Certificate.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS),
        )
        .scalar_subquery()
    )
    pending_first = case((Member.status == MemberStatus.PENDING, 0), else_=1)
    return (
        select(
            Member.id,
            Member.shop_name,
            Member.slug,
            Member.owner_name,
            Member.desa,
            Member.status,
            active,
            orders,
            sales,
            expiring,
        )
        .where(Member.kecamatan_id == kecamatan_id)
        .order_by(pending_first, func.lower(Member.shop_name), Member.id)
    )


def chapter_figures(kecamatan: Kecamatan, *, now: datetime) -> ChapterFigures:
    """The dashboard's numbers: members in one query, the fund in the ledger's."""
    month = month_of(now)
    today = now.astimezone(WIB).date()
    rows = [
        MemberRow(
            id=row[0],
            shop_name=row[1],
            slug=row[2],
            owner_name=row[3],
            desa=row[4],
            status=MemberStatus(row[5]),
            active_products=int(row[6] or 0),
            orders=int(row[7] or 0),
            sales=int(row[8] or 0),
            expiring_on=row[9],
        )
        for row in db.session.execute(member_rows(kecamatan.id, month=month, today=today))
    ]
    code = f"{CHAPTER_PREFIX}{kecamatan.slug}"
    return ChapterFigures(
        month=month,
        members=rows,
        orders=sum(row.orders for row in rows),
        sales=sum(row.sales for row in rows),
        commission_month=monthly(month, month, code)[month].get(code, 0),
        commission_total=balance(code),
    )


def pending_applications(kecamatan_id: int) -> Select[tuple[Member]]:
    return (
        select(Member)
        .where(Member.kecamatan_id == kecamatan_id, Member.status == MemberStatus.PENDING)
        .order_by(Member.created_at, Member.id)
    )


def recommendations_of(member_ids: list[int]) -> Select[tuple[ChapterRecommendation]]:
    """The officers' recommendations on these applications, newest first,
    with their officer (one query for a whole page of applications)."""
    return (
        select(ChapterRecommendation)
        .where(ChapterRecommendation.member_id.in_(member_ids))
        .options(joinedload(ChapterRecommendation.officer))
        .order_by(ChapterRecommendation.created_at.desc(), ChapterRecommendation.id.desc())
    )
