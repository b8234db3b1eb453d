"""Reads of the audit log: the admin's filtered list and its CSV export.
Both read the same `events()` Select, so the file holds what the page shows."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from marketplace.accounts.models import User
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.core.clock import WIB

ACTOR_LENGTH = 100


@dataclass(frozen=True)
class AuditFilter:
    """What the admin narrows the log to; None is no filter. Dates are
    Banyumas days, both ends included."""

    action: AuditAction | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None

    @property
    def args(self) -> dict[str, str]:
        """The query string that asks for this filter again."""
        found = {
            "aksi": self.action.value if self.action else "",
            "pelaku": self.actor or "",
            "dari": self.since.isoformat() if self.since else "",
            "sampai": self.until.isoformat() if self.until else "",
        }
        return {name: value for name, value in found.items() if value}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=WIB).astimezone(UTC)


def events(chosen: AuditFilter) -> Select[tuple[AuditEvent]]:
    """The events `chosen` asks for, newest first, each with its actor
    (one query per page, whatever the rows)."""
    statement = (
        select(AuditEvent)
        .outerjoin(AuditEvent.actor)
        .options(contains_eager(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if chosen.action is not None:
        statement = statement.where(AuditEvent.action == chosen.action)
    if chosen.actor:
        needle = chosen.actor.strip().lower()[:ACTOR_LENGTH]
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(func.lower(User.email).like(f"%{escaped}%", escape="\\"))
    if chosen.since is not None:
        statement = statement.where(AuditEvent.occurred_at >= _day_start(chosen.since))
    if chosen.until is not None:
        statement = statement.where(
            AuditEvent.occurred_at < _day_start(chosen.until + timedelta(days=1))
        )
    return statement
