"""The payment records: `PaymentReceipt`, money received for an order as a
person confirmed it. Written only by the providers (`bank_transfer`, `cash`);
orders never read or write it, and learn only that an order or a part is
paid."""

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.orders.models import Order
from marketplace.orders.status import PaymentMethod


class PaymentReceipt(Model):
    """Money received for an order, as confirmed by a person: the treasurer
    for a bank transfer (the whole order, `part_id` empty), the
    member for cash (their part). `key` makes each receipt happen once:
    `order:<id>` or `part:<id>`."""

    __tablename__ = "payment_receipts"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    part_id: Mapped[int | None] = mapped_column(
        "seller_order_id", ForeignKey("seller_orders.id", ondelete="RESTRICT"), index=True
    )
    method: Mapped[PaymentMethod] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    received_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    order: Mapped[Order] = relationship()
    recorded_by: Mapped[User] = relationship()
