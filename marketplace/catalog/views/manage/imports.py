"""Products from a CSV file: the import (all rows or none) and its template."""

from flask import Response, render_template

from marketplace.catalog import imports
from marketplace.catalog.forms import ImportForm
from marketplace.catalog.services import CatalogError
from marketplace.catalog.views.manage.base import blueprint, categories, member_view
from marketplace.extensions import db
from marketplace.members.models import Member

# --- CSV import -------------------------------------------------------------


@blueprint.route("/impor", methods=["GET", "POST"])
@member_view
def import_products(member: Member):
    form, report, error = ImportForm(), None, None
    if form.validate_on_submit():
        try:
            report = imports.import_csv(
                member=member, data=form.file.data.read(imports.MAX_BYTES + 1)
            )
        except CatalogError as refused:
            db.session.rollback()
            error = refused.message
        else:
            if report.ok:
                db.session.commit()
            else:
                db.session.rollback()
    return render_template(
        "catalog/manage/import.html",
        form=form,
        report=report,
        error=error,
        columns=imports.COLUMNS,
        max_rows=imports.MAX_ROWS,
        categories=categories(),
    )


@blueprint.get("/impor/templat.csv")
@member_view
def import_template(member: Member):
    return Response(
        imports.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=templat-produk-aspikmas.csv"},
    )
