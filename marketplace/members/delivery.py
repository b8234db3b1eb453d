"""What a member's delivery costs, read in one place: the cart, checkout
and the product page ask `delivery_fees`, so what a shopper is shown is
what the order charges."""

from collections.abc import Iterable
from functools import cache

from sqlalchemy import Select, bindparam, select

from marketplace.extensions import db
from marketplace.members.models import DeliveryRate, Kecamatan


@cache
def _fees() -> Select[tuple[int, int]]:
    """Built once, bound `member_ids` and `kecamatan_id`: the product page,
    the cart and both checkout requests ask it (see `catalog.queries`)."""
    return select(DeliveryRate.member_id, DeliveryRate.fee).where(
        DeliveryRate.member_id.in_(bindparam("member_ids", expanding=True)),
        DeliveryRate.kecamatan_id == bindparam("kecamatan_id"),
    )


def delivery_fees(*, member_ids: Iterable[int], kecamatan: Kecamatan) -> dict[int, int]:
    """{member id: fee} of the members who deliver to `kecamatan` (the others
    are missing)."""
    rows = db.session.execute(
        _fees(), {"member_ids": list(member_ids), "kecamatan_id": kecamatan.id}
    ).all()
    return {member_id: fee for member_id, fee in rows}
