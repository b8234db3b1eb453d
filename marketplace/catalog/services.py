"""Writes to the catalog: a member's products and their variants (photos in
`photos.py`).
Services take keyword arguments and models, raise a CatalogError, flush and
never commit: the caller commits once.

About 400 lines on purpose: a product and its variants are one aggregate
(every write checks both, and the bulk update reuses the single-product
checks); splitting them would put one set of rules in two modules."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from slugify import slugify
from sqlalchemy import select

from marketplace.catalog import queries
from marketplace.catalog.models import (
    Category,
    Product,
    ProductStatus,
    ProductVariant,
)
from marketplace.core.errors import DomainError
from marketplace.core.money import format_rupiah
from marketplace.extensions import db
from marketplace.members.models import Member

DEFAULT_VARIANT = "Standar"
COPY_SUFFIX = " (salinan)"
MAX_NAME = 160
MAX_VARIANT_NAME = 80
MAX_UNIT = 30
MAX_DESCRIPTION = 5000
MAX_VARIANTS = 20
MAX_PRICE = 1_000_000_000  # Rp1 miliar
MAX_STOCK = 1_000_000
MAX_WEIGHT_GRAMS = 100_000  # 100 kg

# Archived is where a product rests; restoring brings it back as a draft.
PRODUCT_TRANSITIONS: dict[ProductStatus, frozenset[ProductStatus]] = {
    ProductStatus.DRAFT: frozenset({ProductStatus.ACTIVE, ProductStatus.ARCHIVED}),
    ProductStatus.ACTIVE: frozenset({ProductStatus.DRAFT, ProductStatus.ARCHIVED}),
    ProductStatus.ARCHIVED: frozenset({ProductStatus.DRAFT}),
}
STATUS_WORDS = {
    ProductStatus.DRAFT: "draf",
    ProductStatus.ACTIVE: "aktif",
    ProductStatus.ARCHIVED: "diarsipkan",
}


class CatalogError(DomainError):
    """A catalog rule refused the change."""


class InvalidTransition(CatalogError):
    """The product cannot move from its status to the one asked for."""


class NotFound(CatalogError):
    """A variant or photo id that is not the member's: views answer 404."""


class NameTaken(CatalogError):
    """The member's shop already has a product of that name."""


class BulkUpdateRefused(CatalogError):
    """Some rows of a bulk update were refused; `problems` says why, by variant id."""

    def __init__(self, problems: dict[int, list[str]]) -> None:
        super().__init__(
            f"{len(problems)} baris perlu diperbaiki; belum ada perubahan yang disimpan."
        )
        self.problems = problems


@dataclass(frozen=True)
class VariantInput:
    """A variant as the member wrote it. `id` names an existing variant of the
    product (kept, so past orders keep pointing at it); `stock_seen` is the
    stock the member saw when the form opened (see `_stock_after`)."""

    name: str
    price: int
    stock: int
    id: int | None = None
    stock_seen: int | None = None


@dataclass(frozen=True)
class VariantChange:
    """One row of the quick update: a new price and stock for a variant."""

    variant_id: int
    price: int
    stock: int
    stock_seen: int | None = None


@dataclass
class _Checked:
    name: str
    price: int
    stock: int
    problems: list[str] = field(default_factory=list)


# --- checks ----------------------------------------------------------------


def price_problem(price: int) -> str | None:
    if price < 1:
        return "Harga harus lebih dari Rp0."
    if price > MAX_PRICE:
        return f"Harga paling tinggi {format_rupiah(MAX_PRICE)}."
    return None


def stock_problem(stock: int) -> str | None:
    if stock < 0:
        return "Stok tidak boleh negatif."
    if stock > MAX_STOCK:
        return f"Stok paling banyak {MAX_STOCK:,}.".replace(",", ".")
    return None


