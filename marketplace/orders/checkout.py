"""Checkout: `place_order` turns a shopper's cart into one Order with a
OrderPart per member, in one transaction (the caller commits once).

Order of work: take the cart's row lock, then read the cart once
(`lock_cart`: what the page shows again and what is placed are that one
reading); refuse bad input before writing anything; reserve the stock
(conditional UPDATEs in variant id order, so concurrent checkouts queue on
the same rows in the same order and never deadlock, and never oversell);
snapshot the lines; pick an order code and a unique code that makes the
transfer amount unique among open transfers; empty the cart; queue the
email. A resubmitted form carries the same idempotency key and gets the
order it already placed, even when both submits arrive at once: a
shopper's checkouts take their cart's row lock first, so the second waits
for the first and then finds its order (PostgreSQL; SQLite has one writer
at a time). What the UNIQUE constraints still refuse is an OrderNotSaved."""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.core.money import format_rupiah, percent_of
from marketplace.core.whatsapp import InvalidWhatsapp, normalise_whatsapp
from marketplace.extensions import db
from marketplace.members.models import Kecamatan, Member
from marketplace.orders import notify
from marketplace.orders.cart import (
    CartGroup,
    CartSummary,
    cart_items,
    empty_cart,
    is_buyable,
    summarise,
)
from marketplace.orders.models import Cart, Order, OrderLine, OrderPart
from marketplace.orders.services import commission_rate, reserve_stock
from marketplace.orders.status import (
    DeliveryMethod,
    OrderError,
    OrderPartStatus,
    OrderStatus,
    PaymentMethod,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 6
MAX_UNIQUE_CODE = 999
# The unique code a bank transfer adds: what checkout says before placing and what it picks.
UNIQUE_CODES = range(1, MAX_UNIQUE_CODE + 1)


@dataclass(frozen=True)
class CheckoutRules:
    """The settings a checkout follows, from the app's configuration."""

    payment_hours: int
    default_commission_bps: int
    shares: Mapping[str, int]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "CheckoutRules":
        return cls(
            payment_hours=config["ORDER_PAYMENT_HOURS"],
            default_commission_bps=config["COMMISSION_DEFAULT_BPS"],
            shares=dict(config["COMMISSION_SHARES"]),
        )


_random = secrets.SystemRandom()


NO_LONGER_SOLD = "Ada produk di keranjang yang sudah tidak dijual. Hapus dulu."


class InvalidCheckout(OrderError):
    """The checkout form or the cart cannot make an order as it is."""


class PriceChanged(InvalidCheckout):
    """A price changed since the shopper put the variant in the cart."""


class TotalChanged(InvalidCheckout):
    """The goods and delivery now add up to another total than the one the
    shopper saw (the kecamatan or a choice changed without a recount, or a
    fee changed meanwhile): they see the new one before placing."""


class OrderNotSaved(OrderError):
    """A UNIQUE constraint refused the order (another checkout took the same
    order code or transfer amount at the same moment): trying again works."""

    def __init__(self) -> None:
        super().__init__("Pesanan belum tersimpan. Silakan coba lagi.")


@dataclass(frozen=True)
class Contact:
    name: str
    whatsapp: str
    address: str
    kecamatan: Kecamatan | None
    desa: str


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def _clean_contact(contact: Contact) -> Contact:
    name, address, desa = contact.name.strip(), contact.address.strip(), contact.desa.strip()
    if not name or len(name) > 120:
        raise InvalidCheckout("Isi nama penerima (paling banyak 120 huruf).")
    if not address or len(address) > 255:
        raise InvalidCheckout("Isi alamat lengkap (paling banyak 255 huruf).")
    if not desa or len(desa) > 80:
        raise InvalidCheckout("Isi nama desa/kelurahan (paling banyak 80 huruf).")
    if contact.kecamatan is None:
        raise InvalidCheckout("Pilih kecamatan tujuan.")
    try:
        whatsapp = normalise_whatsapp(contact.whatsapp)
    except InvalidWhatsapp as refused:
        raise InvalidCheckout(refused.message) from refused
    return Contact(name, whatsapp, address, contact.kecamatan, desa)


def delivery_method(
    *, choice: str | None, offers_pickup: bool, fee: int | None
) -> DeliveryMethod | None:
    """What a member's delivery choice comes to: the one chosen if the member
    offers it (`fee`: it delivers to the kecamatan for that), else None."""
    if choice == DeliveryMethod.PICKUP and offers_pickup:
        return DeliveryMethod.PICKUP
    if choice == DeliveryMethod.DELIVERY and fee is not None:
        return DeliveryMethod.DELIVERY
    return None


def _only_way(*, offers_pickup: bool, fee: int | None) -> DeliveryMethod | None:
    """The one way a member can hand over to the kecamatan, if only one."""
    if offers_pickup and fee is None:
        return DeliveryMethod.PICKUP
    if fee is not None and not offers_pickup:
        return DeliveryMethod.DELIVERY
    return None


def _delivery_of(
    member: Member, choice: str | None, fees: Mapping[int, int], kecamatan: Kecamatan
) -> tuple[DeliveryMethod, int]:
    fee = fees.get(member.id)
    method = delivery_method(choice=choice, offers_pickup=member.offers_pickup, fee=fee)
    if method == DeliveryMethod.PICKUP:
        return DeliveryMethod.PICKUP, 0
    if method == DeliveryMethod.DELIVERY and fee is not None:
        return DeliveryMethod.DELIVERY, fee
    if choice == DeliveryMethod.PICKUP:
        raise InvalidCheckout(f"{member.shop_name} tidak melayani ambil sendiri.")
    if choice == DeliveryMethod.DELIVERY:
        raise InvalidCheckout(
            f"{member.shop_name} tidak mengantar ke Kecamatan {kecamatan.name}. "
            "Pilih ambil sendiri atau kecamatan lain."
        )
    raise InvalidCheckout(f"Pilih cara pengiriman untuk {member.shop_name}.")


@dataclass(frozen=True)
class PartQuote:
    """One member's part as checkout shows it before the order exists."""

    group: CartGroup
    method: DeliveryMethod | None  # None: still to choose

    @property
    def member(self) -> Member:
        return self.group.member

    @property
    def fee(self) -> int:
        if self.method == DeliveryMethod.DELIVERY and self.group.delivery_fee is not None:
            return self.group.delivery_fee
        return 0


@dataclass(frozen=True)
class Quote:
    """What checkout asks for, before "Buat pesanan": the goods, each
    member's delivery fee for the choice made, and for a bank transfer the
    range of the unique code `place_order` will add (the exact code is
    picked when the order is placed, among those no open transfer uses)."""

    parts: list[PartQuote]
    kecamatan: Kecamatan | None
    payment_method: PaymentMethod

    @property
    def subtotal(self) -> int:
        return sum(part.group.subtotal for part in self.parts)

    @property
    def delivery_total(self) -> int:
        return sum(part.fee for part in self.parts)

    @property
    def total(self) -> int:
        """Goods and delivery: the order's total before any unique code."""
        return self.subtotal + self.delivery_total

    @property
    def unique_codes(self) -> range | None:
        return UNIQUE_CODES if self.payment_method == PaymentMethod.BANK_TRANSFER else None

    @property
    def undecided(self) -> list[Member]:
        """The members whose delivery is still to choose (their fee is not in the total)."""
        return [part.member for part in self.parts if part.method is None]


def accepts_cash(members: list[Member]) -> bool:
    """Cash is one handover per member: every member of the order must take it."""
    return bool(members) and all(member.accepts_cash for member in members)


def quote_checkout(
    *, summary: CartSummary, choices: Mapping[int, str], payment_method: str
) -> Quote:
    """The total of this cart to `summary.kecamatan` with these choices
    ({member id: "pickup" | "delivery"}), by the rules `place_order` follows
    and the fees it charges (the summary's, from `delivery_fees`). A part
    with no choice yet takes the only way its member offers there, if only
    one (the page ticks it, so the form sends it); a choice no longer
    offered (another kecamatan) is to make again."""
    parts = []
    for group in summary.groups:
        choice = choices.get(group.member.id)
        offers_pickup, fee = group.offers_pickup, group.delivery_fee
        # Not chosen yet: the only way there is, which the page then ticks.
        way = (
            delivery_method(choice=choice, offers_pickup=offers_pickup, fee=fee)
            if choice
            else _only_way(offers_pickup=offers_pickup, fee=fee)
        )
        parts.append(PartQuote(group=group, method=way))
    cash = payment_method == PaymentMethod.CASH and accepts_cash(
        [group.member for group in summary.groups]
    )
    method = (
        PaymentMethod.CASH
        if cash
        else PaymentMethod.STRIPE
        if payment_method == PaymentMethod.STRIPE
        else PaymentMethod.BANK_TRANSFER
    )
    return Quote(parts=parts, kecamatan=summary.kecamatan, payment_method=method)


# Placing an order asks these on every checkout; they are built once, with
# bound parameters (see `catalog.queries` for what that buys).


@cache
def _code_taken() -> Select[tuple[int]]:
    return select(Order.id).where(Order.code == bindparam("code"))


@cache
def _open_transfer_totals() -> Select[tuple[int]]:
    """The totals between `low` and `high` of the transfers still awaited."""
    return select(Order.total).where(
        Order.status == OrderStatus.PENDING_PAYMENT,
        Order.payment_method == PaymentMethod.BANK_TRANSFER,
        Order.total.between(bindparam("low"), bindparam("high")),
    )


@cache
def _order_by_key() -> Select[tuple[Order]]:
    return select(Order).where(
        Order.idempotency_key == bindparam("key"), Order.buyer_id == bindparam("buyer_id")
    )


def _new_code() -> str:
    for _ in range(10):
        code = "PA-" + "".join(_random.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(_code_taken(), {"code": code}) is None:
            return code
    raise OrderError("Kode pesanan tidak bisa dibuat. Silakan coba lagi.")  # pragma: no cover


def _unique_code(base: int) -> int:
    """A code in UNIQUE_CODES so that base + code is no open transfer's amount. Taken
    after the stock rows are locked, so checkouts of the same goods choose
    one after another; a partial unique index guards the rest."""
    taken = set(
        db.session.scalars(
            _open_transfer_totals(),
            {"low": base + UNIQUE_CODES[0], "high": base + UNIQUE_CODES[-1]},
        )
    )
    free = [code for code in UNIQUE_CODES if base + code not in taken]
    if not free:
        raise OrderError(
            "Terlalu banyak pesanan dengan jumlah yang sama menunggu pembayaran. "
            "Silakan coba lagi beberapa menit lagi."
        )
    return _random.choice(free)


@dataclass(frozen=True)
class LockedCart:
    """A shopper's cart read under its row lock (`lock_cart`), summarised
    with each member's fee to the kecamatan chosen: what checkout shows
    again when it refuses, and what `place_order` places."""

    cart: Cart
    summary: CartSummary


@cache
def _cart_lock() -> Select[tuple[Cart]]:
    """The cart of `user_id` (bound) under its row lock, without its lines.
    On PostgreSQL a statement that waited for a row lock still reads the
    other rows as they were when it began: the lines are read by a statement
    of their own once the lock is held, so a second submit sees the cart
    the first one emptied (tests/orders/test_concurrency.py)."""
    return select(Cart).where(Cart.user_id == bindparam("user_id")).with_for_update()


def lock_cart(*, buyer: User, kecamatan: Kecamatan | None) -> LockedCart | None:
    """The buyer's cart, locked, then read (None: they have none). One
    checkout per shopper at a time: the same form submitted twice at once
    waits here for the first submit, then finds the order it placed (or,
    from another tab, the cart it emptied), as the lines, prices and stock
    are read only once the lock is held."""
    cart = db.session.scalar(_cart_lock(), {"user_id": buyer.id})
    if cart is None:
        return None
    db.session.expire(cart, ["lines"])  # read before the lock, they may be stale
    return LockedCart(cart=cart, summary=summarise(cart_items(cart), kecamatan))


def existing_order(*, buyer: User, idempotency_key: str) -> Order | None:
    return db.session.scalar(_order_by_key(), {"key": idempotency_key, "buyer_id": buyer.id})


def place_order(
    *,
    buyer: User,
    cart: LockedCart,
    contact: Contact,
    choices: Mapping[int, str],
    payment_method: str,
    idempotency_key: str,
    rules: CheckoutRules,
    expected_total: int | None = None,
    now: datetime | None = None,
) -> Order:
    """Place the order of `cart`, locked and read with the fees to the
    contact's kecamatan (`lock_cart`): `choices` is {member id: "pickup" |
    "delivery"}. `expected_total` is the total of goods and delivery the
    shopper was shown (`Quote.total`): another one is refused with
    TotalChanged, so nobody is asked for more than they saw (but the unique
    code they were told of). The same `idempotency_key` again returns the
    order it placed. Raises InvalidCheckout, PriceChanged, TotalChanged,
    OutOfStock or OrderNotSaved; the caller rolls back."""
    if not 16 <= len(idempotency_key) <= 64:
        raise InvalidCheckout("Formulir tidak lengkap. Muat ulang halaman lalu coba lagi.")
    if cart.cart.user_id != buyer.id:
        raise InvalidCheckout("Keranjang ini bukan milik Anda.")
    already = existing_order(buyer=buyer, idempotency_key=idempotency_key)
    if already is not None:
        return already
    contact = _clean_contact(contact)
    assert contact.kecamatan is not None
    summary = cart.summary
    if summary.kecamatan is None or summary.kecamatan.id != contact.kecamatan.id:
        raise ValueError("the cart was read with the fees to another kecamatan")
    if payment_method not in set(PaymentMethod):
        raise InvalidCheckout("Pilih cara pembayaran: transfer bank atau tunai.")

    if summary.is_empty:
        raise InvalidCheckout("Keranjang Anda kosong.")
    if summary.missing:
        raise InvalidCheckout(NO_LONGER_SOLD)
    quantities: dict[int, int] = {}
    for row in summary.rows:
        variant = row.variant
        if not is_buyable(variant):
            raise InvalidCheckout(NO_LONGER_SOLD)
        if variant.price != row.item.price_seen:
            raise PriceChanged(
                f"Harga {variant.product.name} ({variant.name}) sudah berubah. "
                "Periksa keranjang Anda lalu lanjutkan."
            )
        quantities[variant.id] = quantities.get(variant.id, 0) + row.item.quantity

    members = [group.member for group in summary.groups]
    cash = payment_method == PaymentMethod.CASH
    if cash and not accepts_cash(members):
        refusing = ", ".join(member.shop_name for member in members if not member.accepts_cash)
        raise InvalidCheckout(
            f"{refusing} belum menerima pembayaran tunai. Pilih transfer bank, "
            "atau pesan dari toko itu terpisah."
        )
    fees = {
        group.member.id: group.delivery_fee
        for group in summary.groups
        if group.delivery_fee is not None
    }
    deliveries = {
        member.id: _delivery_of(member, choices.get(member.id), fees, contact.kecamatan)
        for member in members
    }

    total = summary.subtotal + sum(fee for _, fee in deliveries.values())
    if expected_total is not None and total != expected_total:
        raise TotalChanged(
            f"Total belanja dan ongkir sekarang {format_rupiah(total)}, bukan "
            f"{format_rupiah(expected_total)} seperti yang tampil tadi. Periksa ringkasan di "
            "bawah, lalu tekan “Buat pesanan” lagi."
        )

    reserve_stock(
        quantities=quantities,
        names={
            row.variant.id: f"{row.variant.product.name} ({row.variant.name})"
            for row in summary.rows
        },
    )

    parts = []
    for group in summary.groups:
        member = group.member
        lines = []
        # A variant on two lines of the cart is one line of the order.
        for variant in {row.variant.id: row.variant for row in group.rows}.values():
            quantity = quantities[variant.id]
            line_total = variant.price * quantity
            rate = commission_rate(
                member, variant.product.category, default_bps=rules.default_commission_bps
            )
            lines.append(
                OrderLine(
                    variant_id=variant.id,
                    product_id=variant.product_id,
                    category_id=variant.product.category_id,
                    product_name=variant.product.name,
                    variant_name=variant.name,
                    unit_price=variant.price,
                    quantity=quantity,
                    line_total=line_total,
                    commission_rate_bps=rate,
                    commission=percent_of(line_total, rate),
                )
            )
        method, fee = deliveries[member.id]
        parts.append(
            OrderPart(
                member_id=member.id,
                kecamatan_slug=member.kecamatan.slug,
                # Cash is paid on handover: the member prepares the part now.
                status=OrderPartStatus.NEW if cash else OrderPartStatus.AWAITING_PAYMENT,
                delivery_method=method,
                delivery_fee=fee,
                subtotal=sum(line.line_total for line in lines),
                commission_total=sum(line.commission for line in lines),
                lines=lines,
            )
        )

    now = now or datetime.now(UTC)
    subtotal = sum(part.subtotal for part in parts)
    delivery_total = sum(part.delivery_fee for part in parts)
    unique_code = (
        _unique_code(subtotal + delivery_total)
        if payment_method == PaymentMethod.BANK_TRANSFER
        else 0
    )
    order = Order(
        code=_new_code(),
        idempotency_key=idempotency_key,
        buyer_id=buyer.id,
        contact_name=contact.name,
        contact_whatsapp=contact.whatsapp,
        address=contact.address,
        kecamatan_id=contact.kecamatan.id,
        desa=contact.desa,
        payment_method=PaymentMethod(payment_method),
        status=OrderStatus.PENDING_PAYMENT,
        subtotal=subtotal,
        delivery_total=delivery_total,
        unique_code=unique_code,
        total=subtotal + delivery_total + unique_code,
        placed_at=now,
        expires_at=now + timedelta(hours=rules.payment_hours),
        share_empowerment=rules.shares["empowerment"],
        share_central=rules.shares["central"],
        share_kecamatan=rules.shares["kecamatan"],
        parts=parts,
    )
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise OrderNotSaved from error
    empty_cart(cart=cart.cart)
    if cash:
        notify.order_placed_cash(order)
    elif order.payment_method == PaymentMethod.BANK_TRANSFER:
        notify.order_placed_transfer(order)
    # A card order says nothing yet: the shopper is on their way to pay, and
    # is told when Stripe's webhook marks it paid.
    return order
