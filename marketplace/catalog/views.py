from flask import Blueprint

from marketplace.catalog import models  # noqa: F401

blueprint = Blueprint("catalog", __name__)
