"""Who may open a member's own pages (/kelola, /kelola/sertifikat and
/kelola/pesanan): the logged-in user's approved member. Here, beside the
member it lets in, so catalog's views and orders' views share it without
importing each other."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, render_template, url_for
from flask_login import current_user

from marketplace.extensions import db, login_manager
from marketplace.members.models import MemberStatus
from marketplace.members.queries import member_of_user

MEMBER_STATUS_WORDS = {
    MemberStatus.PENDING: "Pendaftaran keanggotaan Anda sedang diperiksa pengurus.",
    MemberStatus.REJECTED: "Pendaftaran keanggotaan Anda belum disetujui.",
    MemberStatus.SUSPENDED: "Keanggotaan Anda sedang dibekukan oleh pengurus.",
}


def _status_url() -> str:
    if "members.status" in current_app.view_functions:
        return url_for("members.status")
    return "/anggota"


def approved_member(
    not_approved_page: str, *, also: frozenset[MemberStatus] = frozenset()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator that lets in the logged-in user's approved member
    (or one whose status is in `also`), passed as `member`: anonymous users
    go to the login page, users who are not members get 403, and other
    members get `not_approved_page` (403), which says why."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            member = db.session.scalar(member_of_user(current_user.id))
            if member is None:
                abort(403)
            if member.status != MemberStatus.APPROVED and member.status not in also:
                page = render_template(
                    not_approved_page,
                    message=MEMBER_STATUS_WORDS[MemberStatus(member.status)],
                    status_url=_status_url(),
                )
                return page, 403
            return view(*args, member=member, **kwargs)

        return wrapped

    return decorate
