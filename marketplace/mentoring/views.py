"""Campus mentoring's pages: the admin's cohorts (/pengurus/pendamping), the
invitation link, the member's pairings (/anggota/pendamping) and the
mentor's own pages (/pendamping), where every member and product is looked
up through the mentor's live pairings (mentoring.access): anything else is
not found, and after the cohort's last day nothing is found at all."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts.access import logged_in_user, role_required
from marketplace.accounts.models import Role
from marketplace.catalog import assisted, photos
from marketplace.catalog import queries as catalog_queries
from marketplace.catalog.forms import STATUS_LABELS, ActionForm, category_choices
from marketplace.catalog.models import MENTOR_KINDS, Category, Product, ProductStatus
from marketplace.catalog.services import MAX_VARIANTS, CatalogError, NotFound
from marketplace.core import clock, variants
from marketplace.core.headers import send_private_file
from marketplace.core.storage import storage
from marketplace.extensions import db, login_manager
from marketplace.members.access import approved_member
from marketplace.members.models import Member, MemberStatus
from marketplace.mentoring import drafts, impact, services
from marketplace.mentoring.access import mentor_view, pairing_or_404, visit_photo_or_404
from marketplace.mentoring.forms import (
    CohortForm,
    DraftEditForm,
    DraftForm,
    InviteForm,
    PairForm,
    SuggestionForm,
    VisitForm,
)
from marketplace.mentoring.models import Cohort, Mentor, Pairing, Visit
from marketplace.mentoring.services import MentoringError

blueprint = Blueprint("mentoring", __name__)
member_view = approved_member("catalog/manage/not_approved.html")
admin_view = role_required(Role.ADMIN)


@blueprint.app_context_processor
def pending_pairings() -> dict:
    """The member's dashboard asks how many pairings wait for them."""
    return {"mentoring_pending": services.count_pending}


# --- the admin -----------------------------------------------------------------


@blueprint.route("/pengurus/pendamping", methods=["GET", "POST"])
@admin_view
def cohorts():
    form, error = CohortForm(), None
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(
                campus=form.campus.data,
                programme=form.programme.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                by=logged_in_user(),
            )
        except MentoringError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash("Angkatan dibuat. Undang pendampingnya.", "success")
            return redirect(url_for(".cohort", cohort_id=cohort.id))
    rows = db.session.scalars(
        select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    ).all()
    return render_template(
        "mentoring/cohorts.html", cohorts=rows, form=form, error=error, today=clock.today()
    )


def _cohort_page(cohort: Cohort, invite: InviteForm, pair: PairForm, error: str | None):
    pair.mentor_id.choices = [(m.id, f"{m.name} <{m.email}>") for m in cohort.mentors]
    members = db.session.execute(
        select(Member.id, Member.shop_name)
        .where(Member.status == MemberStatus.APPROVED)
        .order_by(Member.shop_name)
    ).all()
    pair.member_id.choices = [(row.id, row.shop_name) for row in members]
    pairings = db.session.scalars(
        select(Pairing)
        .join(Mentor)
        .where(Mentor.cohort_id == cohort.id)
        .options(selectinload(Pairing.member), selectinload(Pairing.mentor))
        .order_by(Pairing.id)
    ).all()
    return render_template(
        "mentoring/cohort.html",
        cohort=cohort,
        invite=invite,
        pair=pair,
        pairings=pairings,
        error=error,
        today=clock.today(),
        end_form=ActionForm(),
    )


def _cohort_or_404(cohort_id: int) -> Cohort:
    return db.get_or_404(Cohort, cohort_id)


@blueprint.get("/pengurus/pendamping/<int:cohort_id>")
@admin_view
def cohort(cohort_id: int):
    return _cohort_page(_cohort_or_404(cohort_id), InviteForm(), PairForm(), None)


@blueprint.post("/pengurus/pendamping/<int:cohort_id>/undang")
@admin_view
def invite(cohort_id: int):
    cohort, form = _cohort_or_404(cohort_id), InviteForm()
    if not form.validate_on_submit():
        return _cohort_page(cohort, form, PairForm(formdata=None), None), 400
    try:
        services.invite_mentor(
            cohort=cohort,
            email=form.email.data,
            name=form.name.data,
            by=logged_in_user(),
            secret_key=current_app.config["SECRET_KEY"],
        )
    except MentoringError as refused:
        db.session.rollback()
        return _cohort_page(cohort, form, PairForm(formdata=None), refused.message), 400
    db.session.commit()
    flash(f"Undangan terkirim ke {form.email.data}.", "success")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@blueprint.post("/pengurus/pendamping/<int:cohort_id>/pasangkan")
