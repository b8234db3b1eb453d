"""Pages, JSON and XML compressed on the way out (brotli, else gzip).

Flask-Compress does the work, called from here rather than on every
response: a response made for one visitor (`private, no-store`, decided
in core/headers.py) is sent as it is. Such a page can carry a secret (the
CSRF token of its forms) beside words the visitor's link put there (the
search box repeats `q`), and compressing both together lets someone who
watches the response sizes guess the secret (BREACH). Public pages carry
no secret, and they are what shoppers open from a shared link.

Static files are not compressed here: WhiteNoise sends the compressed
copies made at start (core/static.py). Photos are already compressed,
and their types are not in the list."""

from flask import Flask, Response
from flask_compress import Compress

compress = Compress()

SETTINGS = {
    # Called by `compress_public` below, not on every response.
    "COMPRESS_REGISTER": False,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/plain",
        "text/xml",
        "application/xml",
        "application/json",
    ],
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # A streamed body (an export) is the visitor's own and stays as it is.
    "COMPRESS_STREAMS": False,
}


def register_compression(app: Flask) -> None:
    """Before register_security_headers: Flask runs after-request functions
    in the reverse order, so this one sees the response last, once it is
    known whether it is personal, and after its ETag is set (Flask-Compress
    then marks the ETag with the encoding and answers a matching
    If-None-Match with 304)."""
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    compress.init_app(app)

    @app.after_request
    def compress_public(response: Response) -> Response:
        if response.cache_control.no_store:
            return response
        return compress.after_request(response)
