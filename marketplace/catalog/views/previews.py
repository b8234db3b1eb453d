"""The pictures of link previews (og:image), at /pratinjau/...: each address
holds the card's version (`preview_images.Card.version`), so a file never
changes under its address and is cached for a year by browsers, chat apps
and proxies. An old version (the product changed since the link was
shared) is sent, for a moment, to the current one; anything not public
(a draft, an archived product, a suspended member) is not found."""

from pathlib import Path

from flask import Blueprint, Response, abort, redirect, request, send_file, url_for

from marketplace.catalog import previews, queries
from marketplace.catalog.filters import is_slug
from marketplace.catalog.preview_images import Card, stored
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members import queries as member_queries

blueprint = Blueprint("previews", __name__, url_prefix="/pratinjau")

MAX_AGE = 365 * 24 * 60 * 60  # the version is in the address: a file never changes


def _serve(card: Card, version: str, *, kind: str, ident: str) -> Response:
    if version != card.version:
        assert request.endpoint is not None
        values = dict(request.view_args or {}, version=card.version)
        return redirect(url_for(request.endpoint, **values))  # type: ignore[return-value]
    path: Path = stored(card, kind=kind, ident=ident, store=storage())
    response = send_file(path, mimetype="image/jpeg", max_age=MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def _slug_or_404(slug: str) -> str:
    if not is_slug(slug):
        abort(404)
    return slug


@blueprint.get("/produk/<int:product_id>/<version>.jpg")
def product(product_id: int, version: str):
    found = db.session.scalars(queries.public_product(), {"product_id": product_id}).first()
    if found is None:
        abort(404)
    return _serve(previews.product_card(found), version, kind="produk", ident=str(found.id))


@blueprint.get("/toko/<slug>/<version>.jpg")
def shop(slug: str, version: str):
    member = (
        db.session.scalars(queries.public_member(), {"slug": _slug_or_404(slug)}).unique().first()
    )
    if member is None:
        abort(404)
    return _serve(previews.shop_card(member), version, kind="toko", ident=str(member.id))


@blueprint.get("/kecamatan/<slug>/<version>.jpg")
def kecamatan(slug: str, version: str):
    place = db.one_or_404(member_queries.kecamatan_by_slug(_slug_or_404(slug)))
    return _serve(previews.kecamatan_card(place), version, kind="kecamatan", ident=str(place.id))


@blueprint.get("/kategori/<slug>/<version>.jpg")
def category(slug: str, version: str):
    found = db.one_or_404(queries.category_by_slug(_slug_or_404(slug)))
    return _serve(previews.category_card(found), version, kind="kategori", ident=str(found.id))


@blueprint.get("/situs/<version>.jpg")
def site(version: str):
    return _serve(previews.site_card(), version, kind="situs", ident="pasar")