@admin_view
def pair(cohort_id: int):
    cohort, form = _cohort_or_404(cohort_id), PairForm()
    page = _cohort_page(cohort, InviteForm(formdata=None), form, None)  # fills the choices
    if not form.validate_on_submit():
        return page, 400
    mentor = db.session.get(Mentor, form.mentor_id.data)
    member = db.session.get(Member, form.member_id.data)
    if mentor is None or mentor.cohort_id != cohort.id or member is None:
        abort(404)
    try:
        services.propose_pairing(mentor=mentor, member=member, by=logged_in_user())
    except MentoringError as refused:
        db.session.rollback()
        return _cohort_page(cohort, InviteForm(formdata=None), form, refused.message), 400
    db.session.commit()
    flash(f"{mentor.name} dipasangkan dengan {member.shop_name}; anggota menerimanya.", "success")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@blueprint.post("/pengurus/pendamping/pasangan/<int:pairing_id>/akhiri")
@admin_view
def end_pairing(pairing_id: int):
    pairing = db.get_or_404(Pairing, pairing_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.end_pairing(pairing=pairing, by=logged_in_user())
    except MentoringError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        db.session.commit()
        flash("Pendampingan diakhiri.", "success")
    return redirect(url_for(".cohort", cohort_id=pairing.mentor.cohort_id))


# --- the invitation ----------------------------------------------------------------


@blueprint.route("/pendamping/undangan/<token>", methods=["GET", "POST"])
def invitation(token: str):
    try:
        mentor = services.mentor_for_token(token=token, secret_key=current_app.config["SECRET_KEY"])
    except MentoringError as refused:
        return render_template("accounts/link_invalid.html", message=refused.message), 404
    form, error = ActionForm(), None
    if current_user.is_authenticated and form.validate_on_submit():
        try:
            services.accept_invitation(mentor=mentor, user=logged_in_user())
        except MentoringError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash("Undangan diterima. Selamat datang, pendamping.", "success")
            return redirect(url_for(".dashboard"))
    elif request.method == "POST":
        abort(400)
    return render_template(
        "mentoring/invitation.html",
        mentor=mentor,
        form=form,
        error=error,
        here=url_for(".invitation", token=token),
    )


# --- the member ----------------------------------------------------------------------


@blueprint.get("/anggota/pendamping")
@member_view
def member_pairings(member: Member):
    pairings = db.session.scalars(
        select(Pairing)
        .where(Pairing.member_id == member.id)
        .options(
            selectinload(Pairing.mentor).joinedload(Mentor.cohort),
            selectinload(Pairing.visits).selectinload(Visit.photos),
        )
        .order_by(Pairing.id.desc())
    ).all()
    return render_template(
        "mentoring/member_pairings.html",
        pairings=pairings,
        form=ActionForm(),
        today=clock.today(),
    )


@blueprint.post("/anggota/pendamping/<int:pairing_id>/terima")
@member_view
def accept_pairing(member: Member, pairing_id: int):
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or pairing.member_id != member.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.accept_pairing(pairing=pairing, member=member)
    except MentoringError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        db.session.commit()
        flash(f"Anda sekarang didampingi {pairing.mentor.name}.", "success")
    return redirect(url_for(".member_pairings"))


# --- the mentor ----------------------------------------------------------------------


@blueprint.get("/pendamping")
@mentor_view
def dashboard(mentors: list[Mentor]):
    pairings = db.session.scalars(
        select(Pairing)
        .where(Pairing.mentor_id.in_([m.id for m in mentors]), Pairing.ended_at.is_(None))
        .options(selectinload(Pairing.member))
        .order_by(Pairing.id)
    ).all()
    return render_template("mentoring/dashboard.html", mentors=mentors, pairings=pairings)


def _member_page(pairing: Pairing, visit: VisitForm, error: str | None = None):
    products = db.session.scalars(
        select(Product)
        .where(Product.member_id == pairing.member_id, Product.status != ProductStatus.ARCHIVED)
        .order_by(Product.status, Product.name)
    ).all()
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.pairing_id == pairing.id)
        .options(selectinload(Visit.photos))
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
    ).all()
    return render_template(
        "mentoring/member.html",
        pairing=pairing,
        member=pairing.member,
        products=products,
        own_drafts=drafts.own_draft_ids(pairing),
        visits=visits,
        labels=STATUS_LABELS,
        visit=visit,
        error=error,
        photo_side=photos.BROWSER_SIDE,
    )


@blueprint.get("/pendamping/anggota/<int:member_id>")
@mentor_view
def member(mentors: list[Mentor], member_id: int):
    pairing = pairing_or_404(current_user.id, member_id)
    return _member_page(pairing, VisitForm(formdata=None, visited_on=clock.today()))


