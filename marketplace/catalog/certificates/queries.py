"""Reads of certificates. Each returns a `Select`, except `badges_for`,
which runs the one query that finds the badges of a whole page of products
and of their shops."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload, selectinload

from marketplace.catalog.certificates.rules import Badge, Badges, today
from marketplace.catalog.models import (
    Certificate,
    CertificateKind,
    CertificateProduct,
    CertificateStatus,
    Product,
)
from marketplace.extensions import db


def _with_covered_products(statement: Select[tuple[Certificate]]) -> Select[tuple[Certificate]]:
    return statement.options(
        selectinload(Certificate.covered_products).joinedload(CertificateProduct.product)
    )


def certificates_of_member(member_id: int) -> Select[tuple[Certificate]]:
    """A member's certificates, newest first, with their product and the
    products they cover."""
    return _with_covered_products(
        select(Certificate)
        .where(Certificate.member_id == member_id)
        .options(selectinload(Certificate.product))
        .order_by(Certificate.created_at.desc(), Certificate.id.desc())
    )


def certificate_of_member(member_id: int, certificate_id: int) -> Select[tuple[Certificate]]:
    """One certificate, only if it is the member's (anything else: none)."""
    return select(Certificate).where(
        Certificate.id == certificate_id, Certificate.member_id == member_id
    )


def has_products_waiting() -> ColumnElement[bool]:
    """Certificates (not rejected) with a covered product no admin has verified."""
    return and_(
        Certificate.status != CertificateStatus.REJECTED,
        Certificate.covered_products.any(CertificateProduct.verified_at.is_(None)),
    )


def certificates_for_review(
    status: CertificateStatus | None = None, *, products_waiting: bool = False
) -> Select[tuple[Certificate]]:
    """Certificates for the admin, with member (and kecamatan), product and
    covered products: pending first, then those with covered products
    waiting, the oldest first within each. `products_waiting`: only those."""
    statement = select(Certificate).options(
        joinedload(Certificate.member), joinedload(Certificate.product)
    )
    if status is not None:
        statement = statement.where(Certificate.status == status)
    if products_waiting:
        statement = statement.where(has_products_waiting())
    rank = case(
        (Certificate.status == CertificateStatus.PENDING, 0),
        (has_products_waiting(), 1),
        (Certificate.status == CertificateStatus.VERIFIED, 2),
        else_=3,
    )
    return _with_covered_products(statement.order_by(rank, Certificate.created_at, Certificate.id))


def count_with_products_waiting() -> Select[tuple[int]]:
    return select(func.count(Certificate.id)).where(has_products_waiting())


def products_for_certificates(member_id: int) -> Select[tuple[int, str]]:
    """(id, name) of the member's products a certificate can be for."""
    return (
        select(Product.id, Product.name)
        .where(Product.member_id == member_id)
        .order_by(Product.name, Product.id)
    )


def products_to_cover(member_id: int) -> Select[tuple[Product]]:
    """The member's products a shop certificate can cover, by name."""
    return (
        select(Product)
        .where(Product.member_id == member_id)
        .order_by(func.lower(Product.name), Product.id)
    )


def is_shown(on: date | BindParameter[date]) -> ColumnElement[bool]:
    """Certificates that show as badges on `on`: verified and not expired."""
    return and_(
        Certificate.status == CertificateStatus.VERIFIED,
        or_(Certificate.expires_on.is_(None), Certificate.expires_on >= on),
    )


def has_certificate(
    kind: CertificateKind | BindParameter[CertificateKind], on: date | BindParameter[date]
) -> ColumnElement[bool]:
    """Products with a shown certificate of `kind` that names them, or a
    shown certificate of their shop that covers them with an admin's
    verification (two subqueries: no join on products, no extra query). A
    shop's certificate alone badges no product. Either may be bound when
    executing (the listing's statements are built once)."""
    shown = and_(Certificate.kind == kind, is_shown(on))
    return or_(
        Product.id.in_(
            select(Certificate.product_id).where(shown, Certificate.product_id.is_not(None))
        ),
        Product.id.in_(
            select(CertificateProduct.product_id)
            .join(Certificate, CertificateProduct.certificate_id == Certificate.id)
            .where(shown, CertificateProduct.verified_at.is_not(None))
        ),
    )


BADGE_COLUMNS = (
    Certificate.member_id,
    Certificate.kind,
    Certificate.number,
    Certificate.issuer,
    Certificate.expires_on,
)


@cache
def badge_rows(*, products: bool, shops: bool) -> Select[Any] | CompoundSelect:
    """(product id, or None for the shop; member id, kind, number, issuer,
    expiry) of the certificates shown on the day `on` for the products
    `product_ids` and the shops `member_ids` (bound when executed): those
    naming a product, those covering one (verified), those of a shop.
    Built once per shape (with products, shops or both): every page with
    cards asks it, and building it and its SQLAlchemy cache key cost
    more than the query takes in PostgreSQL."""
    on = bindparam("on", type_=Date)
    parts: list[Select[Any]] = []
    if products:
        product_ids: BindParameter[Any] = bindparam("product_ids", expanding=True)
        parts.append(
            select(Certificate.product_id, *BADGE_COLUMNS).where(
                is_shown(on), Certificate.product_id.in_(product_ids)
            )
        )
        parts.append(
            select(CertificateProduct.product_id, *BADGE_COLUMNS)
            .join(Certificate, CertificateProduct.certificate_id == Certificate.id)
            .where(
                is_shown(on),
                CertificateProduct.product_id.in_(product_ids),
                CertificateProduct.verified_at.is_not(None),
            )
        )
    if shops:
        parts.append(
            select(cast(null(), Integer), *BADGE_COLUMNS).where(
                is_shown(on),
                Certificate.product_id.is_(None),
                Certificate.member_id.in_(bindparam("member_ids", expanding=True)),
            )
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


KIND_ORDER = {kind: position for position, kind in enumerate(CertificateKind)}


def _lasts(badge: Badge) -> date:
    return badge.expires_on or date.max


def _in_order(found: dict[CertificateKind, Badge]) -> list[Badge]:
    return [found[kind] for kind in sorted(found, key=KIND_ORDER.__getitem__)]


def badges_for(products: Sequence[Product], *, shops: Collection[int] = ()) -> Badges:
    """The badges of `products` and of the shops of member ids `shops`, in
    one query whatever their number (none for nothing asked). One badge per
    kind: of two certificates of a kind, the one valid longest."""
    product_ids = {p.id for p in products}
    member_ids = set(shops)
    if not product_ids and not member_ids:
        return Badges(products={}, shops={})
    of_product: defaultdict[int, dict[CertificateKind, Badge]] = defaultdict(dict)
    of_shop: defaultdict[int, dict[CertificateKind, Badge]] = defaultdict(dict)
    values: dict[str, Any] = {"on": today()}
    if product_ids:
        values["product_ids"] = sorted(product_ids)
    if member_ids:
        values["member_ids"] = sorted(member_ids)
    statement = badge_rows(products=bool(product_ids), shops=bool(member_ids))
    for product_id, member_id, kind, number, issuer, expires_on in db.session.execute(
        statement, values
    ):
        badge = Badge(
            kind=CertificateKind(kind), number=number, issuer=issuer, expires_on=expires_on
        )
        held = of_shop[member_id] if product_id is None else of_product[product_id]
        if badge.kind not in held or _lasts(badge) > _lasts(held[badge.kind]):
            held[badge.kind] = badge
    return Badges(
        products={id_: _in_order(found) for id_, found in of_product.items()},
        shops={id_: _in_order(found) for id_, found in of_shop.items()},
    )
