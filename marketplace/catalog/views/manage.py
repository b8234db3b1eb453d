"""A member's own listings: the dashboard under /kelola (endpoints catalog.manage.*)."""

from flask import Blueprint

blueprint = Blueprint("manage", __name__, url_prefix="/kelola")
