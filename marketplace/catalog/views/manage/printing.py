"""What a member prints to sell at their stall (/kelola/cetak): a poster
with their shop, best products and a QR code to their shop page, and a
sheet of small labels with a product's price and a QR code to its page.
Both are PDFs (core.pdf) of the member's own shop only: `member_view`
lets in the logged-in approved member and hands their own row over, so no
id in the address can name anyone else's."""

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from marketplace.catalog import poster, queries
from marketplace.catalog.views.manage.base import blueprint, member_view
from marketplace.core.numbers import as_whole
from marketplace.core.pdf import pdf_response
from marketplace.extensions import db
from marketplace.members.models import Member


@blueprint.get("/cetak")
@member_view
def printing(member: Member):
    products = db.session.scalars(queries.products_of_member(member.id)).all()
    return render_template(
        "catalog/manage/print.html",
        member=member,
        products=products,
        max_labels=poster.MAX_LABELS,
        poster_products=poster.POSTER_PRODUCTS,
    )


@blueprint.get("/cetak/poster.pdf")
@member_view
def poster_pdf(member: Member):
    paper, zoom = poster.PAPER_SIZES.get(request.args.get("ukuran", "a4"), ("A4", 1.0))
    page = render_template(
        "catalog/manage/poster_pdf.html",
        member=member,
        logo=poster.picture(member.logo_key),
        products=poster.poster_products(member),
        shop_url=poster.shop_url(member),
        qr=poster.qr_code(poster.shop_url(member)),
    )
    return pdf_response(
        page,
        filename=f"poster-{paper.lower()}.pdf",
        stylesheet=poster.POSTER_STYLESHEET,
        zoom=zoom,
    )


@blueprint.get("/cetak/label.pdf")
@member_view
def labels_pdf(member: Member) -> ResponseReturnValue:
    chosen = None
    if "produk" in request.args:
        numbers = map(as_whole, request.args.getlist("produk"))
        # No more ids reach the query than labels can be printed.
        chosen = list(dict.fromkeys(n for n in numbers if n is not None))[: poster.MAX_LABELS]
    labels = poster.label_products(member, chosen)
    if not labels:
        flash("Pilih paling sedikit satu produk yang tayang untuk dicetak labelnya.", "warning")
        return redirect(url_for(".printing"))
    page = render_template("catalog/manage/labels_pdf.html", member=member, labels=labels)
    return pdf_response(page, filename="label-produk.pdf", stylesheet=poster.POSTER_STYLESHEET)
