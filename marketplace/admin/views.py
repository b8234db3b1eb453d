"""The association admin's screens (under /pengurus): membership applications
and members, the review of certificates, and commission rates by category
and by member. Only Role.ADMIN gets in.

About 500 lines: four short screens (members, certificates with the
products they cover, commission, audit log), each with its row dataclass.
Past STYLE's ~400: split into a package, as treasury/views is, at the next
change (or when a fifth screen comes)."""

from collections.abc import Callable
from dataclasses import dataclass

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
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.access import logged_in_user, role_required
from marketplace.accounts.models import Role
from marketplace.admin import queries
from marketplace.admin.forms import AuditFilterForm, CommissionRateForm, DecisionForm, percent
from marketplace.admin.reviews import blueprint as reviews
from marketplace.audit import export as audit_export
from marketplace.audit import queries as audit_queries
from marketplace.audit.models import ACTION_LABELS
from marketplace.audit.queries import AuditFilter
from marketplace.catalog import queries as catalog_queries
from marketplace.catalog.categories import set_category_commission
from marketplace.catalog.certificates import services as certificate_services
from marketplace.catalog.certificates.forms import ProductTicksForm
from marketplace.catalog.certificates.queries import (
    certificates_for_review,
    count_with_products_waiting,
)
from marketplace.catalog.certificates.rules import (
    TRANSITIONS,
    CertificateError,
    Summary,
    summarise,
    today,
)
from marketplace.catalog.models import Category, Certificate, CertificateStatus
from marketplace.catalog.services import CatalogError
from marketplace.chapters import queries as chapter_queries
from marketplace.chapters.models import ChapterRecommendation
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members import services as member_services
from marketplace.members.models import Kecamatan, Member, MemberStatus
from marketplace.members.services import MemberAction, MemberError

blueprint = Blueprint("admin", __name__, url_prefix="/pengurus")
# The reviews screen lives in its own module (this one is past STYLE's ~400
# lines); nested, so the admin guard below covers it too.
blueprint.register_blueprint(reviews)

MEMBER_RATE_PREFIX = "komisi"
MEMBERS_PER_PAGE = 20
CERTIFICATES_PER_PAGE = 20
CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.PENDING: "Menunggu verifikasi",
    CertificateStatus.VERIFIED: "Terverifikasi",
    CertificateStatus.REJECTED: "Ditolak",
}
# The review list's filter for certificates whose ticked products wait.
PRODUCTS_WAITING = "produk"

# The URL word of each decision, its service and what the admin is told after.
MEMBER_DECISIONS: dict[str, tuple[MemberAction, Callable[..., Member], str]] = {
    "setujui": (
        MemberAction.APPROVE,
        member_services.approve_member,
        "{shop} sudah disetujui menjadi anggota. Pemohon kami kabari lewat email.",
    ),
    "tolak": (
        MemberAction.REJECT,
        member_services.reject_member,
        "Pengajuan {shop} ditolak. Pemohon menerima alasannya lewat email.",
    ),
    "bekukan": (
        MemberAction.SUSPEND,
        member_services.suspend_member,
        "Keanggotaan {shop} dibekukan. Tokonya tidak lagi tampil di pasar.",
    ),
    "aktifkan": (
        MemberAction.REINSTATE,
        member_services.reinstate_member,
        "Keanggotaan {shop} aktif kembali. Tokonya tampil lagi di pasar.",
    ),
}
DECISION_SLUGS = {action: slug for slug, (action, _, _) in MEMBER_DECISIONS.items()}


@blueprint.before_request
@role_required(Role.ADMIN)
def require_admin() -> None:
    """Every page of /pengurus is for admins: others get the login page or 403."""


@blueprint.get("")
def index():
    counts = dict(db.session.execute(member_queries.status_counts()).tuples().all())
    certificate_counts = dict(
        db.session.execute(queries.certificate_status_counts()).tuples().all()
    )
    return render_template(
        "admin/index.html",
        member_counts=counts,
        certificate_count=certificate_counts.get(CertificateStatus.PENDING, 0),
        products_waiting_count=db.session.scalar(count_with_products_waiting()) or 0,
        reported_review_count=db.session.scalar(queries.reported_review_count()) or 0,
    )


def _member_filter() -> tuple[MemberStatus | None, Kecamatan | None]:
    """The list's filters from the query string; unknown values mean no filter."""
    status, slug = request.args.get("status", ""), request.args.get("kecamatan", "")
    kecamatan = db.session.scalar(member_queries.kecamatan_by_slug(slug)) if slug else None
    return (MemberStatus(status) if status in set(MemberStatus) else None), kecamatan


