"""The blueprint of the chapter officer's pages (under /cabang) and what its
views share. Only a user with a live appointment to the kecamatan gets in (a
regency admin may read every chapter); another kecamatan's dashboard,
application or member is a 404, as if it did not exist. Nothing here moves
money or shows a bank account."""

from flask import Blueprint, abort
from flask_login import current_user

from marketplace.accounts.access import logged_in_user
from marketplace.accounts.models import Role, User
from marketplace.chapters import services
from marketplace.extensions import db, login_manager
from marketplace.members import queries as member_queries
from marketplace.members.models import Kecamatan, Member

blueprint = Blueprint("chapters", __name__, url_prefix="/cabang")


@blueprint.before_request
def require_login():
    """Every page is for a logged-in officer or admin; the chapter itself is
    checked by `chapter_or_404`."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@blueprint.app_context_processor
def chapter_navigation() -> dict:
    """`my_chapters()` for the account page: the kecamatan the logged-in user
    serves as an officer (one query, asked only where a page calls it)."""

    def my_chapters() -> list[Kecamatan]:
        if not current_user.is_authenticated:
            return []
        return services.chapters_of(logged_in_user())

    return {"my_chapters": my_chapters}


def is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def chapter_or_404(slug: str) -> Kecamatan:
    """The kecamatan of `slug` if the user may read it, else 404 (an officer
    of Ajibarang learns nothing about Kedungbanteng)."""
    user = logged_in_user()
    kecamatan = db.session.scalar(member_queries.kecamatan_by_slug(slug[:60]))
    if kecamatan is None:
        abort(404)
    if not (is_admin(user) or services.is_officer_of(user, kecamatan.id)):
        abort(404)
    return kecamatan


def member_or_404(kecamatan: Kecamatan, member_id: int) -> Member:
    """A member (or applicant) of `kecamatan`; anyone else's is a 404."""
    member = db.session.get(Member, member_id)
    if member is None or member.kecamatan_id != kecamatan.id:
        abort(404)
    return member
