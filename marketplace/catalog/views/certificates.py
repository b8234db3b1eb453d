"""A member's certificates under /kelola/sertifikat (endpoints catalog.certificates.*)."""

from flask import Blueprint

blueprint = Blueprint("certificates", __name__, url_prefix="/kelola/sertifikat")
