"""Reads of certificates. Each returns a `Select`, except `badges_for`,
which runs the one query that finds the badges of a whole page of products."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, or_, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.catalog.certificates.rules import Badge, today
from marketplace.catalog.models import (
    CERTIFICATE_LABELS,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Product,
)
from marketplace.extensions import db


def certificates_of_member(member_id: int) -> Select[tuple[Certificate]]:
    """A member's certificates, newest first, with their product."""
    return (
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


def certificates_for_review(
    status: CertificateStatus | None = None,
) -> Select[tuple[Certificate]]:
    """Certificates for the admin, with member (and kecamatan) and product:
    pending first, the oldest first within a status."""
    statement = select(Certificate).options(
        joinedload(Certificate.member), joinedload(Certificate.product)
    )
    if status is not None:
        statement = statement.where(Certificate.status == status)
    rank = case(
        {CertificateStatus.PENDING: 0, CertificateStatus.VERIFIED: 1},
        value=Certificate.status,
        else_=2,
    )
    return statement.order_by(rank, Certificate.created_at, Certificate.id)


def products_for_certificates(member_id: int) -> Select[tuple[int, str]]:
    """(id, name) of the member's products a certificate can be for."""
    return (
        select(Product.id, Product.name)
        .where(Product.member_id == member_id)
        .order_by(Product.name, Product.id)
    )


def is_shown(on: date) -> ColumnElement[bool]:
    """Certificates that show as badges on `on`: verified and not expired."""
    return and_(
        Certificate.status == CertificateStatus.VERIFIED,
        or_(Certificate.expires_on.is_(None), Certificate.expires_on >= on),
    )


def has_certificate(kind: CertificateKind, on: date) -> ColumnElement[bool]:
    """Products with a shown certificate of `kind`, their own or their shop's
    (two subqueries on the certificates table: no join, no extra query)."""
    shown = and_(Certificate.kind == kind, is_shown(on))
    return or_(
        Product.id.in_(
            select(Certificate.product_id).where(shown, Certificate.product_id.is_not(None))
        ),
        Product.member_id.in_(
            select(Certificate.member_id).where(shown, Certificate.product_id.is_(None))
        ),
    )


def badge_rows(
    product_ids: Iterable[int], member_ids: Iterable[int], on: date
) -> Select[tuple[int | None, int, CertificateKind]]:
    """(product id or None for the shop, member id, kind) of the certificates
    shown for these products and shops."""
    return (
        select(Certificate.product_id, Certificate.member_id, Certificate.kind)
        .where(
            is_shown(on),
            or_(
                Certificate.product_id.in_(list(product_ids)),
                and_(
                    Certificate.product_id.is_(None),
                    Certificate.member_id.in_(list(member_ids)),
                ),
            ),
        )
        .distinct()
    )


KIND_ORDER = {kind: position for position, kind in enumerate(CertificateKind)}


def badges_for(products: Sequence[Product]) -> dict[int, list[Badge]]:
    """The badges of each of `products` (by product id; none: absent), in one
    query whatever their number, and none for no products."""
    if not products:
        return {}
    rows = db.session.execute(
        badge_rows({p.id for p in products}, {p.member_id for p in products}, today())
    ).tuples()
    of_shop: defaultdict[int, set[CertificateKind]] = defaultdict(set)
    of_product: defaultdict[int, set[CertificateKind]] = defaultdict(set)
    for product_id, member_id, kind in rows:
        if product_id is None:
            of_shop[member_id].add(CertificateKind(kind))
        else:
            of_product[product_id].add(CertificateKind(kind))
    badges: dict[int, list[Badge]] = {}
    for product in products:
        kinds = of_shop[product.member_id] | of_product[product.id]
        if kinds:
            badges[product.id] = [
                Badge(kind=kind, label=CERTIFICATE_LABELS[kind])
                for kind in sorted(kinds, key=KIND_ORDER.__getitem__)
            ]
    return badges
