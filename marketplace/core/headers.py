"""Security headers on every response, and no stored copy of a personal one.

Every response of the app (pages, redirects, the JSON API, error pages)
carries a strict Content-Security-Policy and the headers around it; a view
that sets one of them itself keeps its own (the certificate scan's sandbox
policy, completed with frame-ancestors and the others default-src does not
cover).
Strict-Transport-Security goes out in production only, for HSTS_SECONDS.

A response made for one visitor (it read or wrote the session: who is
logged in, a guest cart, a flash, a CSRF token) is `private, no-store`, so
neither a shared cache nor the browser's history keeps the treasurer's
pages after logout. Files are the same for everyone and keep their own
cache: a view that chose a public one (the /media files) and Flask's static
files.

Any other page (HTML, JSON, XML) is the same for every anonymous visitor:
it gets an ETag and `Cache-Control: no-cache`, so a browser or a proxy may
keep it but asks each time whether it changed, and an unchanged page
answers 304 with no body (what a phone on a slow connection coming back to
a product saves). Not a max-age: a product sold out or a price changed
shows at once, as the page cache (catalog/cache.py) makes sure on our side.

Files under static/ are served by WhiteNoise before Flask sees the request:
`static_file_headers` gives them the same fixed headers."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.headers import Headers

from flask import Flask, Response, request, send_file, session

# What the pages use: our own scripts, styles, images and fonts; Bootstrap's
# CSS draws its icons (menu toggler, select arrow, checkbox) as data: SVGs.
# No inline script or style, no eval, no plugin, no <base>, forms post to
# us only (and, with card payments on, may be sent on to Stripe's Checkout:
# `content_security_policy`), and no one may frame a page.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in POLICY.items())
# Where Stripe's hosted Checkout pages are (a session's `url`).
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
# default-src does not stand in for these: a view's own policy gets ours if it lacks them.
NOT_DEFAULTED = ("base-uri", "form-action", "frame-ancestors")
# Browser features the shop never uses, off for every page and anything it loads.
UNUSED_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": ", ".join(f"{feature}=()" for feature in UNUSED_FEATURES),
    "Cross-Origin-Opener-Policy": "same-origin",
}


def content_security_policy(config: Mapping[str, Any]) -> str:
    """The policy for an app with `config`. With Stripe's keys set, a form
    may also end on Stripe's Checkout page: checkout and the order page's
    "Bayar dengan kartu" post to us and are redirected there, and browsers
    hold a form's redirects to form-action too (else the shopper is stuck on
    a busy button). Stripe's host, or the server STRIPE_API_BASE names,
    which serves the pages of its sessions (the tests' fake Stripe)."""
    if not (config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET")):
        return CONTENT_SECURITY_POLICY
    origins = [STRIPE_CHECKOUT_ORIGIN]
    if base := config.get("STRIPE_API_BASE"):
        parts = urlsplit(base)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    policy = POLICY | {"form-action": " ".join([POLICY["form-action"], *origins])}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def register_security_headers(app: Flask) -> None:
    headers = dict(SECURITY_HEADERS)
    headers["Content-Security-Policy"] = content_security_policy(app.config)
    if app.config["ENV_NAME"] == "production" and app.config["HSTS_SECONDS"] > 0:
        headers["Strict-Transport-Security"] = (
            f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
        )

    ours = [(name, value) for name, value in headers.items()]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # One pass over the few headers the view set (Headers looks names up
        # one by one, case-insensitively): this runs on every response.
        present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118 - Headers iterate as pairs
        if "content-security-policy" in present:
            own_policy = response.headers["Content-Security-Policy"]
            response.headers["Content-Security-Policy"] = _completed(own_policy)
        response.headers.extend([pair for pair in ours if pair[0].lower() not in present])
        if _is_personal(response):
            response.cache_control.private = True
            response.cache_control.no_store = True
        elif _is_shared_page(response):
            response.cache_control.no_cache = True
            response.add_etag()
            response.make_conditional(request)
        return response


def static_file_headers(headers: Headers, path: str, url: str) -> None:
    """WhiteNoise's `add_headers_function` for the files under static/."""
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value


def _completed(policy: str) -> str:
    """A view's own policy (the certificate scan's sandbox), kept as it is,
    with our directives that default-src does not cover when it lacks them."""
    named = {part.split()[0].lower() for part in policy.split(";") if part.strip()}
    missing = [f"{name} {POLICY[name]}" for name in NOT_DEFAULTED if name not in named]
    return "; ".join([policy, *missing])


def _is_personal(response: Response) -> bool:
    """Made for this visitor: it may show what their session holds."""
    if response.cache_control.public or _is_static_file(response):
        return False
    # Reading an empty session (every page looks for flash messages) makes
    # nothing personal: an anonymous catalog page is the same for everyone,
    # and the browser may keep it for the back button.
    return (
        bool(session)  # logged in, a cart, a CSRF secret, a flash (does not mark it read)
        or session.modified
        or "Set-Cookie" in response.headers
    )


# What a page is (not a file a view sends, which keeps its own caching).
PAGE_TYPES = frozenset({"text/html", "application/json", "application/xml", "text/xml"})


def _is_shared_page(response: Response) -> bool:
    """A whole page, the same for everyone, whose view set no caching of its own."""
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype in PAGE_TYPES
        and not response.is_streamed
        and not response.direct_passthrough
        and "Cache-Control" not in response.headers
        and "ETag" not in response.headers
    )


def _is_static_file(response: Response) -> bool:
    """A file of the app's or a blueprint's static folder (not its 404 page)."""
    endpoint = request.endpoint or ""
    is_static = endpoint == "static" or endpoint.endswith(".static")
    return is_static and response.status_code < 400


def send_private_file(path: Path, *, mimetype: str, **send_file_options: Any) -> Response:
    """A stored file only the people a view let in may read (a certificate
    scan, a mentoring visit's photo): kept in no shared or browser cache,
    never sniffed as another type, never run as a page."""
    response = send_file(path, mimetype=mimetype, max_age=0, **send_file_options)
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
