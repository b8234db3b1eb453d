"""A member's share of a completed bank-transfer or card part becomes theirs to be
paid out: moved from the pending to the available payable once the payout
hold has passed (`PAYOUT_HOLD_DAYS`), by `complete` straight away when there
is no hold, else by `flask orders release-payables` (cron). Cash parts have
nothing to release: the member took the money. Services flush, never commit."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.orders import settlement
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.services import flush_change
from marketplace.orders.status import OrderPartStatus, PaymentMethod


def release_payable(*, part: OrderPart, now: datetime | None = None) -> bool:
    """Move a completed transfer part's share from pending to available.
    False when there is nothing to release (cash, not completed, done before)."""
    now = now or datetime.now(UTC)
    if (
        part.status != OrderPartStatus.COMPLETED
        or part.order.payment_method == PaymentMethod.CASH
        or part.payable_released_at is not None
    ):
        return False
    part.mark_payable_released(at=now)
    flush_change()
    settlement.post_release(part=part, when=now)
    return True


def release_due(*, hold_days: int, now: datetime | None = None) -> int:
    """Release every completed transfer part whose hold has passed. The
    parts are locked as they are read, skipping any another run holds, so
    two runs at once release each part once (PostgreSQL; SQLite has one
    writer)."""
    now = now or datetime.now(UTC)
    due = db.session.scalars(
        select(OrderPart)
        .join(Order)
        .where(
            OrderPart.status == OrderPartStatus.COMPLETED,
            OrderPart.payable_released_at.is_(None),
            OrderPart.completed_at <= now - timedelta(days=hold_days),
            Order.payment_method != PaymentMethod.CASH,
        )
        .order_by(OrderPart.id)
        .with_for_update(of=OrderPart, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    return sum(release_payable(part=part, now=now) for part in due)