@blueprint.post("/pendamping/anggota/<int:member_id>/kunjungan")
@mentor_view
def log_visit(mentors: list[Mentor], member_id: int):
    pairing, form = pairing_or_404(current_user.id, member_id), VisitForm()
    if not form.validate_on_submit():
        return _member_page(pairing, form), 400
    try:
        services.log_visit(
            pairing=pairing,
            visited_on=form.visited_on.data,
            topic=form.topic.data,
            notes=form.notes.data or "",
            today=clock.today(),
            uploads=[upload.read() for upload in form.photos.data or []],
            store=storage(),
        )
    except photos.PhotoRefused as refused:
        db.session.rollback()
        form.photos.errors.append(refused.message)
        error = "Kunjungan belum disimpan: ada foto yang ditolak. Pilih lagi fotonya, lalu simpan."
        return _member_page(pairing, form, error), 400
    except MentoringError as refused:
        db.session.rollback()
        return _member_page(pairing, form, refused.message), 400
    db.session.commit()
    flash("Kunjungan tercatat. Anggota bisa membacanya.", "success")
    return redirect(url_for(".member", member_id=member_id))


@blueprint.route("/pendamping/anggota/<int:member_id>/produk/baru", methods=["GET", "POST"])
@mentor_view
def draft(mentors: list[Mentor], member_id: int):
    pairing = pairing_or_404(current_user.id, member_id)
    form, error = DraftForm(), None
    form.category_id.choices = category_choices(
        list(db.session.scalars(catalog_queries.categories()))
    )
    if request.method == "POST" and form.rows_changed(request.form):
        pass  # a variant row added or removed without JavaScript: shown again, nothing saved
    elif form.validate_on_submit():
        try:
            product = services.draft_product(
                pairing=pairing,
                uploads=[upload.read() for upload in form.photos.data or []],
                store=storage(),
                name=form.name.data,
                category=db.get_or_404(Category, form.category_id.data),
                description=form.description.data or "",
                unit=form.unit.data,
                weight_grams=form.weight_grams.data,
                variants=form.variant_inputs(),
            )
        except NotFound:
            abort(404)
        except photos.PhotoRefused as refused:
            db.session.rollback()
            form.photos.errors.append(refused.message)
            error = "Draf belum disimpan: ada foto yang ditolak. Pilih lagi fotonya, lalu simpan."
        except (CatalogError, MentoringError) as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash(
                f"Draf “{product.name}” tersimpan. Anggota memeriksa lalu menayangkannya.",
                "success",
            )
            return redirect(url_for(".member", member_id=member_id))
    return render_template(
        "mentoring/draft.html",
        form=form,
        error=error,
        member=pairing.member,
        max_variants=MAX_VARIANTS,
        photo_side=photos.BROWSER_SIDE,
    )


@blueprint.route(
    "/pendamping/anggota/<int:member_id>/produk/<int:product_id>", methods=["GET", "POST"]
)
@mentor_view
def product(mentors: list[Mentor], member_id: int, product_id: int):
    pairing = pairing_or_404(current_user.id, member_id)
    item = db.one_or_404(catalog_queries.member_product(member_id, product_id))
    form, error = SuggestionForm(), None
    if form.validate_on_submit():
        try:
            services.suggest(pairing=pairing, product=item, body=form.body.data)
        except MentoringError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash("Saran terkirim. Anggota membacanya di halaman produknya.", "success")
            return redirect(url_for(".product", member_id=member_id, product_id=product_id))
    notes = db.session.scalars(assisted.history_of([item.id], kinds=MENTOR_KINDS)).all()
    may_edit = item.status == ProductStatus.DRAFT and drafts.is_own_draft(
        pairing=pairing, product=item
    )
    return render_template(
        "mentoring/product.html",
        member=pairing.member,
        product=item,
        notes=notes,
        may_edit=may_edit,
        labels=STATUS_LABELS,
        form=form,
        error=error,
    ), (400 if error or form.errors else 200)


