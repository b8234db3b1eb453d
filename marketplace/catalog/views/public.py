"""The public catalog: home, product list with filters, kecamatan, category,
product and shop pages, uploaded media and the health check. Each view
parses, asks `browse` or `queries`, and renders."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from marketplace.accounts.access import safe_next_path
from marketplace.accounts.models import Role
from marketplace.catalog import contact, my_kecamatan, previews, queries, structured_data
from marketplace.catalog.browse import browse, member_products
from marketplace.catalog.cache import (
    cached_page,
    filter_args,
    keep_out_of_cache,
    page_args,
    product_page,
)
from marketplace.catalog.certificates.queries import badges_for
from marketplace.catalog.filters import (
    CatalogFilter,
    is_slug,
    parse_filter,
    parse_page,
)
from marketplace.catalog.models import Product, ShopRating
from marketplace.catalog.photos import PHOTO_FOLDER, REVIEW_PHOTO_FOLDER
from marketplace.core import variants
from marketplace.core.page_meta import indexable
from marketplace.core.storage import folder_of, storage
from marketplace.core.whatsapp import whatsapp_url
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members.delivery import delivery_fees
from marketplace.members.shop import SHOP_FOLDER

blueprint = Blueprint("catalog", __name__)
for name, function in structured_data.TEMPLATE_GLOBALS.items():
    blueprint.add_app_template_global(function, name)

HOME_PRODUCTS = 12
MORE_FROM_SHOP = 4
# The latest visible reviews a product page shows (one query, only when it has any).
REVIEWS_SHOWN = 10
MEDIA_MAX_AGE = 365 * 24 * 60 * 60  # keys are random names: a file never changes
# What /media serves: product photos, shop logos and banners, and the photos
# of shown reviews. Certificate scans are private (catalog.certificates).
PUBLIC_FOLDERS = frozenset({PHOTO_FOLDER, SHOP_FOLDER, REVIEW_PHOTO_FOLDER})
# A review's photo is public only while its review is shown: an admin may
# hide it, so it is never kept a year and never marked immutable.
REVIEW_MEDIA_MAX_AGE = 10 * 60


def _per_page() -> int:
    return current_app.config["CATALOG_PAGE_SIZE"]


def _slug_or_404(slug: str) -> str:
    if not is_slug(slug):
        abort(404)
    return slug


@blueprint.app_template_filter("harga")
def price(product: Product) -> str:
    """A product's price as pages and shared messages say it (contact.price_text)."""
    return contact.price_text(product)


@blueprint.app_template_filter("berat")
def weight(grams: int | None) -> str:
    """`250` -> `250 g`, `1500` -> `1,5 kg`."""
    if grams is None:
        return ""
    if grams < 1000:
        return f"{grams} g"
    kilograms = f"{grams / 1000:.2f}".rstrip("0").rstrip(".")
    return f"{kilograms.replace('.', ',')} kg"


def _searching() -> bool:
    """A search's results are for the visitor, not for search engines."""
    return "q" in filter_args(request.args)


@blueprint.get("/")
@indexable
@cached_page()
def home():
    catalog_page = browse(CatalogFilter(), per_page=HOME_PRODUCTS)
    return render_template(
        "catalog/home.html", catalog_page=catalog_page, page_meta=previews.home_meta(catalog_page)
    )


@blueprint.get("/produk")
@indexable(unless=_searching)
@cached_page(args=filter_args)
def products():
    catalog_page = browse(parse_filter(request.args), per_page=_per_page())
    if catalog_page.messages:
        keep_out_of_cache()
    return render_template(
        "catalog/products.html",
        catalog_page=catalog_page,
        search_query=catalog_page.filter.query,
        my_kecamatan=my_kecamatan.chosen(catalog_page.kecamatan),
        page_meta=previews.products_meta(catalog_page),
    )


@blueprint.get("/kecamatan-saya")
def choose_kecamatan():
    """Set (or forget, with an empty `kecamatan`) the visitor's kecamatan,
    then go back to `next`. A GET, so the cached pages that link here need
    no CSRF token; it changes only this visitor's session."""
    back = safe_next_path(request.args.get("next"))
    places = list(db.session.scalars(member_queries.kecamatan_list()))
    error = None
    if "kecamatan" in request.args:
        slug = (request.args.get("kecamatan") or "").strip().lower()
        place = next((k for k in places if k.slug == slug), None)
        if place is not None or not slug:
            my_kecamatan.remember(place)
            return redirect(back or url_for(".products"))
        error = "Kecamatan tidak dikenal. Pilih dari daftar."
    return render_template(
        "catalog/my_kecamatan.html",
        kecamatan_list=places,
        chosen=my_kecamatan.chosen(places),
        back=back,
        error=error,
    )


@blueprint.get("/kecamatan/<slug>")
@indexable
@cached_page(args=page_args)
def kecamatan(slug: str):
    page, messages = parse_page(request.args)
    catalog_filter = CatalogFilter(kecamatan=slug, page=page, messages=tuple(messages))
    catalog_page = browse(catalog_filter, per_page=_per_page())
    if catalog_page.selected_kecamatan is None:
        abort(404)
    if catalog_page.messages:
        keep_out_of_cache()
    members = db.session.scalars(
        queries.members_in_kecamatan(), {"kecamatan_id": catalog_page.selected_kecamatan.id}
    ).all()
    return render_template(
        "catalog/kecamatan.html",
        catalog_page=catalog_page,
        members=members,
        page_meta=previews.kecamatan_meta(catalog_page, members=members),
    )


