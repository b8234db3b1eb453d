"""What a member says to the shopper over WhatsApp about their part of an
order: a greeting to open a chat, and at each step of the part (received,
prepared, sent or ready, completed, cancelled) a message ready to send in
one tap, beside the email the shopper gets. core.whatsapp makes the links;
none when the order has no WhatsApp number it can reach."""

from typing import NamedTuple

from marketplace.core.money import format_rupiah
from marketplace.core.urls import public_url
from marketplace.core.whatsapp import whatsapp_url
from marketplace.orders.models import OrderPart
from marketplace.orders.notify import pickup_place
from marketplace.orders.status import DeliveryMethod, PaymentMethod
from marketplace.orders.timeline import Step


def greeting(part: OrderPart) -> str:
    """The opening of any chat about the part."""
    order = part.order
    return (
        f"Halo {order.contact_name}, saya dari {part.member.shop_name} (Pasar Aspikmas) "
        f"tentang pesanan {order.code}."
    )


def _cash_words(part: OrderPart) -> str:
    if part.order.payment_method != PaymentMethod.CASH or part.paid_at is not None:
        return ""
    return f" Mohon siapkan uang tunai {format_rupiah(part.total)} saat serah terima."


def _received(part: OrderPart) -> str:
    code = part.order.code
    if part.order.payment_method == PaymentMethod.CASH:
        return f"Pesanan {code} sudah kami terima dan segera kami siapkan.{_cash_words(part)}"
    return f"{part.order.payment_received} untuk pesanan {code}. Segera kami siapkan."


def _sent(part: OrderPart) -> str:
    order = part.order
    if part.delivery_method == DeliveryMethod.DELIVERY:
        words = (
            f"Pesanan {order.code} sudah dikirim dan sedang diantar ke {order.address}, "
            f"Desa {order.desa}, Kec. {order.kecamatan.name}."
        )
    else:
        words = f"Pesanan {order.code} sudah siap diambil di {pickup_place(part)}."
    return words + _cash_words(part)


def _cancelled(part: OrderPart) -> str:
    words = f"Mohon maaf, pesanan {part.order.code} kami batalkan: {part.cancel_reason}"
    words = words if words.endswith((".", "!", "?")) else words + "."
    if part.refund_amount:
        words += (
            f" Dana {format_rupiah(part.refund_amount)} akan dikembalikan bendahara "
            "Aspikmas ke rekening Anda."
        )
    return words


def step_message(part: OrderPart, key: str) -> str | None:
    """The message for the step `key` of orders.timeline (None: the member
    has nothing to say about it, e.g. the treasurer's refund)."""
    order = part.order
    is_cash = order.payment_method == PaymentMethod.CASH
    if key == "placed" and is_cash or key == "paid" and not is_cash:
        body = _received(part)
    elif key == "processing":
        body = f"Pesanan {order.code} sedang kami siapkan."
    elif key == "sent":
        body = _sent(part)
    elif key == "completed":
        body = (
            f"Pesanan {order.code} sudah selesai. Terima kasih sudah berbelanja di "
            f"{part.member.shop_name}!"
        )
    elif key == "cancelled":
        body = _cancelled(part)
    else:
        return None
    link = public_url("orders.order", code=order.code)
    return f"Halo {order.contact_name}, ini {part.member.shop_name}. {body} Rincian: {link}"


class StepChat(NamedTuple):
    label: str  # the button's words: "Kabari pembeli: pesanan dikirim"
    url: str  # the wa.me link with the message typed in


def _button_label(part: OrderPart, key: str) -> str:
    if key == "sent":
        done = (
            "pesanan dikirim" if part.delivery_method == DeliveryMethod.DELIVERY else "siap diambil"
        )
    else:
        done = {
            "placed": "pesanan diterima",
            "paid": "pesanan diterima",
            "processing": "pesanan disiapkan",
            "completed": "pesanan selesai",
            "cancelled": "pesanan dibatalkan",
        }[key]
    return f"Kabari pembeli: {done}"


def step_chats(part: OrderPart, steps: list[Step]) -> dict[str, StepChat]:
    """A chat for each step that has happened, by step key; none when the
    order's WhatsApp number cannot be reached."""
    chats = {}
    for step in steps:
        message = step_message(part, step.key) if step.done else None
        if message is None:
            continue
        url = whatsapp_url(part.order.contact_whatsapp, message)
        if url is None:
            return {}
        chats[step.key] = StepChat(_button_label(part, step.key), url)
    return chats
