"""The admin's screen of kecamatan chapter officers (/pengurus/pengurus-kecamatan):
who serves which kecamatan, appointing a user by their account's email and
removing an appointment. Routes of the admin blueprint (its guard lets in
admins only); kept out of views.py, which is long enough."""

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.access import logged_in_user
from marketplace.accounts.models import User
from marketplace.accounts.services import normalise_email
from marketplace.admin.views import blueprint
from marketplace.chapters import services as chapter_services
from marketplace.chapters.forms import AppointForm
from marketplace.chapters.models import ChapterOfficer
from marketplace.chapters.services import ChapterError
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members.models import Kecamatan


def _form(formdata: bool = True) -> AppointForm:
    form = AppointForm() if formdata else AppointForm(formdata=None)
    form.kecamatan.choices = [
        SelectChoice(kecamatan.slug, kecamatan.name)
        for kecamatan in db.session.scalars(member_queries.kecamatan_list())
    ]
    return form


def _page(form: AppointForm, error: str | None = None, status: int = 200):
    appointments = db.session.scalars(
        select(ChapterOfficer)
        .join(Kecamatan, Kecamatan.id == ChapterOfficer.kecamatan_id)
        .options(
            joinedload(ChapterOfficer.user),
            joinedload(ChapterOfficer.appointed_by),
            joinedload(ChapterOfficer.removed_by),
        )
        .order_by(
            ChapterOfficer.removed_at.is_not(None),
            Kecamatan.name,
            ChapterOfficer.appointed_at.desc(),
            ChapterOfficer.id,
        )
    ).all()
    return (
        render_template("admin/officers.html", form=form, error=error, appointments=appointments),
        status,
    )


@blueprint.get("/pengurus-kecamatan")
def officers():
    return _page(_form(formdata=False))


@blueprint.post("/pengurus-kecamatan")
def appoint_officer():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=400)
    user = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
    kecamatan = db.session.scalar(member_queries.kecamatan_by_slug(form.kecamatan.data))
    if user is None or kecamatan is None:
        return _page(
            form, error="Belum ada akun dengan email itu. Minta ia mendaftar dulu.", status=400
        )
    try:
        chapter_services.appoint(user=user, kecamatan=kecamatan, by=logged_in_user())
    except ChapterError as refused:
        db.session.rollback()
        return _page(form, error=refused.message, status=400)
    db.session.commit()
    flash(f"{user.name} sekarang pengurus Kecamatan {kecamatan.name}.", "success")
    return redirect(url_for(".officers"))


@blueprint.post("/pengurus-kecamatan/<int:appointment_id>/berhentikan")
def remove_officer(appointment_id: int):
    appointment = db.get_or_404(ChapterOfficer, appointment_id)
    try:
        chapter_services.remove(appointment=appointment, by=logged_in_user())
    except ChapterError as refused:
        db.session.rollback()
        return _page(_form(formdata=False), error=refused.message, status=400)
    db.session.commit()
    flash(
        f"{appointment.user.name} tidak lagi pengurus Kecamatan {appointment.kecamatan.name}.",
        "success",
    )
    return redirect(url_for(".officers"))
