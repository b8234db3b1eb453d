"""The blueprint of a member's own listings (/kelola, endpoints
catalog.manage.*) and what its views share. Only an approved member gets
in, and only to their own products: every product, variant and photo is
looked up within the member's own, so anyone else's id is simply not found
(404). Each module of this package adds its pages."""

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from marketplace.catalog import queries
from marketplace.catalog.models import Category, Product
from marketplace.extensions import db
from marketplace.members.access import approved_member
from marketplace.members.models import Member

blueprint = Blueprint("manage", __name__, url_prefix="/kelola")
member_view = approved_member("catalog/manage/not_approved.html")


def product_or_404(member: Member, product_id: int) -> Product:
    return db.one_or_404(queries.member_product(member.id, product_id))


def categories() -> list[Category]:
    return list(db.session.scalars(queries.categories()))


def to_edit(product: Product, anchor: str | None = None) -> Response:
    return redirect(url_for(".edit", product_id=product.id, _anchor=anchor))