@blueprint.get("/anggota")
def members():
    status, kecamatan = _member_filter()
    kecamatan_id = kecamatan.id if kecamatan else None
    chosen = {"status": status and status.value, "kecamatan": kecamatan and kecamatan.slug}
    chosen = {name: value for name, value in chosen.items() if value}
    page = db.paginate(
        member_queries.members_for_review(status=status, kecamatan_id=kecamatan_id),
        per_page=MEMBERS_PER_PAGE,
        error_out=False,
    )
    # The newest officer's recommendation of each application on the page, in one query.
    recommended: dict[int, ChapterRecommendation] = {}
    for recommendation in db.session.scalars(
        chapter_queries.recommendations_of([m.id for m in page.items])
    ):
        recommended.setdefault(recommendation.member_id, recommendation)
    return render_template(
        "admin/members.html",
        page=page,
        recommended=recommended,
        status=status,
        kecamatan=kecamatan,
        kecamatan_list=db.session.scalars(member_queries.kecamatan_list()).all(),
        counts=dict(
            db.session.execute(member_queries.status_counts(kecamatan_id=kecamatan_id))
            .tuples()
            .all()
        ),
        page_args=lambda number: chosen | {"page": number},
    )


def _member_page(
    member: Member,
    *,
    forms: dict | None = None,
    error: str | None = None,
    commission_form: CommissionRateForm | None = None,
):
    forms = forms or {}
    actions = [
        (action, DECISION_SLUGS[action], forms.get(action) or DecisionForm(prefix=action.value))
        for action in member_services.allowed_actions(MemberStatus(member.status))
    ]
    return render_template(
        "admin/member.html",
        member=member,
        actions=actions,
        error=error,
        decisions=db.session.scalars(member_queries.decisions_of(member.id)).all(),
        recommendations=db.session.scalars(chapter_queries.recommendations_of([member.id])).all(),
        commission_form=commission_form or _rate_form(MEMBER_RATE_PREFIX, member.commission_bps),
        rate_text=_rate_text(member.commission_bps),
        default_rate=percent(_default_bps()),
    )


@blueprint.get("/anggota/<int:member_id>")
def member(member_id: int):
    return _member_page(db.get_or_404(Member, member_id))


@blueprint.post("/anggota/<int:member_id>/<decision>")
def decide_member(member_id: int, decision: str):
    if decision not in MEMBER_DECISIONS:
        abort(404)
    action, decide, done = MEMBER_DECISIONS[decision]
    found = db.get_or_404(Member, member_id)
    form = DecisionForm(prefix=action.value)
    if not form.validate_on_submit():
        return _member_page(found, forms={action: form})
    try:
        decide(member=found, admin=logged_in_user(), reason=form.reason.data or "")
    except MemberError as refused:
        db.session.rollback()
        return _member_page(found, forms={action: form}, error=refused.message)
    db.session.commit()
    flash(done.format(shop=found.shop_name), "success")
    return redirect(url_for(".member", member_id=found.id))


# --- certificates --------------------------------------------------------------


@dataclass(frozen=True)
class CertificateRow:
    """A certificate's card in the review list."""

    summary: Summary
    can_verify: bool
    can_reject: bool  # reject a pending one, or revoke a verified one
    form: DecisionForm  # the reason for a rejection
    products: ProductTicksForm | None  # the ticked products the scan names
    notes: dict[int, str]  # by product id: verified already, or waiting
    error: str | None  # why the last decision on it was refused
    open: bool  # the rejection form shows open (after a refusal)


def _certificate_filter() -> tuple[CertificateStatus | None, bool]:
    """The list's filter: a status, or the certificates whose products wait."""
    status = request.args.get("status", "")
    if status == PRODUCTS_WAITING:
        return None, True
    return (CertificateStatus(status) if status in set(CertificateStatus) else None), False


def _products_form(certificate: Certificate, formdata: bool = False) -> ProductTicksForm | None:
    """The products the member ticked, checked where an admin verified them."""
    if not certificate.covered_products:
        return None
    links = sorted(certificate.covered_products, key=lambda link: link.product.name.lower())
    form = ProductTicksForm(
        prefix=f"produk-{certificate.id}",
        formdata=None if not formdata else request.form,
        products=[link.product_id for link in links if link.is_verified],
    )
    form.products.choices = [SelectChoice(link.product_id, link.product.name) for link in links]
    return form


