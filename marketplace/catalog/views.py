"""PLACEHOLDER endpoints so base.html renders; the catalog pages work replaces this file."""

from flask import Blueprint

from marketplace.catalog import models  # noqa: F401

blueprint = Blueprint("catalog", __name__)


@blueprint.route("/")
def home():
    return "beranda"


@blueprint.route("/produk")
def products():
    return "produk"


@blueprint.route("/produk/<int:product_id>/<slug>")
def product(product_id: int, slug: str):
    return "produk"


@blueprint.route("/media/<path:key>")
def media(key: str):
    return "media"
