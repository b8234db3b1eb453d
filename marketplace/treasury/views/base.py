"""The treasurer's blueprint (/bendahara) and what its views share. Only
Role.TREASURER gets in, but for the pages where an admin approves payout
batches (`ADMIN_ALSO`); each module of this package adds its pages."""

from datetime import UTC, date, datetime

from flask import Blueprint, flash, redirect, request
from werkzeug.wrappers import Response

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.core.clock import WIB
from marketplace.extensions import db

blueprint = Blueprint("treasury", __name__, url_prefix="/bendahara")
# The payout batches a second officer, an admin, reads and approves or rejects.
ADMIN_ALSO = frozenset(
    {
        "treasury.payout_batches",
        "treasury.payout_batch",
        "treasury.approve_batch",
        "treasury.reject_batch",
    }
)


@role_required(Role.TREASURER)
def _treasurer_only() -> None:
    return None


@role_required(Role.TREASURER, Role.ADMIN)
def _treasurer_or_admin() -> None:
    return None


@blueprint.before_request
def require_treasurer():
    """Every page of /bendahara is for the treasurer (and the approval pages
    for an admin too): others get the login page or 403."""
    return _treasurer_or_admin() if request.endpoint in ADMIN_ALSO else _treasurer_only()


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The day in Banyumas."""
    return now().astimezone(WIB).date()


def list_place(names: tuple[str, ...] = ("q", "page")) -> dict:
    """Where in a list the treasurer is (its search or tab, page), to come
    back to after a post: the query arguments `names` that are set."""
    place = {name: request.args.get(name, "") for name in names}
    return {name: value for name, value in place.items() if value}


def refuse(message: str, back_to: str) -> Response:
    """A refused action: nothing of it is written, and the treasurer is sent
    back to `back_to` with the reason."""
    db.session.rollback()
    flash(message, "danger")
    return redirect(back_to)
