"""A member's orders (/kelola/pesanan): their parts of shoppers' orders,
moved through processing, shipped or ready for pickup, completed, or
cancelled with a reason. Nested under the orders blueprint: endpoints are
`orders.fulfilment.*`."""

from flask import Blueprint, abort

blueprint = Blueprint("fulfilment", __name__, url_prefix="/kelola/pesanan")


@blueprint.get("/<int:part_id>")
def part(part_id: int):
    abort(404)  # the member's page of one part: built next
