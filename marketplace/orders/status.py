"""Order states: payment and delivery methods, the statuses of an order and
of a member's part with their allowed transitions, their words for people,
the errors a refused change raises, and the kinds of the events each change
records. `Order.set_status()` and `OrderPart.set_status()` (`models`) are
the only status movers: they check these dicts, raise the refusal below and
record an `OrderEvent` (`events`)."""

from enum import StrEnum

from marketplace.core.errors import DomainError


class OrderError(DomainError):
    """An order rule refused the action."""


class InvalidTransition(OrderError):
    """The order (or its part) cannot move from its status to the one asked for."""


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    STRIPE = "stripe"


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


class OrderPartStatus(StrEnum):
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
PART_TRANSITIONS: dict[OrderPartStatus, frozenset[OrderPartStatus]] = {
    OrderPartStatus.AWAITING_PAYMENT: frozenset({OrderPartStatus.NEW, OrderPartStatus.CANCELLED}),
    OrderPartStatus.NEW: frozenset({OrderPartStatus.PROCESSING, OrderPartStatus.CANCELLED}),
    OrderPartStatus.PROCESSING: frozenset(
        {
            OrderPartStatus.SHIPPED,
            OrderPartStatus.READY_FOR_PICKUP,
            OrderPartStatus.CANCELLED,
        }
    ),
    OrderPartStatus.SHIPPED: frozenset({OrderPartStatus.COMPLETED}),
    OrderPartStatus.READY_FOR_PICKUP: frozenset({OrderPartStatus.COMPLETED}),
    OrderPartStatus.COMPLETED: frozenset(),
    OrderPartStatus.CANCELLED: frozenset(),
}

ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: "Menunggu pembayaran",
    OrderStatus.PAID: "Sudah dibayar",
    OrderStatus.COMPLETED: "Selesai",
    OrderStatus.CANCELLED: "Dibatalkan",
    OrderStatus.REFUNDED: "Dana dikembalikan",
    OrderStatus.PARTIALLY_REFUNDED: "Dana dikembalikan sebagian",
}
PART_STATUS_LABELS = {
    OrderPartStatus.AWAITING_PAYMENT: "Menunggu pembayaran",
    OrderPartStatus.NEW: "Pesanan baru",
    OrderPartStatus.PROCESSING: "Sedang disiapkan",
    OrderPartStatus.SHIPPED: "Sedang diantar",
    OrderPartStatus.READY_FOR_PICKUP: "Siap diambil",
    OrderPartStatus.COMPLETED: "Selesai",
    OrderPartStatus.CANCELLED: "Dibatalkan",
}
PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: "Transfer bank",
    PaymentMethod.CASH: "Tunai saat ambil/antar",
    PaymentMethod.STRIPE: "Kartu / Stripe",
}
# The word for a badge or a list line, where the label above is too long.
PAYMENT_METHOD_WORDS = {
    PaymentMethod.BANK_TRANSFER: "Transfer",
    PaymentMethod.CASH: "Tunai",
    PaymentMethod.STRIPE: "Kartu",
}
# That an order's payment came, as a step of its timeline and in the
# members' emails and WhatsApp messages: a person confirmed a transfer,
# Stripe's signed webhook a card (cash is paid part by part, on handover).
PAYMENT_RECEIVED_WORDS = {
    PaymentMethod.BANK_TRANSFER: "Pembayaran diterima bendahara",
    PaymentMethod.CASH: "Dibayar tunai saat serah terima",
    PaymentMethod.STRIPE: "Pembayaran kartu diterima",
}
DELIVERY_METHOD_LABELS = {
    DeliveryMethod.PICKUP: "Ambil sendiri",
    DeliveryMethod.DELIVERY: "Diantar penjual",
}


def refuse_order_transition(current: OrderStatus, wanted: OrderStatus) -> InvalidTransition:
    return InvalidTransition(
        f"Status tidak bisa diubah dari “{ORDER_STATUS_LABELS[current]}” menjadi "
        f"“{ORDER_STATUS_LABELS[wanted]}”."
    )


def refuse_part_transition(current: OrderPartStatus, wanted: OrderPartStatus) -> InvalidTransition:
    """In the member's words: they are the one who moves a part along. The
    same step sent twice (a double tap, a form sent again) says it is done."""
    if current == wanted:
        return InvalidTransition(
            f"Langkah ini sudah tercatat: pesanan ini {PART_STATUS_LABELS[current].lower()}. "
            "Tidak ada yang diubah."
        )
    return InvalidTransition(
        f"Pesanan ini {PART_STATUS_LABELS[current].lower()}; tidak bisa diubah menjadi "
        f"“{PART_STATUS_LABELS[wanted]}”."
    )


class OrderEventKind(StrEnum):
    """What happened to an order or to one member's part of it. Each status
    change records the kind of its new status (ORDER_EVENT_KINDS,
    PART_EVENT_KINDS); the last three change no status."""

    ORDER_PAID = "order.paid"
    ORDER_COMPLETED = "order.completed"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_REFUNDED = "order.refunded"
    ORDER_PARTIALLY_REFUNDED = "order.partially_refunded"
    PART_PAID = "part.paid"
    PART_PROCESSING = "part.processing"
    PART_SHIPPED = "part.shipped"
    PART_READY_FOR_PICKUP = "part.ready_for_pickup"
    PART_COMPLETED = "part.completed"
    PART_CANCELLED = "part.cancelled"
    REFUND_PAID = "part.refund_paid"
    # A card refund the provider had confirmed failed after all: owed again.
    REFUND_RETURNED = "part.refund_returned"
    PAYABLE_RELEASED = "part.payable_released"


ORDER_EVENT_KINDS: dict[OrderStatus, OrderEventKind] = {
    OrderStatus.PAID: OrderEventKind.ORDER_PAID,
    OrderStatus.COMPLETED: OrderEventKind.ORDER_COMPLETED,
    OrderStatus.CANCELLED: OrderEventKind.ORDER_CANCELLED,
    OrderStatus.REFUNDED: OrderEventKind.ORDER_REFUNDED,
    OrderStatus.PARTIALLY_REFUNDED: OrderEventKind.ORDER_PARTIALLY_REFUNDED,
}
# awaiting_payment -> new is the part's payment (a transfer confirmed).
PART_EVENT_KINDS: dict[OrderPartStatus, OrderEventKind] = {
    OrderPartStatus.NEW: OrderEventKind.PART_PAID,
    OrderPartStatus.PROCESSING: OrderEventKind.PART_PROCESSING,
    OrderPartStatus.SHIPPED: OrderEventKind.PART_SHIPPED,
    OrderPartStatus.READY_FOR_PICKUP: OrderEventKind.PART_READY_FOR_PICKUP,
    OrderPartStatus.COMPLETED: OrderEventKind.PART_COMPLETED,
    OrderPartStatus.CANCELLED: OrderEventKind.PART_CANCELLED,
}
