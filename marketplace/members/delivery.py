"""What a member's delivery costs, read in one place: the cart, checkout
and the product page ask `delivery_fees`, so what a shopper is shown is
what the order charges."""

from collections.abc import Iterable

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.members.models import DeliveryRate, Kecamatan


def delivery_fees(*, member_ids: Iterable[int], kecamatan: Kecamatan) -> dict[int, int]:
    """{member id: fee} of the members who deliver to `kecamatan` (the others
    are missing)."""
    rows = db.session.execute(
        select(DeliveryRate.member_id, DeliveryRate.fee).where(
            DeliveryRate.member_id.in_(list(member_ids)),
            DeliveryRate.kecamatan_id == kecamatan.id,
        )
    ).all()
    return {member_id: fee for member_id, fee in rows}
