"""Order emails, queued in the outbox in the same transaction as the change
(accounts.mail): a rolled-back change sends nothing, and the outbox sends
each email once after commit. One template, `email/order_update`, lays out
every message: a greeting, a few paragraphs, the lines concerned, a link."""

from marketplace.accounts.mail import queue_email
from marketplace.core.money import format_rupiah
from marketplace.core.urls import public_url
from marketplace.core.whatsapp import format_whatsapp
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import OrderPartStatus, PaymentMethod


def _send(
    *,
    to: str,
    name: str,
    subject: str,
    paragraphs: list[str],
    parts: list[OrderPart],
    url: str,
    label: str,
) -> None:
    queue_email(
        recipient=to,
        template="order_update",
        subject=subject,
        name=name,
        paragraphs=paragraphs,
        parts=parts,
        url=url,
        label=label,
    )


def _to_shopper(order: Order, subject: str, paragraphs: list[str], parts: list[OrderPart]) -> None:
    _send(
        to=order.buyer.email,
        name=order.buyer.name,
        subject=subject,
        paragraphs=paragraphs,
        parts=parts,
        url=public_url("orders.order", code=order.code),
        label="Lihat pesanan",
    )


def _to_member(part: OrderPart, subject: str, paragraphs: list[str]) -> None:
    _send(
        to=part.member.user.email,
        name=part.member.owner_name,
        subject=subject,
        paragraphs=paragraphs,
        parts=[part],
        url=public_url("orders.fulfilment.part", part_id=part.id),
        label="Buka pesanan",
    )


def _delivery_words(part: OrderPart) -> str:
    order = part.order
    if part.delivery_method == "pickup":
        return f"{order.contact_name} akan mengambil sendiri di toko Anda."
    return (
        f"Antar ke {order.contact_name}, {order.address}, Desa {order.desa}, "
        f"Kec. {order.kecamatan.name}."
    )


def pickup_place(part: OrderPart) -> str:
    """Where the shopper picks the part up: `Jl. Raya 5, Desa Pageraji, Kec. Cilongok`."""
    member = part.member
    bits = (member.address, f"Desa {member.desa}", f"Kec. {member.kecamatan.name}")
    return ", ".join(bit for bit in bits if bit)


def _new_order_for(part: OrderPart, *, cash: bool) -> None:
    order = part.order
    payment = (
        f"Pembeli membayar tunai {format_rupiah(part.total)} saat barang diterima."
        if cash
        else f"{order.payment_received}."
    )
    _to_member(
        part,
        f"Pesanan baru {order.code}",
        [
            f"Ada pesanan baru {order.code} untuk {part.member.shop_name}. {payment}",
            _delivery_words(part),
            f"WhatsApp pembeli: {format_whatsapp(order.contact_whatsapp)}.",
        ],
    )


def order_placed_transfer(order: Order) -> None:
    """The transfer instructions: the exact amount, the account, the deadline."""
    queue_email(
        recipient=order.buyer.email,
        template="order_placed",
        subject=f"Pesanan {order.code} menunggu pembayaran",
        order=order,
        buyer=order.buyer,
        order_url=public_url("orders.order", code=order.code),
    )


def order_placed_cash(order: Order) -> None:
    """A cash order: the members prepare it now; the shopper pays on handover."""
    _to_shopper(
        order,
        f"Pesanan {order.code} diterima",
        [
            f"Terima kasih! Pesanan {order.code} sudah diteruskan ke penjual.",
            (
                f"Siapkan uang tunai {format_rupiah(order.total)} saat mengambil atau menerima "
                "pesanan."
            ),
        ],
        list(order.parts),
    )
    for part in order.parts:
        _new_order_for(part, cash=True)


def order_paid(order: Order) -> None:
    _to_shopper(
        order,
        f"Pembayaran {order.code} diterima",
        [
            (
                f"Pembayaran {format_rupiah(order.total)} untuk pesanan {order.code} sudah kami "
                "terima. Penjual kini menyiapkan pesanan Anda."
            ),
        ],
        list(order.parts),
    )
    for part in order.parts:
        _new_order_for(part, cash=False)


