"""An order's history: one `OrderEvent` per status change of the order or of
one member's part of it (and per step that moves no status: a refund sent
back, a member's share released for payout), written by the one transition
method of each state machine (`Order.set_status`, `OrderPart.set_status`
in `models`) in the same transaction as the change. The timeline the order
pages show (`timeline`) reads them; so will the treasurer's audit trail and
the member's statement.

`actor_id` is who acted: the treasurer, the member's user, the shopper; None
for the system (the expiry job, the payable release). Events written by the
migration that introduced them (0011_order_events, from the columns orders
had before) are `is_backfilled`: there None means nobody knows who.

Append-only, like the ledger and the audit log: the ORM refuses to update
or delete an event and so do the database triggers (0011_order_events)."""

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, event, false, func
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.orders.status import OrderEventKind


class OrderEvent(Model):
    __tablename__ = "order_events"
    __table_args__ = (
        Index("ix_order_events_order_id", "order_id", "occurred_at"),
        Index("ix_order_events_seller_order_id", "seller_order_id"),
        Index("ix_order_events_kind", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    # The member's part it is about; None for the whole order's own changes.
    part_id: Mapped[int | None] = mapped_column(
        "seller_order_id", ForeignKey("seller_orders.id", ondelete="RESTRICT")
    )
    kind: Mapped[OrderEventKind] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    occurred_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    # The status it moved from (None for a step that moves no status).
    from_status: Mapped[str | None] = mapped_column(String(20))
    # A cancel's reason, as the one who cancelled wrote it.
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Rupiah the step was about: cash taken, a refund owed or sent back.
    amount: Mapped[int | None] = mapped_column(BigInteger)
    is_backfilled: Mapped[bool] = mapped_column(default=False, server_default=false())

    actor: Mapped[User | None] = relationship()


REFUSAL = "Riwayat pesanan tidak boleh diubah atau dihapus."


class OrderEventImmutable(Exception):
    pass


def _refuse_change(mapper, connection, target) -> None:
    raise OrderEventImmutable(REFUSAL)


def _refuse_statement(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == OrderEvent.__tablename__:
            raise OrderEventImmutable(REFUSAL)


event.listen(OrderEvent, "before_update", _refuse_change)
event.listen(OrderEvent, "before_delete", _refuse_change)
event.listen(Session, "do_orm_execute", _refuse_statement)
