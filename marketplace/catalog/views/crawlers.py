"""What search engines read: /robots.txt and the sitemap (catalog.sitemap).

Both are the same for every visitor and name absolute addresses, so they
are routes (PUBLIC_URL is config, not a file under static/root) and say
`public` in Cache-Control: a proxy or the crawler may keep them an hour."""

from flask import Blueprint, Response, abort

from marketplace.catalog import sitemap
from marketplace.core.urls import public_url

blueprint = Blueprint("crawlers", __name__)

MAX_AGE = 60 * 60
SECTIONS = ", ".join(section.value for section in sitemap.Section)

# The first segment of every address that is not for search engines: the
# account, the member's and the officers' pages, the cart, checkout and
# orders, the member's kecamatan choice (it sets the visitor's session),
# the API, the webhooks and the health check. Every other first segment of
# the URL map is public (tests/catalog/test_sitemap.py holds each to one
# side or the other).
PRIVATE_PREFIXES = (
    "/akun",
    "/anggota",
    "/api",
    "/bendahara",
    "/cabang",
    "/checkout",
    "/healthz",
    "/kecamatan-saya",
    "/kelola",
    "/keranjang",
    "/pendamping",
    "/pengurus",
    "/pesanan",
    "/ulasan",
    "/webhooks",
)


def _public(body: bytes | str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


@blueprint.get("/sitemap.xml")
def sitemap_index():
    return _public(sitemap.index(), "application/xml")


@blueprint.get(f"/sitemap-<any({SECTIONS}):section>-<int:page>.xml")
def sitemap_part(section: str, page: int):
    body = sitemap.part(sitemap.Section(section), page)
    if body is None:
        abort(404)
    return _public(body, "application/xml")


@blueprint.get("/robots.txt")
def robots():
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES)]
    lines += ["", f"Sitemap: {public_url('catalog.crawlers.sitemap_index')}", ""]
    return _public("\n".join(lines), "text/plain")