def part_dispatched(part: OrderPart) -> None:
    order = part.order
    if part.status == OrderPartStatus.SHIPPED:
        subject = f"Pesanan {order.code} sedang diantar"
        words = f"{part.member.shop_name} sedang mengantar pesanan Anda."
    else:
        subject = f"Pesanan {order.code} siap diambil"
        words = f"Pesanan Anda di {part.member.shop_name} siap diambil di {pickup_place(part)}."
    if order.payment_method == PaymentMethod.CASH:
        words += f" Siapkan uang tunai {format_rupiah(part.total)}."
    _to_shopper(order, subject, [words], [part])


def _refund_coming(part: OrderPart) -> str:
    if part.order.payment_method == PaymentMethod.STRIPE:
        return (
            f"Dana {format_rupiah(part.refund_amount)} akan dikembalikan ke kartu Anda lewat "
            "Stripe. Kami mengabari Anda lagi setelah Stripe mengonfirmasinya."
        )
    return (
        f"Dana {format_rupiah(part.refund_amount)} akan dikembalikan bendahara Aspikmas "
        "ke rekening Anda. Balas email ini dengan nomor rekening bila belum tercatat."
    )


def part_cancelled(part: OrderPart) -> None:
    order = part.order
    refund = [_refund_coming(part)] if part.refund_amount else []
    _to_shopper(
        order,
        f"Bagian pesanan {order.code} dibatalkan penjual",
        [f"{part.member.shop_name} membatalkan bagiannya: {part.cancel_reason}", *refund],
        [part],
    )
    _to_member(
        part,
        f"Pesanan {order.code} dibatalkan",
        [f"Anda membatalkan pesanan {order.code}: {part.cancel_reason}"],
    )


def refund_paid(part: OrderPart) -> None:
    order = part.order
    words = (
        f"Dana {format_rupiah(part.refund_amount)} untuk bagian {part.member.shop_name} yang "
        "dibatalkan dikembalikan ke kartu Anda lewat Stripe. Biasanya dana tampil di tagihan "
        "kartu dalam 5-10 hari kerja, tergantung bank penerbit kartu."
        if order.payment_method == PaymentMethod.STRIPE
        else f"Bendahara Aspikmas sudah mentransfer kembali {format_rupiah(part.refund_amount)} "
        f"untuk bagian {part.member.shop_name} yang dibatalkan. Mohon periksa rekening Anda."
    )
    _to_shopper(order, f"Dana pesanan {order.code} sudah dikembalikan", [words], [part])


def refund_returned(part: OrderPart) -> None:
    """A card refund Stripe had confirmed failed at the card after all."""
    order = part.order
    _to_shopper(
        order,
        f"Pengembalian dana pesanan {order.code} belum berhasil",
        [
            (
                f"Stripe tidak berhasil mengembalikan {format_rupiah(part.refund_amount)} ke "
                f"kartu Anda untuk bagian {part.member.shop_name} yang dibatalkan. Bendahara "
                "Aspikmas akan mengirimnya lagi; kami mengabari Anda setelah berhasil."
            )
        ],
        [part],
    )


def order_cancelled(order: Order, *, parts: list[OrderPart], expired: bool) -> None:
    """`parts`: those cancelled now (a part its member cancelled before was told then)."""
    why = "Batas waktu pembayaran sudah lewat"
    if order.payment_method == PaymentMethod.STRIPE and order.cancel_reason:
        why = order.cancel_reason.rstrip(".")  # Stripe closed it: expired, or the card failed
    reason = (
        f"{why}, jadi pesanan dibatalkan otomatis dan stoknya dikembalikan. Silakan pesan "
        "lagi bila masih berminat."
        if expired
        else "Pesanan dibatalkan sesuai permintaan Anda."
    )
    _to_shopper(order, f"Pesanan {order.code} dibatalkan", [reason], parts)
    if order.payment_method == PaymentMethod.CASH:
        for part in parts:
            _to_member(
                part,
                f"Pesanan {order.code} dibatalkan pembeli",
                [f"Pembeli membatalkan pesanan {order.code}. Tidak perlu disiapkan lagi."],
            )
