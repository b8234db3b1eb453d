"""order events: one row per change of an order or of a member's part of it,
with who did it; append-only, with triggers like the audit log's
(0009_treasurer_books). Existing orders get their events from the columns
they had (`backfill_events`); processing_at and dispatched_at, which only
the timeline read, go (the downgrade puts them back from the events).

Revision ID: 0011_order_events
Revises: 0010_dated_entries
Create Date: 2026-12-05 23:18:45.232738

The backfilled events are `is_backfilled`, and name who acted only where
the old rows say so for certain: the treasurer who recorded the transfer's
receipt; the part's member for what only a member does (prepare, send,
finish, and a cancel with a reason: a member must give one); the shopper
for their own cancel (a reason that is not the expiry job's); a member's
move that settled the whole order (paid, completed, refunded, cancelled),
as the services did. Anything else (the refund sent back, the payable
released, the expiry job) has no actor: "nobody knows" for a backfilled
event, "the system" for a live one.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_order_events"
down_revision = "0010_dated_entries"
branch_labels = None
depends_on = None

REFUSAL = "Riwayat pesanan tidak boleh diubah atau dihapus."
EXPIRED = "Batas waktu pembayaran lewat."

# As 0009 for the audit log: on SQLite a DELETE goes through only while
# ledger_purge_permits holds a row (the test suite's cleanup); UPDATE never.
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER order_events_refuse_update BEFORE UPDATE ON order_events
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER order_events_refuse_delete BEFORE DELETE ON order_events
    WHEN NOT EXISTS (SELECT 1 FROM ledger_purge_permits)
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
)
POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION order_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
            AND coalesce(current_setting('ledger.allow_purge', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation',
        DETAIL = format('%s on %s', TG_OP, TG_TABLE_NAME);
END
$$"""
POSTGRESQL_TRIGGERS = (
    """CREATE TRIGGER order_events_refuse_change BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION order_events_refuse_change()""",
    """CREATE TRIGGER order_events_refuse_truncate BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION order_events_refuse_change()""",
)

