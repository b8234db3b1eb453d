"""The chapter itself: the officer's chapters, the dashboard of each, its
CSV files, and the membership applications of the kecamatan, which the
officer recommends (or, with CHAPTER_CAN_APPROVE, decides)."""

from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)

from marketplace.accounts.access import logged_in_user
from marketplace.chapters import export, queries, services
from marketplace.chapters.forms import RecommendationForm
from marketplace.chapters.models import Verdict
from marketplace.chapters.services import ChapterError
from marketplace.chapters.views.base import blueprint, chapter_or_404, is_admin, member_or_404
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members.models import Kecamatan, Member, MemberStatus
from marketplace.members.services import MemberError


@blueprint.get("")
def index():
    """The officer's chapters; straight to the dashboard when there is one."""
    user = logged_in_user()
    chapters = (
        db.session.scalars(member_queries.kecamatan_list()).all()
        if is_admin(user)
        else services.chapters_of(user)
    )
    if not chapters:
        abort(403)
    if len(chapters) == 1 and not is_admin(user):
        return redirect(url_for(".dashboard", slug=chapters[0].slug))
    return render_template("chapters/index.html", chapters=chapters)


@blueprint.get("/<slug>")
def dashboard(slug: str):
    kecamatan = chapter_or_404(slug)
    figures = queries.chapter_figures(kecamatan, now=datetime.now(UTC))
    pending = db.session.scalars(queries.pending_applications(kecamatan.id)).all()
    return render_template(
        "chapters/dashboard.html",
        kecamatan=kecamatan,
        figures=figures,
        pending=pending,
        statuses=MemberStatus,
    )


def _csv(lines, name: str) -> Response:
    return Response(
        "".join(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/<slug>/anggota.csv")
def members_csv(slug: str):
    kecamatan = chapter_or_404(slug)
    figures = queries.chapter_figures(kecamatan, now=datetime.now(UTC))
    return _csv(export.member_lines(figures), f"anggota-{kecamatan.slug}.csv")


@blueprint.get("/<slug>/penjualan.csv")
def sales_csv(slug: str):
    kecamatan = chapter_or_404(slug)
    figures = queries.chapter_figures(kecamatan, now=datetime.now(UTC))
    name = f"penjualan-{kecamatan.slug}-{figures.month:%Y-%m}.csv"
    return _csv(export.sales_lines(figures), name)


def _application_page(kecamatan: Kecamatan, member: Member, form=None, error=None):
    return render_template(
        "chapters/application.html",
        kecamatan=kecamatan,
        member=member,
        form=form or RecommendationForm(),
        error=error,
        recommendations=db.session.scalars(queries.recommendations_of([member.id])).all(),
        can_decide=current_app.config["CHAPTER_CAN_APPROVE"],
    )


@blueprint.get("/<slug>/pengajuan/<int:member_id>")
def application(slug: str, member_id: int):
    kecamatan = chapter_or_404(slug)
    return _application_page(kecamatan, member_or_404(kecamatan, member_id))


@blueprint.post("/<slug>/pengajuan/<int:member_id>/<action>")
def judge(slug: str, member_id: int, action: str):
    """`rekomendasi`: the officer's advice to the regency admin; `putuskan`:
    the officer's own decision, when CHAPTER_CAN_APPROVE is on."""
    if action not in ("rekomendasi", "putuskan"):
        abort(404)
    kecamatan = chapter_or_404(slug)
    member = member_or_404(kecamatan, member_id)
    form = RecommendationForm()
    if not form.validate_on_submit():
        return _application_page(kecamatan, member, form=form), 400
    verdict = Verdict(form.verdict.data)
    officer = logged_in_user()
    try:
        if action == "putuskan":
            services.decide(
                member=member, officer=officer, verdict=verdict, reason=form.reason.data
            )
            done = "Keputusan Anda tersimpan dan pemohon kami kabari lewat email."
        else:
            services.recommend(
                member=member, officer=officer, verdict=verdict, reason=form.reason.data
            )
            done = "Rekomendasi Anda terkirim ke pengurus kabupaten."
    except (ChapterError, MemberError) as refused:
        db.session.rollback()
        return _application_page(kecamatan, member, form=form, error=refused.message), 400
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".application", slug=kecamatan.slug, member_id=member.id))