def _stock_after(current: int, wanted: int, seen: int | None) -> tuple[int, str | None]:
    """The stock to store. Orders take stock while the member edits; a stock
    the member did not touch keeps today's value, and one they changed after
    it moved is refused, so a sale is never overwritten unseen."""
    if seen is None or current == seen or current == wanted:
        # current == wanted: already so (the same form saved twice): nothing to overwrite.
        return wanted, None
    if wanted == seen:
        return current, None
    return current, (
        f"Stok berubah menjadi {current} sejak halaman dibuka (ada pesanan). "
        "Periksa lalu simpan lagi."
    )


def _clean_product_fields(
    *, name: str, unit: str, weight_grams: int | None, description: str
) -> tuple[str, str, str]:
    name = " ".join(name.split())
    unit = " ".join(unit.split()) or "pcs"
    if not name:
        raise CatalogError("Nama produk wajib diisi.")
    if len(name) > MAX_NAME:
        raise CatalogError(f"Nama produk paling panjang {MAX_NAME} karakter.")
    if len(unit) > MAX_UNIT:
        raise CatalogError(f"Satuan paling panjang {MAX_UNIT} karakter.")
    if weight_grams is not None and not 1 <= weight_grams <= MAX_WEIGHT_GRAMS:
        raise CatalogError(f"Berat antara 1 dan {MAX_WEIGHT_GRAMS:,} gram.".replace(",", "."))
    description = "\n".join(line.rstrip() for line in description.splitlines()).strip()
    if len(description) > MAX_DESCRIPTION:
        raise CatalogError(f"Deskripsi paling panjang {MAX_DESCRIPTION} karakter.")
    return name, unit, description


def _check_variant_names(names: list[str]) -> None:
    if not names:
        raise CatalogError("Produk perlu setidaknya satu varian dengan harga dan stok.")
    if len(names) > MAX_VARIANTS:
        raise CatalogError(f"Paling banyak {MAX_VARIANTS} varian per produk.")
    if len(names) > 1 and not all(names):
        raise CatalogError("Beri nama setiap varian, misalnya 250 g dan 500 g.")
    if any(len(name) > MAX_VARIANT_NAME for name in names):
        raise CatalogError(f"Nama varian paling panjang {MAX_VARIANT_NAME} karakter.")
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise CatalogError(f"Nama varian “{name}” dipakai dua kali.")
        seen.add(name.casefold())


def _check_variants(
    variants: Sequence[VariantInput], existing: dict[int, ProductVariant]
) -> list[_Checked]:
    names = [" ".join(variant.name.split()) for variant in variants]
    _check_variant_names(names)
    checked = []
    for variant, name in zip(variants, names, strict=True):
        stock, conflict = variant.stock, None
        if variant.id is not None:
            stock, conflict = _stock_after(
                existing[variant.id].stock, variant.stock, variant.stock_seen
            )
        label = name or DEFAULT_VARIANT
        for problem in (price_problem(variant.price), stock_problem(stock), conflict):
            if problem:
                raise CatalogError(f"Varian {label}: {problem}")
        checked.append(_Checked(name=label, price=variant.price, stock=stock))
    return checked