# The tables as this revision finds them (not the models: they move on).
Moment = sa.DateTime(timezone=True)
orders = sa.table(
    "orders",
    sa.column("id", sa.Integer),
    sa.column("buyer_id", sa.Integer),
    sa.column("payment_method", sa.String),
    sa.column("paid_at", Moment),
    sa.column("completed_at", Moment),
    sa.column("cancelled_at", Moment),
    sa.column("cancel_reason", sa.Text),
)
parts = sa.table(
    "seller_orders",
    sa.column("id", sa.Integer),
    sa.column("order_id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("delivery_method", sa.String),
    sa.column("subtotal", sa.BigInteger),
    sa.column("delivery_fee", sa.BigInteger),
    sa.column("commission_total", sa.BigInteger),
    sa.column("cancel_reason", sa.Text),
    sa.column("paid_at", Moment),
    sa.column("processing_at", Moment),
    sa.column("dispatched_at", Moment),
    sa.column("completed_at", Moment),
    sa.column("cancelled_at", Moment),
    sa.column("refund_amount", sa.BigInteger),
    sa.column("refund_paid_at", Moment),
    sa.column("payable_released_at", Moment),
)
members = sa.table("members", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer))
receipts = sa.table(
    "payment_receipts",
    sa.column("order_id", sa.Integer),
    sa.column("seller_order_id", sa.Integer),
    sa.column("recorded_by_id", sa.Integer),
)
events = sa.table(
    "order_events",
    sa.column("order_id", sa.Integer),
    sa.column("seller_order_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("occurred_at", Moment),
    sa.column("from_status", sa.String),
    sa.column("note", sa.Text),
    sa.column("amount", sa.BigInteger),
    sa.column("is_backfilled", sa.Boolean),
)

Row = Mapping[str, Any]


def _event(
    order: Row,
    part: Row | None,
    kind: str,
    at: datetime,
    *,
    actor: int | None,
    from_status: str | None,
    note: str = "",
    amount: int | None = None,
) -> dict[str, Any]:
    return {
        "order_id": order["id"],
        "seller_order_id": part["id"] if part is not None else None,
        "kind": kind,
        "actor_id": actor,
        "occurred_at": at,
        "from_status": from_status,
        "note": note,
        "amount": amount,
        "is_backfilled": True,
    }


def _part_events(
    order: Row, part: Row, *, member_user: int, transfer_by: int | None
) -> Iterator[dict[str, Any]]:
    is_cash = order["payment_method"] == "cash"
    sent = "shipped" if part["delivery_method"] == "delivery" else "ready_for_pickup"
    if not is_cash and part["paid_at"] is not None:
        yield _event(
            order,
            part,
            "part.paid",
            part["paid_at"],
            actor=transfer_by,
            from_status="awaiting_payment",
        )
    if part["processing_at"] is not None:
        yield _event(
            order,
            part,
            "part.processing",
            part["processing_at"],
            actor=member_user,
            from_status="new",
        )
    if part["dispatched_at"] is not None:
        yield _event(
            order,
            part,
            f"part.{sent}",
            part["dispatched_at"],
            actor=member_user,
            from_status="processing",
        )
    if part["completed_at"] is not None:
        yield _event(
            order,
            part,
            "part.completed",
            part["completed_at"],
            actor=member_user,
            from_status=sent,
            amount=part["subtotal"] + part["delivery_fee"] if is_cash else None,
        )
    if part["cancelled_at"] is not None:
        if part["cancel_reason"]:  # a member's cancel always says why
            actor: int | None = member_user
        elif order["cancel_reason"] == EXPIRED:
            actor = None
        else:
            actor = order["buyer_id"]
        if part["processing_at"] is not None:
            before = "processing"
        elif is_cash or part["paid_at"] is not None:
            before = "new"
        else:
            before = "awaiting_payment"
        yield _event(
            order,
            part,
            "part.cancelled",
            part["cancelled_at"],
            actor=actor,
            from_status=before,
            note=part["cancel_reason"] or "",
            amount=part["refund_amount"] or None,
        )
    if part["refund_paid_at"] is not None:
        yield _event(
            order,
            part,
            "part.refund_paid",
            part["refund_paid_at"],
            actor=None,
            from_status=None,
            amount=part["refund_amount"],
        )
    if part["payable_released_at"] is not None:
        share = part["subtotal"] - part["commission_total"] + part["delivery_fee"]
        yield _event(
            order,
            part,
            "part.payable_released",
            part["payable_released_at"],
            actor=None,
            from_status=None,
            amount=share,
        )


def _order_events(
    order: Row,
    order_parts: Sequence[Row],
    *,
    member_users: Mapping[int, int],
    transfer_by: int | None,
) -> Iterator[dict[str, Any]]:
    """The whole order's own changes. A transfer confirmed, a shopper's
    cancel or the expiry job changed it directly; anything else followed a
    member's move of their part, so it is replayed as `_settle_order_status`
    in orders/fulfilment.py did it then: after each part finished or was
    cancelled, in time order."""
    is_cash = order["payment_method"] == "cash"
    status = "pending_payment"
    if not is_cash and order["paid_at"] is not None:
        yield _event(
            order,
            None,
            "order.paid",
            order["paid_at"],
            actor=transfer_by,
            from_status=status,
        )
        status = "paid"
    if order["cancel_reason"]:  # the shopper or the expiry job
        actor = None if order["cancel_reason"] == EXPIRED else order["buyer_id"]
        yield _event(
            order,
            None,
            "order.cancelled",
            order["cancelled_at"],
            actor=actor,
            from_status=status,
            note=order["cancel_reason"],
        )
        return
    moves = sorted(
        [(part["completed_at"], 0, part) for part in order_parts if part["completed_at"]]
        + [(part["cancelled_at"], 1, part) for part in order_parts if part["cancelled_at"]],
        key=lambda move: (move[0], move[1], move[2]["id"]),
    )
    done: dict[int, str] = {}  # part id -> completed or cancelled, as the replay goes
    for at, cancelled, part in moves:
        done[part["id"]] = "cancelled" if cancelled else "completed"
        by = member_users[part["member_id"]]
        live = [other for other in order_parts if done.get(other["id"]) != "cancelled"]
        if status == "pending_payment":
            if not live:
                yield _event(order, None, "order.cancelled", at, actor=by, from_status=status)
                return
            # A cash part is paid when it is finished.
            if any(done.get(other["id"]) != "completed" for other in live):
                continue
            yield _event(order, None, "order.paid", at, actor=by, from_status=status)
            status = "paid"
        refunded = any(
            other["refund_amount"] for other in order_parts if done.get(other["id"]) == "cancelled"
        )
        if not live:
            goal = "refunded"
        elif all(done.get(other["id"]) == "completed" for other in live):
            goal = "completed"
        elif len(live) < len(order_parts) and refunded:
            goal = "partially_refunded"
        else:
            continue
        if goal != status:
            yield _event(order, None, f"order.{goal}", at, actor=by, from_status=status)
            status = goal


def backfill_events(
    order: Row,
    order_parts: Sequence[Row],
    *,
    member_users: Mapping[int, int],
    transfer_by: int | None,
) -> list[dict[str, Any]]:
    """The events of one order in the shape its rows had before this
    revision (`order`, its `order_parts`), oldest first: `member_users` maps
    a member id to its user id, `transfer_by` is who recorded the transfer's
    receipt. Pure, so a test can call it on rows of the old shape."""
    found = list(
        _order_events(order, order_parts, member_users=member_users, transfer_by=transfer_by)
    )
    for part in order_parts:
        found += _part_events(
            order, part, member_user=member_users[part["member_id"]], transfer_by=transfer_by
        )
    # Stable: at one moment the order's change before its parts', as written live.
    return sorted(found, key=lambda event: event["occurred_at"])


def _backfill() -> None:
    connection = op.get_bind()
    member_users = dict(connection.execute(sa.select(members.c.id, members.c.user_id)).all())
    transfer_by = dict(
        connection.execute(
            sa.select(receipts.c.order_id, receipts.c.recorded_by_id).where(
                receipts.c.seller_order_id.is_(None)
            )
        ).all()
    )
    parts_of: dict[int, list[Row]] = {}
    for part in connection.execute(sa.select(parts).order_by(parts.c.id)).mappings():
        parts_of.setdefault(part["order_id"], []).append(part)
    rows: list[dict[str, Any]] = []
    for order in connection.execute(sa.select(orders).order_by(orders.c.id)).mappings():
        rows += backfill_events(
            order,
            parts_of.get(order["id"], []),
            member_users=member_users,
            transfer_by=transfer_by.get(order["id"]),
        )
        if len(rows) >= 5000:
            connection.execute(events.insert(), rows)
            rows = []
    if rows:
        connection.execute(events.insert(), rows)


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seller_order_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("is_backfilled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_order_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_events_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seller_order_id"],
            ["seller_orders.id"],
            name=op.f("fk_order_events_seller_order_id_seller_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.create_index("ix_order_events_kind", ["kind", "occurred_at"], unique=False)
        batch_op.create_index("ix_order_events_order_id", ["order_id", "occurred_at"], unique=False)
        batch_op.create_index("ix_order_events_seller_order_id", ["seller_order_id"], unique=False)
    # ### end Alembic commands ###

    _backfill()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in (POSTGRESQL_FUNCTION, *POSTGRESQL_TRIGGERS):
            op.execute(statement)

    with op.batch_alter_table("seller_orders", schema=None) as batch_op:
        batch_op.drop_column("processing_at")
        batch_op.drop_column("dispatched_at")


RESTORE = """
UPDATE seller_orders SET
    processing_at = (
        SELECT max(occurred_at) FROM order_events
        WHERE seller_order_id = seller_orders.id AND kind = 'part.processing'
    ),
    dispatched_at = (
        SELECT max(occurred_at) FROM order_events
        WHERE seller_order_id = seller_orders.id
            AND kind IN ('part.shipped', 'part.ready_for_pickup')
    )"""


def downgrade():
    # The columns come back with their times from the events; then the
    # events go (their triggers with the table; PostgreSQL's function after).
    with op.batch_alter_table("seller_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("processing_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(RESTORE)

    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_events_seller_order_id")
        batch_op.drop_index("ix_order_events_order_id")
        batch_op.drop_index("ix_order_events_kind")

    op.drop_table("order_events")
    # ### end Alembic commands ###
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION order_events_refuse_change()")
