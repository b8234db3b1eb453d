"""Pages as PDF, rendered on the server by WeasyPrint from a template (the
treasurer's reports, a member's stall poster and product labels). The
document reaches nothing outside: its one stylesheet is read from static/,
the pictures it holds (a QR code, the member's own photos) are written into
the page as `data:` addresses, and every other address is refused."""

from pathlib import Path

from flask import Response, current_app
from PIL import ImageFile

REPORT_STYLESHEET = Path("css") / "report.css"


def render_pdf(page: str, *, stylesheet: Path = REPORT_STYLESHEET, zoom: float = 1.0) -> bytes:
    """`stylesheet`: a file under static/ (css/report.css, css/poster.css).
    `zoom` scales everything, the page size too: an A4 page at 148/210 is
    an A5 page with the same layout."""
    # Imported at the first PDF, not with the app: it takes half a second,
    # and importing it lets Pillow load truncated images in the whole process
    # (weasyprint/images.py sets the flag), which uploads must refuse
    # (core.images). The pictures a PDF holds were checked when they were
    # uploaded: Pillow's strict default goes back before they are drawn.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    # `data:` only (already inside the page: nothing is fetched); any other
    # address stops the PDF rather than leaving a hole in it.
    inside_only = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    static_folder = current_app.static_folder
    assert static_folder is not None  # create_app always serves static/
    stylesheet_file = Path(static_folder) / stylesheet
    return HTML(string=page, url_fetcher=inside_only).write_pdf(
        stylesheets=[CSS(filename=str(stylesheet_file), url_fetcher=inside_only)], zoom=zoom
    )


def pdf_response(
    page: str, *, filename: str, stylesheet: Path = REPORT_STYLESHEET, zoom: float = 1.0
) -> Response:
    """The PDF of `page` as a download named `filename` (plain ASCII)."""
    return Response(
        render_pdf(page, stylesheet=stylesheet, zoom=zoom),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
