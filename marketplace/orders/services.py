"""What checkout and fulfilment share: the commission rate, stock kept
and given back, and a state change's flush. Services take keyword arguments, raise an OrderError,
flush and never commit."""

from collections.abc import Iterable, Mapping

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from marketplace.catalog.cache import STOCK_ONLY, stock_moved
from marketplace.catalog.models import Category, Product, ProductVariant
from marketplace.extensions import db
from marketplace.members.models import Member
from marketplace.orders.models import Order, OrderLine
from marketplace.orders.status import OrderError


class OutOfStock(OrderError):
    """A variant has less stock than the order asks for."""


class ConcurrentChange(OrderError):
    def __init__(self) -> None:
        super().__init__("Pesanan ini baru saja berubah. Muat ulang halaman lalu coba lagi.")


def flush_change() -> None:
    """Flush a state change of an order or a part; written from a stale row
    (another transaction changed it first: the version counter) it is a
    ConcurrentChange."""
    try:
        db.session.flush()
    except StaleDataError as raced:
        raise ConcurrentChange() from raced


def commission_rate(member: Member, category: Category | None, *, default_bps: int) -> int:
    """The commission in basis points on a sale of `member` in `category`:
    the member's own rate if set, else the category's, else the default."""
    if member.commission_bps is not None:
        return member.commission_bps
    if category is not None and category.commission_bps is not None:
        return category.commission_bps
    return default_bps


def _expire(model: type, ids: list[int]) -> None:
    """Forget what the session remembers of rows changed by a bulk UPDATE."""
    for row_id in ids:
        row = db.session.identity_map.get(db.session.identity_key(model, row_id))
        if row is not None:
            db.session.expire(row, ["stock"] if model is ProductVariant else ["total_stock"])


def _move_variant_stock(variant_id: int, delta: int) -> int | None:
    """Add `delta` to one variant's stock, unless that would take it below
    zero: the variant's product id, or None when nothing moved (too little
    stock, or no such variant). The UPDATE itself says which product it
    touched, so the products' totals need no read of their own."""
    change = update(ProductVariant).where(ProductVariant.id == variant_id)
    if delta < 0:
        change = change.where(ProductVariant.stock >= -delta)
    return db.session.scalar(
        change.values(stock=ProductVariant.stock + delta)
        .returning(ProductVariant.product_id)
        .execution_options(synchronize_session=False, **{STOCK_ONLY: True})
    )


def reserve_stock(*, quantities: Mapping[int, int], names: Mapping[int, str]) -> None:
    """Take `quantities` ({variant id: quantity}) off the stock, all or none:
    one conditional UPDATE per variant, in variant id order (so two carts
    never lock the same rows in opposite orders), then each product's total
    in product id order. Raises OutOfStock; the caller rolls back."""
    per_product: dict[int, int] = {}
    for variant_id in sorted(quantities):
        quantity = quantities[variant_id]
        product_id = _move_variant_stock(variant_id, -quantity)
        if product_id is None:
            left = db.session.scalar(
                select(ProductVariant.stock).where(ProductVariant.id == variant_id)
            )
            name = names.get(variant_id, "Produk")
            if not left:
                raise OutOfStock(f"Stok {name} habis. Hapus dari keranjang lalu coba lagi.")
            raise OutOfStock(
                f"Stok {name} tinggal {left}, kurang dari {quantity} yang dipesan. "
                "Kurangi jumlahnya lalu coba lagi."
            )
        per_product[product_id] = per_product.get(product_id, 0) - quantity
    _shift_product_totals(per_product)
    _expire(ProductVariant, list(quantities))


def release_stock(*, quantities: Mapping[int, int]) -> None:
    """Give `quantities` back to the stock, in variant id order. Deleted
    variants (no longer in the table) are skipped."""
    per_product: dict[int, int] = {}
    for variant_id in sorted(quantities):
        product_id = _move_variant_stock(variant_id, quantities[variant_id])
        if product_id is not None:
            per_product[product_id] = per_product.get(product_id, 0) + quantities[variant_id]
    _shift_product_totals(per_product)
    _expire(ProductVariant, list(quantities))


def _shift_product_totals(per_product: Mapping[int, int]) -> None:
    """Keep `Product.total_stock` (the browsing summary) in step with its
    variants, by the same delta ({product id: delta}, in product id order),
    and tell the page cache what moved (a product that runs out or comes
    back changes the listings too). Prices do not change here, so the rest
    of `catalog.services.refresh_summary` has nothing to do."""
    for product_id in sorted(per_product):
        delta = per_product[product_id]
        after = db.session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(total_stock=Product.total_stock + delta)
            .returning(Product.total_stock)
            .execution_options(synchronize_session=False, **{STOCK_ONLY: True})
        ).scalar_one()
        stock_moved(product_id, before=after - delta, after=after)
    _expire(Product, list(per_product))


def line_quantities(lines: Iterable[OrderLine]) -> dict[int, int]:
    """{variant id: quantity} of `lines` whose variant still exists."""
    quantities: dict[int, int] = {}
    for line in lines:
        if line.variant_id is not None:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    return quantities


def order_quantities(order: Order) -> dict[int, int]:
    return line_quantities(line for part in order.parts for line in part.lines)
