"""Recording an audit event. The caller records in the same transaction as
the action and commits once, so an action is never without its event nor
an event without its action.

    audit.record(actor=treasurer, action=AuditAction.MONTH_CLOSED,
                 subject=("month", 202611), summary="Buku 11/2026 ditutup",
                 after={"month": "2026-11"})
"""

from typing import Any

from flask import has_request_context, request

from marketplace.accounts.models import User
from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.extensions import db

ADDRESS_LENGTH = 64


def _client_address() -> str | None:
    """The address of the request being served (the proxy's client, see
    PROXY_FIX_X_FOR), or None outside a request (the command line). The one
    place outside a view that reads the request: every caller would pass the
    same value."""
    if not has_request_context() or not request.remote_addr:
        return None
    return request.remote_addr[:ADDRESS_LENGTH]


def record(
    *,
    actor: User | None,
    action: AuditAction,
    subject: tuple[str, int | None],
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the session (flushed with the caller's commit)."""
    subject_type, subject_id = subject
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=summary,
        before=before,
        after=after,
        client_address=_client_address(),
    )
    db.session.add(event)
    return event
