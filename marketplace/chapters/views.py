"""The chapter officer's pages (under /cabang): the dashboard of each
kecamatan they serve, its CSV files, and the membership applications of
that kecamatan. Only a user with a live appointment to the kecamatan gets
in (a regency admin may read every chapter); another kecamatan's
dashboard or application is a 404, as if it did not exist. Nothing here
moves money or shows a bank account."""

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from marketplace.accounts.access import logged_in_user
from marketplace.accounts.models import Role, User
from marketplace.catalog import assisted
from marketplace.catalog import queries as catalog_queries
from marketplace.catalog.forms import category_choices
from marketplace.catalog.models import Category
from marketplace.catalog.services import BulkUpdateRefused, CatalogError
from marketplace.chapters import export, queries, services
from marketplace.chapters.forms import AssistedProductForm, AssistedStockForm, RecommendationForm
from marketplace.chapters.models import Verdict
from marketplace.chapters.services import ChapterError
from marketplace.extensions import db, login_manager
from marketplace.members import queries as member_queries
from marketplace.members.models import Kecamatan, Member, MemberStatus
from marketplace.members.services import MemberError

blueprint = Blueprint("chapters", __name__, url_prefix="/cabang")


@blueprint.before_request
def require_login():
    """Every page is for a logged-in officer or admin; the chapter itself is
    checked by `_chapter`."""
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


def _is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def _chapter(slug: str) -> Kecamatan:
    """The kecamatan of `slug` if the user may read it, else 404 (an officer
    of Ajibarang learns nothing about Kedungbanteng)."""
    user = logged_in_user()
    kecamatan = db.session.scalar(member_queries.kecamatan_by_slug(slug[:60]))
    if kecamatan is None:
        abort(404)
    if not (_is_admin(user) or services.is_officer_of(user, kecamatan.id)):
        abort(404)
    return kecamatan


def _application(kecamatan: Kecamatan, member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.kecamatan_id != kecamatan.id:
        abort(404)
    return member


@blueprint.get("")
def index():
    """The officer's chapters; straight to the dashboard when there is one."""
    user = logged_in_user()
    chapters = (
        db.session.scalars(member_queries.kecamatan_list()).all()
        if _is_admin(user)
        else services.chapters_of(user)
    )
    if not chapters:
        abort(403)
    if len(chapters) == 1 and not _is_admin(user):
        return redirect(url_for(".dashboard", slug=chapters[0].slug))
    return render_template("chapters/index.html", chapters=chapters)


@blueprint.get("/<slug>")
def dashboard(slug: str):
    kecamatan = _chapter(slug)
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
    kecamatan = _chapter(slug)
    figures = queries.chapter_figures(kecamatan, now=datetime.now(UTC))
    return _csv(export.member_lines(figures), f"anggota-{kecamatan.slug}.csv")


@blueprint.get("/<slug>/penjualan.csv")
def sales_csv(slug: str):
    kecamatan = _chapter(slug)
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
    kecamatan = _chapter(slug)
    return _application_page(kecamatan, _application(kecamatan, member_id))


@blueprint.post("/<slug>/pengajuan/<int:member_id>/<action>")
def judge(slug: str, member_id: int, action: str):
    """`rekomendasi`: the officer's advice to the regency admin; `putuskan`:
    the officer's own decision, when CHAPTER_CAN_APPROVE is on."""
    if action not in ("rekomendasi", "putuskan"):
        abort(404)
    kecamatan = _chapter(slug)
    member = _application(kecamatan, member_id)
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


# --- assisted selling ---------------------------------------------------------


def _helped_member(kecamatan: Kecamatan, member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.kecamatan_id != kecamatan.id:
        abort(404)
    return member


def _product_form(formdata: bool = True) -> AssistedProductForm:
    form = AssistedProductForm() if formdata else AssistedProductForm(formdata=None)
    form.category_id.choices = category_choices(
        list(db.session.scalars(catalog_queries.categories()))
    )
    return form


def _member_page(kecamatan: Kecamatan, member: Member, form=None, error=None):
    products = db.session.scalars(assisted.member_products(member.id)).all()
    history = db.session.scalars(assisted.history_of([product.id for product in products])).all()
    return render_template(
        "chapters/member.html",
        kecamatan=kecamatan,
        member=member,
        products=products,
        history=history,
        form=form or _product_form(formdata=False),
        stock_form=AssistedStockForm(formdata=None),
        error=error,
    )


@blueprint.get("/<slug>/anggota/<int:member_id>")
def member(slug: str, member_id: int):
    kecamatan = _chapter(slug)
    return _member_page(kecamatan, _helped_member(kecamatan, member_id))


@blueprint.post("/<slug>/anggota/<int:member_id>/produk")
def create_product(slug: str, member_id: int):
    """The officer lists a product for a member who cannot do it themselves."""
    kecamatan = _chapter(slug)
    found = _helped_member(kecamatan, member_id)
    form = _product_form()
    if not form.validate_on_submit():
        return _member_page(kecamatan, found, form=form), 400
    category = db.session.get(Category, form.category_id.data)
    if category is None:
        abort(404)
    officer = logged_in_user()
    try:
        services.ensure_can_help(officer, found)
        product = assisted.create_for(
            member=found,
            helper=officer,
            category=category,
            name=form.name.data,
            description=form.description.data or "",
            unit=form.unit.data,
            price=form.price.data or 0,
            stock=form.stock.data or 0,
            publish=form.publish.data,
        )
    except (ChapterError, CatalogError) as refused:
        db.session.rollback()
        return _member_page(kecamatan, found, form=form, error=refused.message), 400
    db.session.commit()
    flash(f"Produk “{product.name}” tersimpan untuk {found.shop_name}.", "success")
    return redirect(url_for(".member", slug=kecamatan.slug, member_id=found.id))


@blueprint.post("/<slug>/anggota/<int:member_id>/stok")
def set_stock(slug: str, member_id: int):
    kecamatan = _chapter(slug)
    found = _helped_member(kecamatan, member_id)
    form = AssistedStockForm()
    if not form.validate_on_submit() or form.variant_id.data is None:
        error = "Stok tidak tersimpan: " + " ".join(
            message for messages in form.errors.values() for message in messages
        )
        return _member_page(kecamatan, found, error=error.strip()), 400
    officer = logged_in_user()
    try:
        services.ensure_can_help(officer, found)
        assisted.set_stock_for(
            member=found,
            helper=officer,
            variant_id=form.variant_id.data,
            stock=form.stock.data or 0,
        )
    except BulkUpdateRefused as refused:
        db.session.rollback()
        error = " ".join(message for messages in refused.problems.values() for message in messages)
        return _member_page(kecamatan, found, error=error), 400
    except (ChapterError, CatalogError) as refused:
        db.session.rollback()
        return _member_page(kecamatan, found, error=refused.message), 400
    db.session.commit()
    flash("Stok tersimpan. Anggota kami kabari lewat email.", "success")
    return redirect(url_for(".member", slug=kecamatan.slug, member_id=found.id))