@blueprint.route(
    "/pendamping/anggota/<int:member_id>/produk/<int:product_id>/ubah", methods=["GET", "POST"]
)
@mentor_view
def edit_draft(mentors: list[Mentor], member_id: int, product_id: int):
    """The mentor's own draft, until the member publishes it; after that the
    product page, where the mentor can only suggest."""
    pairing = pairing_or_404(current_user.id, member_id)
    item = db.one_or_404(catalog_queries.member_product(member_id, product_id))
    if not drafts.is_own_draft(pairing=pairing, product=item):
        abort(404)
    back = url_for(".product", member_id=member_id, product_id=product_id)
    if item.status != ProductStatus.DRAFT:
        flash(drafts.PUBLISHED, "warning")
        return redirect(back)
    form = DraftEditForm(obj=item if request.method == "GET" else None)
    form.category_id.choices = category_choices(
        list(db.session.scalars(catalog_queries.categories()))
    )
    form.remove_photos.choices = [
        (photo.id, f"Foto {number}") for number, photo in enumerate(item.images, start=1)
    ]
    error = None
    if request.method == "GET":
        form.fill_variants(item.variants)
    elif form.rows_changed(request.form):
        pass  # a variant row added or removed without JavaScript: shown again, nothing saved
    elif form.validate_on_submit():
        try:
            _, freed = drafts.edit_draft(
                pairing=pairing,
                product=item,
                category=db.get_or_404(Category, form.category_id.data),
                name=form.name.data,
                description=form.description.data or "",
                unit=form.unit.data,
                weight_grams=form.weight_grams.data,
                variants=form.variant_inputs(),
                uploads=[upload.read() for upload in form.photos.data or []],
                remove_photo_ids=form.remove_photos.data or [],
                store=storage(),
            )
        except NotFound:
            abort(404)
        except photos.PhotoRefused as refused:
            db.session.rollback()
            form.photos.errors.append(refused.message)
            error = "Draf belum diubah: ada foto yang ditolak. Pilih lagi fotonya, lalu simpan."
        except (CatalogError, MentoringError) as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            for key in freed:
                storage().delete(key)
            flash("Perubahan draf tersimpan. Anggota membacanya di riwayat produk.", "success")
            return redirect(back)
    return render_template(
        "mentoring/draft.html",
        form=form,
        error=error,
        member=pairing.member,
        product=item,
        max_variants=MAX_VARIANTS,
        photo_side=photos.BROWSER_SIDE,
    ), (400 if error or form.errors else 200)


@blueprint.get("/pendamping/kunjungan/foto/<int:photo_id>", defaults={"width": 0, "kind": ""})
@blueprint.get("/pendamping/kunjungan/foto/<int:photo_id>/<int:width>.<kind>")
def visit_photo(photo_id: int, width: int, kind: str):
    """A visit photo (its large size) and its smaller copies (core.variants,
    `<address>/320.webp`), for its mentor while they may act, its member and
    the admins only (mentoring.access): never /media, never a shared cache."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    photo = visit_photo_or_404(photo_id)
    if not kind:
        path, mimetype = storage().path(photo.large_key), "image/webp"
    elif width in variants.WIDTHS and kind in variants.KINDS:
        path = variants.variant_file(storage(), photo.large_key, width, kind)
        mimetype = variants.KINDS[kind]
    else:
        abort(404)
    if path is None or not path.is_file():
        abort(404)
    return send_private_file(path, mimetype=mimetype)


# --- the impact report ---------------------------------------------------------------


def _campus_cohorts(campus: str) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort).where(Cohort.campus == campus).order_by(Cohort.starts_on, Cohort.id)
        )
    )


def _impact_page(title: str, cohorts: list[Cohort], csv_url: str):
    rows = impact.impact(cohorts, clock.today())
    before, during = impact.totals(rows)
    campuses = db.session.scalars(select(Cohort.campus).distinct().order_by(Cohort.campus)).all()
    return render_template(
        "mentoring/impact.html",
        title=title,
        cohorts=cohorts,
        rows=rows,
        before=before,
        during=during,
        csv_url=csv_url,
        campuses=campuses,
    )


def _impact_csv(cohorts: list[Cohort], filename: str) -> Response:
    rows = impact.impact(cohorts, clock.today())
    return Response(
        impact.csv_lines(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.get("/pengurus/pendamping/<int:cohort_id>/dampak")
@admin_view
def impact_cohort(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    return _impact_page(
        f"{cohort.campus}: {cohort.programme}",
        [cohort],
        url_for(".impact_cohort_csv", cohort_id=cohort.id),
    )


@blueprint.get("/pengurus/pendamping/<int:cohort_id>/dampak.csv")
@admin_view
def impact_cohort_csv(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    return _impact_csv([cohort], f"dampak-angkatan-{cohort.id}.csv")


def _campus_asked() -> tuple[str, list[Cohort]]:
    """The campus of `?kampus=` and its cohorts, or every cohort (all
    campuses) without it; a campus with no cohort is not found."""
    campus = request.args.get("kampus", "").strip()
    if not campus:
        everything = select(Cohort).order_by(Cohort.starts_on, Cohort.id)
        return "", list(db.session.scalars(everything))
    cohorts = _campus_cohorts(campus) if len(campus) <= 80 else []
    if not cohorts:
        abort(404)
    return campus, cohorts


@blueprint.get("/pengurus/pendamping/dampak")
@admin_view
def impact_campus():
    campus, cohorts = _campus_asked()
    return _impact_page(
        f"Kampus {campus}" if campus else "Semua kampus",
        cohorts,
        url_for(".impact_campus_csv", kampus=campus or None),
    )


@blueprint.get("/pengurus/pendamping/dampak.csv")
@admin_view
def impact_campus_csv():
    campus, cohorts = _campus_asked()
    return _impact_csv(cohorts, f"dampak-kampus-{slugify(campus) or 'semua'}.csv")
