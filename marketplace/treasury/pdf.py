"""Pages as PDF, rendered on the server by WeasyPrint from the same template
as the page (its print variant). The document reaches nothing outside: its
one stylesheet is read from static/ and every other address is refused."""

from pathlib import Path

from flask import Response, current_app
from PIL import ImageFile

PRINT_STYLESHEET = Path("css") / "report.css"


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the PDF loads nothing from outside: {url}")


def render_pdf(page: str) -> bytes:
    # Imported at the first PDF, not with the app: it takes half a second,
    # and importing it lets Pillow load truncated images in the whole process
    # (weasyprint/images.py sets the flag), which uploads must refuse
    # (core.images). The PDFs hold no pictures: Pillow's default goes back.
    from weasyprint import CSS, HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    static_folder = current_app.static_folder
    assert static_folder is not None  # create_app always serves static/
    stylesheet = Path(static_folder) / PRINT_STYLESHEET
    return HTML(string=page, url_fetcher=_no_fetching).write_pdf(
        stylesheets=[CSS(filename=str(stylesheet), url_fetcher=_no_fetching)]
    )


def pdf_response(page: str, *, filename: str) -> Response:
    """The PDF of `page` as a download named `filename` (plain ASCII)."""
    return Response(
        render_pdf(page),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