def _certificates_page(
    *,
    refused: int | None = None,
    form: DecisionForm | None = None,
    products: ProductTicksForm | None = None,
    error: str | None = None,
) -> str:
    """The review list. A refused decision on certificate `refused` shows
    its `error` (and the submitted reject `form` or `products`) on that
    certificate's card."""
    status, products_waiting = _certificate_filter()
    page = db.paginate(
        certificates_for_review(status, products_waiting=products_waiting),
        per_page=CERTIFICATES_PER_PAGE,
        error_out=False,
    )
    on = today()
    rows = []
    for certificate in page.items:
        moves = TRANSITIONS[CertificateStatus(certificate.status)]
        mine = certificate.id == refused
        rows.append(
            CertificateRow(
                summary=summarise(certificate, on),
                can_verify=CertificateStatus.VERIFIED in moves,
                can_reject=CertificateStatus.REJECTED in moves,
                form=form
                if mine and form
                else DecisionForm(prefix=f"sertifikat-{certificate.id}", formdata=None),
                products=products if mine and products else _products_form(certificate),
                notes={
                    link.product_id: "terverifikasi" if link.is_verified else "menunggu"
                    for link in certificate.covered_products
                },
                error=error if mine else None,
                open=mine and form is not None,
            )
        )
    chosen = {"status": request.args["status"]} if status or products_waiting else {}
    return render_template(
        "admin/certificates.html",
        page=page,
        rows=rows,
        status=status,
        products_waiting=products_waiting,
        error=error if refused not in {row.summary.certificate.id for row in rows} else None,
        labels=CERTIFICATE_STATUS_LABELS,
        counts=dict(db.session.execute(queries.certificate_status_counts()).tuples().all()),
        waiting_count=db.session.scalar(count_with_products_waiting()) or 0,
        page_args=lambda number: chosen | {"page": number},
        here=_list_place(),
    )


def _list_place() -> dict:
    """Where in the list the admin is (status, page), to come back to after a decision."""
    place = {"status": request.args.get("status", ""), "page": request.args.get("page", "")}
    return {name: value for name, value in place.items() if value}


def _back_to_certificates():
    return redirect(url_for(".certificates", **_list_place()))


@blueprint.get("/sertifikat")
def certificates():
    return _certificates_page()


def _ticked(form: ProductTicksForm | None) -> list[int]:
    return list(form.products.data or ()) if form is not None else []


@blueprint.post("/sertifikat/<int:certificate_id>/verifikasi")
def verify_certificate(certificate_id: int):
    """Verify the certificate, and the products ticked on its card."""
    certificate = db.get_or_404(Certificate, certificate_id)
    products = _products_form(certificate, formdata=True)
    if products is not None and not products.validate():
        return _certificates_page(refused=certificate_id, products=products)
    try:
        certificate_services.verify_certificate(
            certificate=certificate, reviewer=logged_in_user(), covered=_ticked(products)
        )
    except CertificateError as refused:
        db.session.rollback()
        return _certificates_page(refused=certificate_id, error=refused.message)
    db.session.commit()
    flash(f"Sertifikat {certificate.label} nomor {certificate.number} terverifikasi.", "success")
    return _back_to_certificates()


@blueprint.post("/sertifikat/<int:certificate_id>/produk")
def verify_covered_products(certificate_id: int):
    """Verify which of the ticked products the scan names (the others not)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    products = _products_form(certificate, formdata=True)
    if products is None:
        abort(404)
    if not products.validate():
        return _certificates_page(refused=certificate_id, products=products)
    try:
        certificate_services.verify_covered_products(
            certificate=certificate, reviewer=logged_in_user(), covered=_ticked(products)
        )
    except CertificateError as refused:
        db.session.rollback()
        return _certificates_page(refused=certificate_id, products=products, error=refused.message)
    db.session.commit()
    flash(f"Produk sertifikat {certificate.label} nomor {certificate.number} tersimpan.", "success")
    return _back_to_certificates()


@blueprint.post("/sertifikat/<int:certificate_id>/tolak")
def reject_certificate(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = DecisionForm(prefix=f"sertifikat-{certificate_id}")
    if not form.validate_on_submit():
        return _certificates_page(refused=certificate_id, form=form)
    try:
        certificate_services.reject_certificate(
            certificate=certificate, reviewer=logged_in_user(), reason=form.reason.data or ""
        )
    except CertificateError as refused:
        db.session.rollback()
        return _certificates_page(refused=certificate_id, form=form, error=refused.message)
    db.session.commit()
    flash(f"Sertifikat {certificate.label} nomor {certificate.number} ditolak.", "success")
    return _back_to_certificates()


# --- commission rates ------------------------------------------------------------


def _default_bps() -> int:
    return current_app.config["COMMISSION_DEFAULT_BPS"]


@dataclass(frozen=True)
class CategoryRateRow:
    """A category's row on the commission page."""

    category: Category
    rate: str | None  # its own rate ("7,5 %"), None: the default applies
    form: CommissionRateForm
    error: str | None  # why the last change to it was refused


