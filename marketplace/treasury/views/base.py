"""The treasurer's blueprint (/bendahara) and what its views share. Only
Role.TREASURER gets in; each module of this package adds its pages."""

from datetime import UTC, date, datetime

from flask import Blueprint, flash, redirect, request
from werkzeug.wrappers import Response

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.core.clock import WIB
from marketplace.extensions import db

blueprint = Blueprint("treasury", __name__, url_prefix="/bendahara")


@blueprint.before_request
@role_required(Role.TREASURER)
def require_treasurer() -> None:
    """Every page of /bendahara is for the treasurer: others get the login page or 403."""


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The day in Banyumas."""
    return now().astimezone(WIB).date()


def list_place() -> dict:
    """Where in a list the treasurer is (search, page), to come back to after a post."""
    place = {"q": request.args.get("q", ""), "page": request.args.get("page", "")}
    return {name: value for name, value in place.items() if value}


def refuse(message: str, back_to: str) -> Response:
    """A refused action: nothing of it is written, and the treasurer is sent
    back to `back_to` with the reason."""
    db.session.rollback()
    flash(message, "danger")
    return redirect(back_to)
