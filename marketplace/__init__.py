"""Pasar Aspikmas: the online marketplace of the UMKM association of Banyumas."""

import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from marketplace import cli
from marketplace.accounts.mail_after_commit import install_mail_delivery
from marketplace.accounts.views import blueprint as accounts_blueprint
from marketplace.admin.views import blueprint as admin_blueprint
from marketplace.api.views import blueprint as api_blueprint
from marketplace.catalog.cache import install_invalidation
from marketplace.catalog.views import blueprint as catalog_blueprint
from marketplace.chapters.views import blueprint as chapters_blueprint
from marketplace.config import PROJECT_ROOT, check_production, load_config, warn_development
from marketplace.core import outages
from marketplace.core.compression import register_compression
from marketplace.core.forms import FORM_EXPIRED
from marketplace.core.headers import register_security_headers, static_file_headers
from marketplace.core.input import IdConverter, refuse_control_characters
from marketplace.core.jinja import register_filters
from marketplace.core.page_meta import register_page_meta
from marketplace.core.pages import PageOutOfRange
from marketplace.core.static import is_fingerprinted, register_static_files
from marketplace.extensions import cache, csrf, db, limiter, login_manager, migrate
from marketplace.members.views import blueprint as members_blueprint
from marketplace.mentoring.views import blueprint as mentoring_blueprint
from marketplace.orders.views import blueprint as orders_blueprint
from marketplace.payments.views import blueprint as payments_blueprint
from marketplace.treasury.transparency import blueprint as transparency_blueprint
from marketplace.treasury.views import blueprint as treasury_blueprint
from marketplace.treasury.views import member_statements

ERROR_PAGES = {
    400: "Permintaan tidak dapat diproses. Periksa kembali isian Anda.",
    403: "Anda tidak memiliki akses ke halaman ini.",
    404: "Halaman yang Anda cari tidak ditemukan.",
    405: "Cara membuka halaman ini tidak didukung.",
    413: "Berkas yang dikirim terlalu besar.",
    429: "Terlalu banyak percobaan. Silakan tunggu sebentar lalu coba lagi.",
    500: "Maaf, terjadi kesalahan di sisi kami. Silakan coba lagi nanti.",
}
DATABASE = "Basis data"


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_mapping(load_config())
    if overrides:
        app.config.from_mapping(overrides)
    check_production(app.config)
    warn_development(app.config)
    Path(app.instance_path).mkdir(exist_ok=True)
    register_input_checks(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_jinja(app)
    register_compression(app)  # before the headers: it runs after them
    register_security_headers(app)
    register_page_meta(app)
    built = register_static_files(app)
    static_files = WhiteNoise(
        app.wsgi_app,
        root=app.static_folder,
        prefix="static/",
        max_age=3600,
        add_headers_function=static_file_headers,
        immutable_file_test=lambda path, url: is_fingerprinted(built, path),
    )
    # The same files under their fingerprinted names, cached for good (core/static.py).
    static_files.add_files(str(built), prefix="static/")
    # What browsers ask for at the site's root (/favicon.ico) lives in static/root.
    static_files.add_files(str(PROJECT_ROOT / "static" / "root"), prefix="/")
    app.wsgi_app = static_files  # type: ignore[method-assign]
    register_proxy_fix(app)
    return app


def register_proxy_fix(app: Flask) -> None:
    """Behind PROXY_FIX_X_FOR proxies, the client's address (rate limits) and
    scheme (secure cookies) come from X-Forwarded-For and -Proto. Outermost,
    so whitenoise and the app see the same request. X-Forwarded-Host is
    never trusted: the Host header is checked against TRUSTED_HOSTS."""
    x_for, x_proto = app.config["PROXY_FIX_X_FOR"], app.config["PROXY_FIX_X_PROTO"]
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0, x_prefix=0
        )


def register_input_checks(app: Flask) -> None:
    """Before any route or extension: ids bounded to their column in every
    `<int:...>`, and no control characters in any request (core/input.py)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    install_invalidation(app)
    install_mail_delivery(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Silakan masuk terlebih dahulu."
    login_manager.login_message_category = "warning"


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(catalog_blueprint)
    app.register_blueprint(accounts_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(members_blueprint)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(chapters_blueprint)
    app.register_blueprint(orders_blueprint)
    app.register_blueprint(payments_blueprint)
    app.register_blueprint(treasury_blueprint)
    app.register_blueprint(member_statements.blueprint)
    app.register_blueprint(transparency_blueprint)
    app.register_blueprint(mentoring_blueprint)


def _host_refused():
    """A request for a Host outside TRUSTED_HOSTS: no URL can be built for it,
    so it gets the message alone, without the page around it."""
    if isinstance(request.routing_exception, SecurityError):
        return ERROR_PAGES[400], 400, {"Content-Type": "text/plain; charset=utf-8"}
    return None


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: Exception):
        if refused := _host_refused():
            return refused
        code = getattr(error, "code", 500) or 500
        if code not in ERROR_PAGES:
            code = 500
        # Keep what the exception says in headers (Allow on a 405, Retry-After on a 429).
        headers = error.get_headers() if isinstance(error, HTTPException) else []
        headers = [(name, value) for name, value in headers if name.lower() != "content-type"]
        if isinstance(error, RateLimitExceeded):
            headers.append(("Retry-After", str(_seconds_to_reset())))
        if code == 500:
            _roll_back()
        message = error.description if isinstance(error, PageOutOfRange) else ERROR_PAGES[code]
        if request.path.startswith("/api/"):
            return jsonify(error=message), code, headers
        last_page_url = _last_page_url(error) if isinstance(error, PageOutOfRange) else None
        return _error_page(code, message, last_page_url=last_page_url), code, headers

    for code in ERROR_PAGES:
        app.register_error_handler(code, render_error)

    def render_csrf_error(error: CSRFError):
        if refused := _host_refused():
            return refused
        return render_template("errors/error.html", code=400, message=FORM_EXPIRED), 400

    app.register_error_handler(CSRFError, render_csrf_error)


def _roll_back() -> None:
    """A failed save or a lost connection leaves the session unusable; the
    error page's menu reads the user and their roles, so roll back first."""
    try:
        db.session.rollback()
    except Exception as error:  # noqa: BLE001 - the connection is gone: no page needs it
        outages.failed(DATABASE, error)


def _last_page_url(error: PageOutOfRange) -> str:
    """This address at the last page (`hal`, the catalog's page number)."""
    args = [(name, value) for name, value in request.args.items(multi=True) if name != "hal"]
    if error.pages > 1:
        args.append(("hal", str(error.pages)))
    return quote(request.path) + (f"?{urlencode(args)}" if args else "")


def _error_page(code: int, message: str, *, last_page_url: str | None = None) -> str:
    """The error page in the site's layout, or, when the layout cannot ask
    the database (a lost connection), one that needs nothing but static files."""
    try:
        return render_template(
            "errors/error.html", code=code, message=message, last_page_url=last_page_url
        )
    except Exception as error:  # noqa: BLE001 - whatever broke, the person gets a page
        outages.failed(DATABASE, error)
        return render_template("errors/bare.html", code=code, message=message)


def _seconds_to_reset() -> int:
    """When the address limit that refused this request lets it in again."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.reset_at - time.time()))


def register_commands(app: Flask) -> None:
    cli.register(app)


def register_jinja(app: Flask) -> None:
    register_filters(app)
