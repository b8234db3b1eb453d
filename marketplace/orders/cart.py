"""The cart: a guest's lives in the session as {variant id: [quantity,
price seen]}; a logged-in shopper's in `Cart`/`CartLine`. Both are read the
same way, through `CartItem`s, into a `CartSummary` that groups the lines by
member and says what is wrong with each (sold out, less stock, new price)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductStatus, ProductVariant
from marketplace.core.money import format_rupiah
from marketplace.core.numbers import as_whole
from marketplace.extensions import db
from marketplace.members.delivery import delivery_fees
from marketplace.members.models import Kecamatan, Member, MemberStatus
from marketplace.orders.models import Cart, CartLine
from marketplace.orders.status import OrderError

MAX_QUANTITY = 999
MAX_GUEST_LINES = 30  # the session is a cookie


class CartError(OrderError):
    """The cart refused the change."""


@dataclass(frozen=True)
class CartItem:
    variant_id: int
    quantity: int
    price_seen: int


@dataclass
class CartRow:
    item: CartItem
    variant: ProductVariant
    problems: list[str] = field(default_factory=list)

    @property
    def unit_price(self) -> int:
        return self.variant.price

    @property
    def line_total(self) -> int:
        return self.unit_price * self.item.quantity


@dataclass
class CartGroup:
    member: Member
    rows: list[CartRow]
    delivery_fee: int | None  # to the chosen kecamatan; None: no delivery there

    @property
    def subtotal(self) -> int:
        return sum(row.line_total for row in self.rows)

    @property
    def offers_pickup(self) -> bool:
        return self.member.offers_pickup


@dataclass
class CartSummary:
    groups: list[CartGroup]
    missing: list[CartItem]  # variants that no longer exist
    kecamatan: Kecamatan | None

    @property
    def rows(self) -> list[CartRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def subtotal(self) -> int:
        return sum(group.subtotal for group in self.groups)

    @property
    def count(self) -> int:
        return sum(row.item.quantity for row in self.rows)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.missing

    @property
    def has_problems(self) -> bool:
        return bool(self.missing) or any(row.problems for row in self.rows)

    @property
    def has_price_changes(self) -> bool:
        return any(row.variant.price != row.item.price_seen for row in self.rows)


def is_buyable(variant: ProductVariant) -> bool:
    return (
        variant.product.status == ProductStatus.ACTIVE
        and variant.product.member.status == MemberStatus.APPROVED
    )


def problems_of(variant: ProductVariant, quantity: int, price_seen: int) -> list[str]:
    """What stops this line from being bought as it is, in words for the shopper."""
    if not is_buyable(variant):
        return ["Produk ini sudah tidak dijual."]
    problems = []
    if variant.stock <= 0:
        problems.append("Stok habis.")
    elif variant.stock < quantity:
        problems.append(f"Stok tinggal {variant.stock}. Kurangi jumlahnya.")
    if variant.price != price_seen:
        problems.append(
            f"Harga berubah dari {format_rupiah(price_seen)} menjadi {format_rupiah(variant.price)}."
        )
    return problems


@cache
def _variants() -> Select[tuple[ProductVariant]]:
    """The variants `ids` (bound) with their product, its member and its
    category (whose rate checkout snapshots), in one statement. Built once:
    the product's add-to-cart form, the cart and both checkout requests ask
    it, and building it with its loader options costs about as much Python
    as running it (see `catalog.queries`)."""
    return (
        select(ProductVariant)
        .where(ProductVariant.id.in_(bindparam("ids", expanding=True)))
        .options(
            joinedload(ProductVariant.product).options(
                joinedload(Product.member), joinedload(Product.category)
            )
        )
    )


def load_variants(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    variants = db.session.scalars(_variants(), {"ids": ids}).all()
    return {variant.id: variant for variant in variants}


def summarise(items: Iterable[CartItem], kecamatan: Kecamatan | None = None) -> CartSummary:
    """Read the cart: rows grouped by member (in the order first added),
    each with its problems, and each member's delivery fee to `kecamatan`."""
    items = list(items)
    variants = load_variants(item.variant_id for item in items)
    groups: dict[int, CartGroup] = {}
    missing = []
    for item in items:
        variant = variants.get(item.variant_id)
        if variant is None:
            missing.append(item)
            continue
        member = variant.product.member
        group = groups.setdefault(member.id, CartGroup(member=member, rows=[], delivery_fee=None))
        group.rows.append(
            CartRow(
                item=item,
                variant=variant,
                problems=problems_of(variant, item.quantity, item.price_seen),
            )
        )
    if kecamatan is not None and groups:
        fees = delivery_fees(member_ids=list(groups), kecamatan=kecamatan)
        for member_id, group in groups.items():
            group.delivery_fee = fees.get(member_id)
    return CartSummary(groups=list(groups.values()), missing=missing, kecamatan=kecamatan)


def _check_quantity(variant: ProductVariant, quantity: int) -> None:
    if not is_buyable(variant):
        raise CartError("Produk ini sudah tidak dijual.")
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise CartError(f"Jumlah harus antara 1 dan {MAX_QUANTITY}.")
    if variant.stock <= 0:
        raise CartError(f"Stok {variant.product.name} ({variant.name}) habis.")
    if quantity > variant.stock:
        raise CartError(f"Stok {variant.product.name} ({variant.name}) tinggal {variant.stock}.")


# --- a guest's cart (a plain dict kept in the session) ---------------------


