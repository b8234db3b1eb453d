"""Membership: apply, see the application, run the shop profile (under /anggota)."""

from flask import Blueprint

blueprint = Blueprint("members", __name__, url_prefix="/anggota")
