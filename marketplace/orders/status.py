"""Order states: payment and delivery methods, the statuses of an order and
of a member's part with their allowed transitions, their words for people,
and the errors a refused change raises. `models` checks a change against
these dicts in `set_status()`."""

from enum import StrEnum

from marketplace.core.errors import DomainError


class OrderError(DomainError):
    """An order rule refused the action."""


class InvalidTransition(OrderError):
    """The order (or its part) cannot move from its status to the one asked for."""


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"


class DeliveryMethod(StrEnum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class SellerOrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    NEW = "new"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset(
        {OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED}
    ),
    OrderStatus.PARTIALLY_REFUNDED: frozenset(
        {OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED}
    ),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}

# awaiting_payment -> cancelled: the whole unpaid order is cancelled (shopper or expiry).
SELLER_ORDER_TRANSITIONS: dict[SellerOrderStatus, frozenset[SellerOrderStatus]] = {
    SellerOrderStatus.AWAITING_PAYMENT: frozenset(
        {SellerOrderStatus.NEW, SellerOrderStatus.CANCELLED}
    ),
    SellerOrderStatus.NEW: frozenset({SellerOrderStatus.PROCESSING, SellerOrderStatus.CANCELLED}),
    SellerOrderStatus.PROCESSING: frozenset(
        {
            SellerOrderStatus.SHIPPED,
            SellerOrderStatus.READY_FOR_PICKUP,
            SellerOrderStatus.CANCELLED,
        }
    ),
    SellerOrderStatus.SHIPPED: frozenset({SellerOrderStatus.COMPLETED}),
    SellerOrderStatus.READY_FOR_PICKUP: frozenset({SellerOrderStatus.COMPLETED}),
    SellerOrderStatus.COMPLETED: frozenset(),
    SellerOrderStatus.CANCELLED: frozenset(),
}

ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: "Menunggu pembayaran",
    OrderStatus.PAID: "Sudah dibayar",
    OrderStatus.COMPLETED: "Selesai",
    OrderStatus.CANCELLED: "Dibatalkan",
    OrderStatus.REFUNDED: "Dana dikembalikan",
    OrderStatus.PARTIALLY_REFUNDED: "Dana dikembalikan sebagian",
}
SELLER_ORDER_STATUS_LABELS = {
    SellerOrderStatus.AWAITING_PAYMENT: "Menunggu pembayaran",
    SellerOrderStatus.NEW: "Pesanan baru",
    SellerOrderStatus.PROCESSING: "Sedang disiapkan",
    SellerOrderStatus.SHIPPED: "Sedang diantar",
    SellerOrderStatus.READY_FOR_PICKUP: "Siap diambil",
    SellerOrderStatus.COMPLETED: "Selesai",
    SellerOrderStatus.CANCELLED: "Dibatalkan",
}
PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: "Transfer bank",
    PaymentMethod.CASH: "Tunai saat ambil/antar",
}
DELIVERY_METHOD_LABELS = {
    DeliveryMethod.PICKUP: "Ambil sendiri",
    DeliveryMethod.DELIVERY: "Diantar penjual",
}


def refuse_transition(labels: dict, current: StrEnum, wanted: StrEnum) -> InvalidTransition:
    return InvalidTransition(
        f"Status tidak bisa diubah dari “{labels[current]}” menjadi “{labels[wanted]}”."
    )