@blueprint.get("/kategori/<slug>")
@indexable
def category(slug: str):
    found = db.one_or_404(queries.category_by_slug(_slug_or_404(slug)))
    return redirect(url_for(".products", kategori=found.slug))


@blueprint.get("/produk/<int:product_id>-<slug>")
@indexable
@cached_page(shows=product_page)
def product(product_id: int, slug: str):
    """`/produk/12-keripik-tempe-sagu`: the number finds the product, the
    name tells a reader (and a search engine) what it is before they open it."""
    found = db.session.scalars(queries.public_product(), {"product_id": product_id}).first()
    if found is None:
        abort(404)
    if slug != found.slug:  # an old or mistyped name: for good, to the product's own address
        return redirect(url_for(".product", product_id=found.id, slug=found.slug), code=301)
    more = db.session.scalars(
        queries.other_products_of_member(limit=MORE_FROM_SHOP),
        {"member_id": found.member_id, "exclude_id": found.id},
    ).all()
    share = contact.product_share(found)
    message = contact.product_message(
        shop_name=found.member.shop_name, product_name=found.name, url=share.url
    )
    badges = badges_for([found, *more], shops=[found.member_id])
    reviews = (
        db.session.scalars(
            queries.visible_reviews(limit=REVIEWS_SHOWN), {"product_id": found.id}
        ).all()
        if found.rating_count
        else []
    )
    place = my_kecamatan.chosen()
    fee = (
        delivery_fees(member_ids=[found.member_id], kecamatan=place).get(found.member_id)
        if place is not None
        else None
    )
    return render_template(
        "catalog/product.html",
        product=found,
        more=more,
        reviews=reviews,
        badges=badges.products,
        shop_badges=badges.shops.get(found.member_id, []),
        whatsapp_url=whatsapp_url(found.member.whatsapp, message),
        share=share,
        my_kecamatan=place,
        my_delivery_fee=fee,
        page_meta=previews.product_meta(found),
    )


@blueprint.get("/produk/<int:product_id>")
@blueprint.get("/produk/<int:product_id>/<slug>")
def product_moved(product_id: int, slug: str | None = None):
    """A product's addresses before its name joined its number (`/produk/12`,
    `/produk/12/keripik`), still in chats and search engines: for good to
    its own address, found by its number alone."""
    found_slug = db.one_or_404(queries.public_product_slug(product_id))
    return redirect(url_for(".product", product_id=product_id, slug=found_slug), code=301)


@blueprint.get("/toko/<slug>")
@indexable
@cached_page(args=page_args)
def shop(slug: str):
    member = (
        db.session.scalars(queries.public_member(), {"slug": _slug_or_404(slug)}).unique().first()
    )
    if member is None:
        abort(404)
    page, messages = parse_page(request.args)
    total, count, stars = db.session.execute(queries.shop_summary(), {"member_id": member.id}).one()
    listing = member_products(member.id, total=total, page=page, per_page=_per_page())
    if messages or listing.messages:
        keep_out_of_cache()
    share = contact.shop_share(member)
    message = contact.shop_message(shop_name=member.shop_name, url=share.url)
    return render_template(
        "catalog/shop.html",
        member=member,
        shop_rating=ShopRating(rating_count=int(count), rating_sum=int(stars)),
        listing=listing,
        messages=messages + listing.messages,
        page_args=CatalogFilter().page_args,
        whatsapp_url=whatsapp_url(member.whatsapp, message),
        page_meta=previews.shop_meta(member, product_count=listing.total, page=page),
        share=share,
    )


@blueprint.get("/media/<path:key>")
@indexable  # product photos may be found in image search
def media(key: str):
    """Public photos, logos and banners, by their key exactly as stored, and
    their variants (core.variants, `<key>/480.webp`): any other spelling of a
    path is not found, so no `..`, `.` or encoded trick reaches a folder that
    is not public, and no width or kind outside the few we make is made."""
    variant = variants.parse(key)
    source = variant[0] if variant else key
    folder = folder_of(source)
    if folder not in PUBLIC_FOLDERS:
        abort(404)
    hidden = folder == REVIEW_PHOTO_FOLDER and not _review_photo_shown(source)
    if hidden and not (current_user.is_authenticated and current_user.has_role(Role.ADMIN)):
        abort(404)  # its review is hidden (or gone, or its product is not public)
    if variant is None:
        path, mimetype = storage().path(key), None
    else:
        path, mimetype = variants.variant_file(storage(), *variant), variants.KINDS[variant[2]]
    if path is None or not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=mimetype, max_age=MEDIA_MAX_AGE, as_attachment=path.suffix == ".pdf"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if folder == REVIEW_PHOTO_FOLDER:
        _review_photo_caching(response, hidden=hidden)
    else:
        response.cache_control.immutable = True
    return response


def _review_photo_shown(key: str) -> bool:
    return db.session.scalar(queries.shown_review_photo(key)) is not None


def _review_photo_caching(response: Response, *, hidden: bool) -> None:
    """A shown review's photo for a little while; a hidden one (an admin
    checking it) in no shared cache at all."""
    if hidden:
        response.cache_control.public = False
        response.cache_control.private = True
        response.cache_control.no_store = True
        response.cache_control.max_age = None
    else:
        response.cache_control.max_age = REVIEW_MEDIA_MAX_AGE


@blueprint.get("/healthz")
def health():
    """The benchmark's reference: a template and nothing else (no database)."""
    return render_template("health.html")