def name_key(name: str) -> str:
    """A name as compared: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


def hold_shop(member: Member) -> None:
    """Take the member's row lock until commit (PostgreSQL; SQLite has one
    writer), so new products come into a shop one batch at a time and the
    names a batch checks are the names committed before it."""
    db.session.execute(select(Member.id).where(Member.id == member.id).with_for_update())


def ensure_new_name(*, member: Member, name: str) -> None:
    """Refuse a name the shop already has: the member's create form sent
    twice (a double tap, a resend) adds the product once, as the CSV import
    never adds a product twice. The shop is held until commit."""
    hold_shop(member)
    wanted = name_key(name)
    names = db.session.scalars(queries.member_product_names(member.id))
    if any(name_key(existing) == wanted for existing in names):
        raise NameTaken(
            f"Produk “{' '.join(name.split())}” sudah ada di toko Anda (lihat Produk saya). "
            "Ubah produk itu, atau beri nama lain."
        )


def ensure_editable(product: Product) -> None:
    if product.status == ProductStatus.ARCHIVED:
        raise CatalogError("Produk ini diarsipkan. Pulihkan dulu untuk mengubahnya.")


def _lock_variants(product_ids: Sequence[int], variant_ids: Sequence[int] = ()) -> None:
    """Lock the variant rows (in id order) and read their stock afresh, so a
    stock check holds until the commit (PostgreSQL; SQLite locks the file)."""
    where = (
        ProductVariant.id.in_(variant_ids)
        if variant_ids
        else ProductVariant.product_id.in_(product_ids)
    )
    db.session.scalars(
        select(ProductVariant)
        .where(where)
        .order_by(ProductVariant.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def refresh_summary(product: Product) -> None:
    """Recompute the browsing summary of `product` from its variants."""
    prices = [variant.price for variant in product.variants]
    product.min_price = min(prices, default=0)
    product.max_price = max(prices, default=0)
    product.total_stock = sum(variant.stock for variant in product.variants)


# --- products --------------------------------------------------------------


def create_product(
    *,
    member: Member,
    category: Category,
    name: str,
    variants: Sequence[VariantInput],
    description: str = "",
    unit: str = "pcs",
    weight_grams: int | None = None,
    status: ProductStatus = ProductStatus.DRAFT,
) -> Product:
    name, unit, description = _clean_product_fields(
        name=name, unit=unit, weight_grams=weight_grams, description=description
    )
    if any(variant.id is not None for variant in variants):
        raise NotFound("Varian tidak ditemukan.")
    checked = _check_variants(variants, {})
    product = Product(
        member=member,
        category=category,
        name=name,
        slug=slugify(name)[:180] or "produk",
        description=description,
        unit=unit,
        weight_grams=weight_grams,
        status=status,
        variants=[
            ProductVariant(name=v.name, price=v.price, stock=v.stock, position=i)
            for i, v in enumerate(checked)
        ],
    )
    refresh_summary(product)
    db.session.add(product)
    db.session.flush()
    return product


def hold_for_edit(product: Product) -> None:
    """Lock the product's variants until the commit and read them afresh:
    what an edit replaces, no sale in between. `update_product` holds them
    itself; who must say what an edit changed (catalog.changes) holds them
    before looking."""
    _lock_variants([product.id])
    db.session.expire(product, ["variants"])


def update_product(
    *,
    product: Product,
    category: Category,
    name: str,
    variants: Sequence[VariantInput],
    description: str = "",
    unit: str = "pcs",
    weight_grams: int | None = None,
    status: ProductStatus | None = None,
) -> Product:
    """Change the product and its variants. A variant given with its id is
    updated in place (its id stays, so past orders keep pointing at it), one
    without an id is added, and one left out is deleted: the order lines
    snapshot name and price, so they need nothing of it."""
    ensure_editable(product)
    name, unit, description = _clean_product_fields(
        name=name, unit=unit, weight_grams=weight_grams, description=description
    )
    status = ProductStatus(status or product.status)
    if status != product.status and status not in PRODUCT_TRANSITIONS[product.status]:
        raise InvalidTransition(_transition_message(product, status))
    hold_for_edit(product)
    existing = {variant.id: variant for variant in product.variants}
    given = [variant.id for variant in variants if variant.id is not None]
    if len(set(given)) != len(given) or not set(given) <= set(existing):
        raise NotFound("Varian tidak ditemukan.")
    checked = _check_variants(variants, existing)

    kept = []
    for position, (variant, clean) in enumerate(zip(variants, checked, strict=True)):
        row = existing[variant.id] if variant.id is not None else ProductVariant()
        row.name, row.price, row.stock, row.position = (
            clean.name,
            clean.price,
            clean.stock,
            position,
        )
        kept.append(row)
    product.variants = kept  # the ones left out are deleted (delete-orphan)
    product.category = category
    if name != product.name:
        product.name, product.slug = name, slugify(name)[:180] or "produk"
    product.description, product.unit, product.weight_grams = description, unit, weight_grams
    product.status = status
    refresh_summary(product)
    db.session.flush()
    return product


def _transition_message(product: Product, status: ProductStatus) -> str:
    current = STATUS_WORDS[ProductStatus(product.status)]
    if product.status == status:
        return f"Produk ini sudah {current}."
    return f"Produk yang {current} tidak bisa dijadikan {STATUS_WORDS[status]}."


def set_status(*, product: Product, status: ProductStatus) -> Product:
    """Move the product to `status` if PRODUCT_TRANSITIONS allows it."""
    if status not in PRODUCT_TRANSITIONS[ProductStatus(product.status)]:
        raise InvalidTransition(_transition_message(product, status))
    product.status = status
    db.session.flush()
    return product


def publish_product(*, product: Product) -> Product:
    return set_status(product=product, status=ProductStatus.ACTIVE)


def archive_product(*, product: Product) -> Product:
    return set_status(product=product, status=ProductStatus.ARCHIVED)


def restore_product(*, product: Product) -> Product:
    """An archived product comes back as a draft, to check before showing it."""
    if product.status != ProductStatus.ARCHIVED:
        raise InvalidTransition("Hanya produk yang diarsipkan yang bisa dipulihkan.")
    return set_status(product=product, status=ProductStatus.DRAFT)


def duplicate_product(*, product: Product) -> Product:
    """A draft copy named "… (salinan)" with the same details and variants
    (names and prices). Stock starts at 0, since the copy is another product
    whose stock the member has yet to count; photos are not copied (each
    product owns its files: deleting one photo never empties another)."""
    name = product.name[: MAX_NAME - len(COPY_SUFFIX)].rstrip() + COPY_SUFFIX
    copy = Product(
        member=product.member,
        category=product.category,
        name=name,
        slug=slugify(name)[:180] or "produk",
        description=product.description,
        unit=product.unit,
        weight_grams=product.weight_grams,
        status=ProductStatus.DRAFT,
        variants=[
            ProductVariant(name=v.name, price=v.price, stock=0, position=i)
            for i, v in enumerate(product.variants)
        ],
    )
    refresh_summary(copy)
    db.session.add(copy)
    db.session.flush()
    return copy


def update_variants(*, member: Member, changes: Sequence[VariantChange]) -> list[ProductVariant]:
    """Set price and stock of many of the member's variants at once: all rows
    or none. Refused rows raise BulkUpdateRefused with a reason per row."""
    ids = [change.variant_id for change in changes]
    if len(set(ids)) != len(ids):
        raise NotFound("Varian tidak ditemukan.")
    _lock_variants([], sorted(ids))
    rows = {
        variant.id: variant
        for variant in db.session.scalars(
            select(ProductVariant)
            .join(ProductVariant.product)
            .where(
                ProductVariant.id.in_(ids),
                Product.member_id == member.id,
                Product.status != ProductStatus.ARCHIVED,
            )
        )
    }
    if set(rows) != set(ids):
        raise NotFound("Varian tidak ditemukan.")
    problems: dict[int, list[str]] = {}
    planned = []
    for change in changes:
        variant = rows[change.variant_id]
        stock, conflict = _stock_after(variant.stock, change.stock, change.stock_seen)
        found = [p for p in (price_problem(change.price), stock_problem(stock), conflict) if p]
        if found:
            problems[variant.id] = found
        planned.append((variant, change.price, stock))
    if problems:
        raise BulkUpdateRefused(problems)
    changed = []
    for variant, price, stock in planned:
        if (variant.price, variant.stock) != (price, stock):
            variant.price, variant.stock = price, stock
            changed.append(variant)
    for product in {variant.product for variant in changed}:
        refresh_summary(product)
    db.session.flush()
    return changed
