from flask import Blueprint

from marketplace.accounts import models  # noqa: F401

blueprint = Blueprint("accounts", __name__, url_prefix="/akun")