def guest_items(raw: object) -> list[CartItem]:
    """The session's cart, ignoring anything malformed (it is a cookie)."""
    if not isinstance(raw, Mapping):
        return []
    items = []
    for key, value in raw.items():
        variant_id = as_whole(key)
        if not variant_id or not (isinstance(value, list) and len(value) == 2):
            continue
        quantity, price_seen = value
        if isinstance(quantity, int) and isinstance(price_seen, int) and quantity > 0:
            items.append(CartItem(variant_id, min(quantity, MAX_QUANTITY), price_seen))
    return items


def guest_add(raw: object, *, variant: ProductVariant, quantity: int) -> dict:
    """The session's cart with `quantity` more of `variant`."""
    items = {str(item.variant_id): [item.quantity, item.price_seen] for item in guest_items(raw)}
    key = str(variant.id)
    already = items.get(key, [0, variant.price])[0]
    if key not in items and len(items) >= MAX_GUEST_LINES:
        raise CartError(f"Keranjang tamu paling banyak {MAX_GUEST_LINES} produk. Silakan masuk.")
    _check_quantity(variant, already + quantity)
    items[key] = [already + quantity, variant.price]
    return items


def guest_set(
    raw: object, *, variant: ProductVariant | None, variant_id: int, quantity: int
) -> dict:
    """The session's cart with `variant_id` at `quantity` (0 removes it)."""
    items = {str(item.variant_id): [item.quantity, item.price_seen] for item in guest_items(raw)}
    key = str(variant_id)
    if key not in items:
        raise CartError("Produk ini tidak ada di keranjang Anda.")
    if quantity == 0:
        del items[key]
        return items
    if variant is None:
        raise CartError("Produk ini sudah tidak tersedia.")
    _check_quantity(variant, quantity)
    items[key] = [quantity, items[key][1]]
    return items


def guest_accept_prices(raw: object) -> dict:
    items = guest_items(raw)
    variants = load_variants(item.variant_id for item in items)
    return {
        str(item.variant_id): [
            item.quantity,
            variants[item.variant_id].price if item.variant_id in variants else item.price_seen,
        ]
        for item in items
    }


# --- a logged-in shopper's cart ---------------------------------------------


def cart_items(cart: Cart | None) -> list[CartItem]:
    if cart is None:
        return []
    return [CartItem(line.variant_id, line.quantity, line.price_seen) for line in cart.lines]


@cache
def user_cart() -> Select[tuple[Cart]]:
    """The cart of `user_id` (bound) with its lines, in one statement:
    whoever asks for the cart reads them. Built once (every cart and
    checkout request asks it)."""
    return select(Cart).where(Cart.user_id == bindparam("user_id")).options(joinedload(Cart.lines))


def cart_of(user: User) -> Cart | None:
    return db.session.scalars(user_cart(), {"user_id": user.id}).unique().first()


def open_cart(*, user: User) -> Cart:
    """The user's cart, made on first use."""
    cart = cart_of(user)
    if cart is not None:
        return cart
    cart = Cart(user=user)
    db.session.add(cart)
    db.session.flush()
    return cart


def _line_of(cart: Cart, variant_id: int) -> CartLine | None:
    return next((line for line in cart.lines if line.variant_id == variant_id), None)


def add_to_cart(*, cart: Cart, variant: ProductVariant, quantity: int) -> CartLine:
    line = _line_of(cart, variant.id)
    already = line.quantity if line else 0
    _check_quantity(variant, already + quantity)
    if line is None:
        line = CartLine(variant=variant, quantity=quantity, price_seen=variant.price)
        cart.lines.append(line)
    else:
        line.quantity = already + quantity
        line.price_seen = variant.price  # the shopper has just seen it
    db.session.flush()
    return line


def set_quantity(*, cart: Cart, variant_id: int, quantity: int) -> None:
    """Set the quantity of a variant in the cart; 0 removes it."""
    line = _line_of(cart, variant_id)
    if line is None:
        raise CartError("Produk ini tidak ada di keranjang Anda.")
    if quantity == 0:
        cart.lines.remove(line)
    else:
        _check_quantity(line.variant, quantity)
        line.quantity = quantity
    db.session.flush()


def accept_prices(*, cart: Cart) -> None:
    """The shopper has seen the new prices: they become the prices seen."""
    for line in cart.lines:
        line.price_seen = line.variant.price
    db.session.flush()


def merge_guest_cart(*, cart: Cart, items: Iterable[CartItem]) -> None:
    """Add a guest cart into the shopper's cart at login. Quantities add up,
    capped at the stock (a merge never refuses: the cart page then shows
    what is wrong); the price seen is the older one, so a change since the
    guest added it still warns."""
    variants = load_variants(item.variant_id for item in items)
    for item in items:
        variant = variants.get(item.variant_id)
        if variant is None or not is_buyable(variant):
            continue
        line = _line_of(cart, item.variant_id)
        if line is None:
            cart.lines.append(
                CartLine(variant=variant, quantity=item.quantity, price_seen=item.price_seen)
            )
        else:
            line.quantity = min(line.quantity + item.quantity, max(variant.stock, line.quantity))
    db.session.flush()


def empty_cart(*, cart: Cart) -> None:
    """One DELETE, so a double submit that already emptied it is not an error."""
    db.session.execute(
        delete(CartLine)
        .where(CartLine.cart_id == cart.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cart, ["lines"])
