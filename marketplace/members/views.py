"""Membership: apply, see the application, run the shop profile (under /anggota).
Every page here is about the logged-in user's own membership: no ids in URLs."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from marketplace.accounts.access import logged_in_user, verified_email_required
from marketplace.extensions import db
from marketplace.members import queries, services
from marketplace.members.forms import MemberApplyForm, ShopProfileEditForm
from marketplace.members.models import Member, MemberStatus
from marketplace.members.services import STATUS_LABELS, MemberAction, MemberError
from marketplace.members.shop import update_shop_profile

blueprint = Blueprint("members", __name__, url_prefix="/anggota")


@blueprint.before_request
@login_required
def require_login() -> None:
    """Every page of /anggota is for a logged-in user."""


@blueprint.app_template_filter("status_anggota")
def status_label(status: str) -> str:
    return STATUS_LABELS.get(MemberStatus(status), status)


def _my_membership() -> Member | None:
    return db.session.scalar(queries.member_of_user(current_user.id))


@blueprint.route("/daftar", methods=["GET", "POST"])
@verified_email_required
def apply():
    if _my_membership() is not None:
        flash("Anda sudah mengajukan keanggotaan. Ini status pengajuan Anda.", "info")
        return redirect(url_for(".status"))
    form, error = MemberApplyForm(), None
    if form.validate_on_submit():
        try:
            services.apply_for_membership(user=logged_in_user(), details=form.details())
        except MemberError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash("Terima kasih! Pengajuan Anda sudah kami terima.", "success")
            return redirect(url_for(".status"))
    return render_template("members/apply.html", form=form, error=error)


@blueprint.route("", methods=["GET", "POST"])
def status():
    """The membership's status; a rejected application is corrected here."""
    member = _my_membership()
    if member is None:
        return redirect(url_for(".apply"))
    form, error = MemberApplyForm(obj=member), None
    if form.validate_on_submit():
        try:
            services.resubmit_application(member=member, details=form.details())
        except MemberError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash("Pengajuan perbaikan sudah terkirim. Pengurus akan memeriksanya lagi.", "success")
            return redirect(url_for(".status"))
    return render_template(
        "members/status.html",
        member=member,
        form=form,
        error=error,
        can_resubmit=member.status == services.TRANSITIONS[MemberAction.RESUBMIT][0],
        latest=db.session.scalar(queries.latest_decision(member.id)),
    )


@blueprint.route("/toko", methods=["GET", "POST"])
def shop_profile():
    member = _my_membership()
    if member is None:
        return redirect(url_for(".apply"))
    if member.status != MemberStatus.APPROVED:
        flash("Profil toko bisa diubah setelah keanggotaan Anda disetujui.", "warning")
        return redirect(url_for(".status"))
    kecamatan = db.session.scalars(queries.kecamatan_list()).all()
    form, error = ShopProfileEditForm.for_member(member, kecamatan), None
    if form.validate_on_submit():
        try:
            update_shop_profile(
                member=member,
                profile=form.profile(),
                logo=form.upload("logo"),
                banner=form.upload("banner"),
            )
        except MemberError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash("Profil toko sudah disimpan.", "success")
            return redirect(url_for(".shop_profile"))
    return render_template(
        "members/shop_profile.html",
        member=member,
        form=form,
        error=error,
        kecamatan_names={k.id: k.name for k in kecamatan},
    )
