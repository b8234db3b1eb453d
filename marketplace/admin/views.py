"""The association admin's screens (under /pengurus)."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/pengurus")