def _rate_text(bps: int | None) -> str | None:
    return None if bps is None else f"{percent(bps)} %"


def _rate_form(prefix: str, bps: int | None) -> CommissionRateForm:
    return CommissionRateForm(prefix=prefix, formdata=None, data={"rate": bps})


def _category_prefix(category_id: int) -> str:
    return f"kategori-{category_id}"


def _commission_page(
    *, refused: int | None = None, form: CommissionRateForm | None = None, error: str | None = None
) -> str:
    """Categories with their rates. A refused change to category `refused`
    shows the submitted `form` and the `error` on that category's row."""
    rows = [
        CategoryRateRow(
            category=category,
            rate=_rate_text(category.commission_bps),
            form=form
            if category.id == refused and form
            else _rate_form(_category_prefix(category.id), category.commission_bps),
            error=error if category.id == refused else None,
        )
        for category in db.session.scalars(catalog_queries.categories())
    ]
    members = db.session.scalars(queries.members_with_own_commission()).all()
    return render_template(
        "admin/commission.html",
        rows=rows,
        members=[(member, _rate_text(member.commission_bps)) for member in members],
        default_rate=percent(_default_bps()),
    )


@blueprint.get("/komisi")
def commission():
    return _commission_page()


@blueprint.post("/komisi/kategori/<int:category_id>")
def set_category_rate(category_id: int):
    category = db.get_or_404(Category, category_id)
    form = CommissionRateForm(prefix=_category_prefix(category.id))
    if not form.validate_on_submit():
        return _commission_page(refused=category.id, form=form)
    try:
        set_category_commission(category=category, rate_bps=form.rate.data, by=logged_in_user())
    except CatalogError as refused:
        db.session.rollback()
        return _commission_page(refused=category.id, form=form, error=refused.message)
    db.session.commit()
    if category.commission_bps is None:
        done = f"Komisi kategori {category.name} kembali ke bawaan ({percent(_default_bps())} %)."
    else:
        done = f"Komisi kategori {category.name} sekarang {percent(category.commission_bps)} %."
    flash(f"{done} Berlaku untuk pesanan baru.", "success")
    return redirect(url_for(".commission", _anchor=_category_prefix(category.id)))


@blueprint.post("/komisi/anggota/<int:member_id>")
def set_member_rate(member_id: int):
    found = db.get_or_404(Member, member_id)
    form = CommissionRateForm(prefix=MEMBER_RATE_PREFIX)
    if not form.validate_on_submit():
        return _member_page(found, commission_form=form)
    try:
        member_services.set_member_commission(
            member=found, rate_bps=form.rate.data, by=logged_in_user()
        )
    except MemberError as refused:
        db.session.rollback()
        return _member_page(found, commission_form=form, error=refused.message)
    db.session.commit()
    if found.commission_bps is None:
        done = f"Komisi khusus {found.shop_name} dihapus: kembali mengikuti kategori produknya."
    else:
        rate = percent(found.commission_bps)
        done = f"Komisi {found.shop_name} sekarang {rate} % untuk semua produknya."
    flash(f"{done} Berlaku untuk pesanan baru.", "success")
    return redirect(url_for(".member", member_id=found.id))


# --- the audit log -----------------------------------------------------------------

AUDIT_PER_PAGE = 30


@blueprint.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template(
            "admin/audit.html", form=form, page=None, chosen=AuditFilter(), labels=ACTION_LABELS
        ), 400
    chosen = form.chosen()
    return render_template(
        "admin/audit.html",
        form=form,
        labels=ACTION_LABELS,
        page=db.paginate(audit_queries.events(chosen), per_page=AUDIT_PER_PAGE, error_out=False),
        chosen=chosen,
        page_args=lambda number: chosen.args | {"page": number},
    )


@blueprint.get("/audit.csv")
def audit_csv():
    form = AuditFilterForm(request.args)
    if not form.validate():
        messages = [error for errors in form.errors.values() for error in errors]
        return Response(" ".join(messages), status=400, mimetype="text/plain")
    events = db.session.scalars(audit_queries.events(form.chosen()))
    return Response(
        "".join(audit_export.csv_lines(events)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="log-audit.csv"'},
    )


# The chapter officers' screen lives in its own module, on this blueprint.
from marketplace.admin import officers  # noqa: F401
