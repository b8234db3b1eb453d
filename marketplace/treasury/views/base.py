"""The treasurer's blueprint (/bendahara) and what its views share. Only
Role.TREASURER gets in; each module of this package adds its pages."""

from datetime import UTC, date, datetime

from flask import Blueprint, request

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.core.clock import WIB

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
