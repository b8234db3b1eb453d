"""PLACEHOLDER endpoints so base.html renders; the accounts work replaces this file."""

from flask import Blueprint

from marketplace.accounts.models import User
from marketplace.extensions import db, login_manager

blueprint = Blueprint("accounts", __name__, url_prefix="/akun")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


@blueprint.route("/masuk")
def login():
    return "masuk"


@blueprint.route("/daftar")
def register():
    return "daftar"


@blueprint.post("/keluar")
def logout():
    return "keluar"
