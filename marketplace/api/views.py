"""The read-only JSON API, version 1, with its OpenAPI document.

Like `/produk`, a bad filter value never fails a request: it is dropped and
`messages` says why; a page past the last is a 404, as there. Only public
products (active, of an approved member) appear anywhere."""

from collections.abc import Mapping

from flask import Blueprint, jsonify, request

from marketplace.api import openapi, serializers
from marketplace.api.params import DEFAULT_PER_PAGE, parse_page_size
from marketplace.api.queries import images_of
from marketplace.catalog import queries
from marketplace.catalog.browse import browse
from marketplace.catalog.cache import (
    cached_page,
    every_stock,
    filter_args,
    keep_out_of_cache,
    product_page,
)
from marketplace.catalog.certificates.queries import badges_for
from marketplace.catalog.filters import parse_filter
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members.models import Member

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

PRODUCT_NOT_FOUND = "Produk tidak ditemukan."


def list_args(args: Mapping[str, str]) -> dict[str, str | int]:
    """The list's query string as `products` reads it, for its cache key."""
    per_page, _ = parse_page_size(args.get("per_halaman"))
    return filter_args(args) | ({"per_halaman": per_page} if per_page != DEFAULT_PER_PAGE else {})


@blueprint.get("/products")
@cached_page(args=list_args, shows=every_stock)
def products():
    per_page, messages = parse_page_size(request.args.get("per_halaman"))
    page = browse(parse_filter(request.args), per_page=per_page)
    images = db.session.scalars(images_of(p.id for p in page.products)) if page.products else ()
    if page.messages or messages:
        keep_out_of_cache()
    return jsonify(serializers.catalog_page(page, images, page.messages + messages))


@blueprint.get("/products/<int:product_id>")
@cached_page(shows=product_page)
def product(product_id: int):
    found = db.session.scalars(queries.public_product(), {"product_id": product_id}).first()
    if found is None:
        return jsonify(error=PRODUCT_NOT_FOUND), 404
    badges = badges_for([found], shops=[found.member_id])
    return jsonify(
        serializers.product_detail(
            found, badges.products.get(found.id, ()), badges.shops.get(found.member_id, ())
        )
    )


def public_counts(column) -> dict[int, int]:
    """Public products per value of `column`, in one grouped query."""
    return dict(db.session.execute(queries.counts_by(column, [queries.is_public()])).tuples().all())


@blueprint.get("/categories")
@cached_page()
def categories():
    counts = public_counts(Product.category_id)
    return jsonify(
        [
            serializers.category(category, counts.get(category.id, 0))
            for category in db.session.scalars(queries.categories())
        ]
    )


@blueprint.get("/kecamatan")
@cached_page()
def kecamatan():
    counts = public_counts(Member.kecamatan_id)
    return jsonify(
        [
            serializers.kecamatan(place, counts.get(place.id, 0))
            for place in db.session.scalars(member_queries.kecamatan_list())
        ]
    )


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.DOCUMENT)
