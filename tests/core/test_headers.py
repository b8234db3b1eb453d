"""Security headers on every response, walked from `app.url_map` so that a
route is covered the day it lands: every rule by GET, and by POST where it
takes one (with the visitor's CSRF token and an empty form), anonymously and
as each role, on a shop with one of everything so that pages render for
real. Whatever the answer (a page, a redirect, JSON, a 4xx), it carries the
policy; a response to a logged-in user is never stored; and no page holds
inline script, event handlers or inline styles."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from flask import Blueprint, Flask, template_rendered
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.core.static import static_url
from marketplace.extensions import limiter
from tests.core.sample_shop import SampleShop, make_sample_shop

pytestmark = pytest.mark.usefixtures("app_context")

WHO = [None, *Role]
UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:")
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
FEATURES_OFF = ("camera", "microphone", "geolocation", "payment", "usb")
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL)


@pytest.fixture
def app(make_app):
    """As in production: CSRF checked, and an error is a page (a 500), not an exception."""
    return make_app(WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False)


@pytest.fixture
def shop(app) -> SampleShop:
    return make_sample_shop(app)


@dataclass
class Visit:
    method: str
    url: str
    endpoint: str
    who: Role | None
    status: int = 0
    templates: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        who = self.who.value if self.who else "anonymous"
        shown = f" [{', '.join(self.templates)}]" if self.templates else ""
        return f"{self.method} {self.url} ({self.endpoint}) as {who} -> {self.status}{shown}"


def sample_url(rule: Rule, shop: SampleShop) -> str:
    """The rule's URL with the shop's ids and slugs; any argument the shop
    does not know gets "1" (an unknown route answers 404: its headers count)."""
    known = shop.url_values(rule.endpoint)
    built = rule.build({name: known.get(name, "1") for name in rule.arguments})
    assert built is not None, rule.rule
    return built[1]


def walk(
    app: Flask, client: FlaskClient, login_as, shop: SampleShop, who: Role | None, methods
) -> Iterator[tuple[Visit, object]]:
    """Every rule of the url map, as `who`: (visit, response)."""
    token = None
    greeted = False  # a logged-in walk that never sees the "Akun saya" menu was not logged in
    if who is not None:
        login_as(shop.users[who])
    if "POST" in methods:
        token = client.get("/keranjang/token").get_json()["csrf_token"]
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint)):
        url = sample_url(rule, shop)
        for method in methods:
            if method == "POST" and "POST" not in rule.methods:
                continue
            visit = Visit(method, url, rule.endpoint, who)
            # Each request in its own app context, so its own `g`, as in production
            # (the fixture holds one open, and the request would share its `g`).
            with (
                app.app_context(),
                template_rendered.connected_to(
                    lambda sender, template, visit=visit, **extra: visit.templates.append(
                        template.name
                    ),
                    app,
                ),
            ):
                if who is not None:
                    login_as(shop.users[who])  # again: an earlier POST may have logged out
                if method == "POST":
                    response = client.post(url, data={"csrf_token": token})
                else:
                    response = client.get(url)
            visit.status = response.status_code
            if who is not None and response.mimetype == "text/html":
                greeted |= "Akun saya" in response.get_data(as_text=True)
            yield visit, response
            response.close()  # a file answer holds its file open until then
    assert who is None or greeted, f"the walk as {who} was not logged in"


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0].lower(): words[1:] for words in parts}


def effective(policy: dict[str, list[str]], name: str) -> list[str] | None:
    """A fetch directive, or default-src standing in for it."""
    return policy.get(name, policy.get("default-src"))


def header_problems(response, logged_in: bool) -> list[str]:
    headers = response.headers
    problems = []
    policy = directives(headers.get("Content-Security-Policy", ""))
    for name in ("script-src", "style-src"):
        sources = effective(policy, name)
        if sources is None or any(s in UNSAFE_SOURCES for s in sources):
            problems.append(f"{name} allows inline or foreign code: {sources}")
    if effective(policy, "object-src") != ["'none'"]:
        problems.append(f"object-src is {effective(policy, 'object-src')}")
    if policy.get("base-uri") != ["'none'"]:
        problems.append(f"base-uri is {policy.get('base-uri')}")
    if policy.get("form-action") not in (["'self'"], ["'none'"]):
        problems.append(f"form-action is {policy.get('form-action')}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {policy.get('frame-ancestors')}")
    expected = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{name} is {headers.get(name)!r}")
    if headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    features = headers.get("Permissions-Policy", "")
    problems += [f"{f} not turned off" for f in FEATURES_OFF if f"{f}=()" not in features]
    if "Strict-Transport-Security" in headers:
        problems.append("Strict-Transport-Security outside production")
    if logged_in and not is_shared_file(response):
        cache = response.cache_control
        if not (cache.private and cache.no_store):
            problems.append(f"stored for a logged-in user: {headers.get('Cache-Control')!r}")
    return problems


def is_shared_file(response) -> bool:
    """A file the view chose to cache publicly (a /media photo), not a page."""
    return (
        response.status_code == 200
        and bool(response.cache_control.public)
        and response.mimetype != "text/html"
    )


@pytest.mark.parametrize("who", WHO, ids=lambda who: who.value if who else "anonymous")
def test_every_route_sends_the_security_headers(app, client, login_as, shop, who):
    problems = [
        f"{visit}: {problem}"
        for visit, response in walk(app, client, login_as, shop, who, ("GET", "POST"))
        for problem in header_problems(response, logged_in=who is not None)
    ]
    assert problems == []


class InlineCode(HTMLParser):
    """What a strict policy refuses in a page: <script> without src, <style>,
    on*= handlers, style= attributes, javascript: links."""

    DATA_SCRIPTS: ClassVar[set[str]] = {"application/json", "application/ld+json"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and named.get("type") not in self.DATA_SCRIPTS:
            self.found.append(f"line {self.getpos()[0]}: inline <script>")
        if tag == "style":
            self.found.append(f"line {self.getpos()[0]}: inline <style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"line {self.getpos()[0]}: {name}= on <{tag}>")
            is_link = name in {"href", "action", "formaction"}
            if is_link and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"line {self.getpos()[0]}: javascript: {name} on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("who", WHO, ids=lambda who: who.value if who else "anonymous")
def test_no_page_holds_inline_script_or_style(app, client, login_as, shop, who):
    pages = 0
    problems = []
    for visit, response in walk(app, client, login_as, shop, who, ("GET",)):
        if response.mimetype != "text/html":
            continue
        pages += response.status_code == 200
        html = response.get_data(as_text=True)
        problems += [f"{visit}: {found}" for found in inline_code(html)]
        title = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
        if title is None or "<" in title[1] or "\n" in title[1].strip():
            problems.append(f"{visit}: a page's <title> is one line of words")
    assert problems == []
    assert pages >= 10  # the walk rendered real pages, not only redirects and errors


def test_the_inline_code_finder_finds_what_the_policy_refuses():
    page = """<html><body>
      <script src="/static/js/app.js"></script><script type="application/ld+json">{}</script>
      <script>alert(1)</script>
      <form onsubmit="return confirm('?')"><a href="javascript:void(0)">x</a></form>
      <div style="width:5rem"></div><style>p { color: red }</style>
    </body></html>"""
    assert inline_code(page) == [
        "line 3: inline <script>",
        "line 4: onsubmit= on <form>",
        "line 4: javascript: href on <a>",
        "line 5: style= on <div>",
        "line 5: inline <style>",
    ]


def test_web_templates_hold_no_inline_script_or_style(app):
    """Templates the walk may not reach (a state the sample shop is not in):
    their source, outside the emails (which are not served as pages)."""
    folder = Path(app.template_folder)
    problems = []
    for path in sorted(folder.rglob("*.html")):
        name = path.relative_to(folder).as_posix()
        if name.startswith("email/"):
            continue
        source = JINJA.sub(lambda tag: "\n" * tag.group().count("\n"), path.read_text())
        problems += [f"templates/{name} {found}" for found in inline_code(source)]
    assert problems == []


# --- each kind of error page, and what the walk cannot reach ---------------

probe = Blueprint("probe", __name__, url_prefix="/uji")


@probe.route("/rusak")
def broken():
    raise RuntimeError("a bug")


@probe.route("/terbatas")
@limiter.limit("1 per minute")
def limited():
    return "ok"


@pytest.fixture
def probe_client(app, client):
    app.register_blueprint(probe)
    return client


@pytest.mark.parametrize("who", [None, Role.SHOPPER], ids=["anonymous", "shopper"])
def test_error_pages_send_the_security_headers(probe_client, login_as, who):
    logged_in = who is not None
    if logged_in:
        login_as(who)
    client = probe_client
    client.get("/uji/terbatas")
    answers = {
        404: client.get("/tidak-ada-halaman-ini"),
        405: client.get("/akun/keluar"),
        400: client.post("/keranjang/ubah", data={}),  # no CSRF token
        429: client.get("/uji/terbatas"),
        500: client.get("/uji/rusak"),
        413: client.post("/akun/masuk", data={"email": "x" * (17 * 1024 * 1024)}),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert header_problems(response, logged_in=logged_in) == [], status
    assert "Formulir ini sudah kedaluwarsa" in answers[400].get_data(as_text=True)


def test_a_treasurer_page_cannot_be_framed(client, login_as):
    login_as(Role.TREASURER)
    response = client.get("/bendahara")
    assert response.status_code == 200
    assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.cache_control.private and response.cache_control.no_store


def test_a_view_keeps_its_own_stricter_policy(app, client, login_as, shop):
    """The certificate scan is sandboxed with nothing allowed; it gains only
    what default-src does not cover, so it cannot be framed either."""
    login_as(shop.users[Role.MEMBER])
    response = client.get(f"/kelola/sertifikat/{shop.certificate_id}/pindaian")
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"] and "sandbox" in policy
    assert "script-src" not in policy
    assert policy["frame-ancestors"] == ["'none'"]
    assert header_problems(response, logged_in=True) == []
    response.close()


def test_media_files_keep_their_public_cache_for_everyone(client, login_as, shop):
    login_as(shop.users[Role.SHOPPER])
    response = client.get(f"/media/{shop.photo.thumb_key}")
    assert response.status_code == 200
    assert response.cache_control.public and response.cache_control.max_age >= 30 * 24 * 3600
    assert not response.cache_control.no_store
    assert header_problems(response, logged_in=True) == []
    response.close()


def test_static_files_keep_their_cache_and_get_nosniff(app, client, login_as, shop):
    login_as(shop.users[Role.SHOPPER])
    ours = client.get("/static/js/app.js")  # served by WhiteNoise
    assert ours.status_code == 200 and ours.cache_control.max_age == 3600
    assert ours.headers["X-Content-Type-Options"] == "nosniff"
    with app.test_request_context():
        url = static_url("css/bootstrap.min.css")  # its fingerprinted copy
    kept = client.get(url)
    assert kept.status_code == 200
    assert "immutable" in kept.headers["Cache-Control"] and not kept.cache_control.no_store
    assert kept.headers["X-Content-Type-Options"] == "nosniff"
    for response in (ours, kept):
        response.close()


def test_an_anonymous_catalog_page_may_be_kept_by_the_browser(client, shop):
    product = f"/produk/{shop.product.id}-{shop.product.slug}"
    for url in ("/", "/produk", f"/toko/{shop.member.slug}", product):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cache_control.no_store, url
        assert "Set-Cookie" not in response.headers, url


def test_anonymous_pages_with_a_form_are_not_stored(client):
    response = client.get("/akun/masuk")
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert response.cache_control.private and response.cache_control.no_store


PRODUCTION = {
    "ENV_NAME": "production",
    "SECRET_KEY": "a-production-secret-of-forty-characters-x",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:5432/unused",
    "RATELIMIT_STORAGE_URI": "memory://",
    "CACHE_TYPE": "NullCache",
    "CACHE_NO_NULL_WARNING": True,
    "PUBLIC_URL": "https://pasar.aspikmas.id",
}


def test_strict_transport_security_in_production_only(monkeypatch):
    # Only ENV_NAME matters here; what production must also set has its own tests.
    monkeypatch.setattr("marketplace.check_production", lambda config: None)
    development = create_app(PRODUCTION | {"ENV_NAME": "development"}).test_client()
    assert "Strict-Transport-Security" not in development.get("/healthz").headers

    production = create_app(PRODUCTION).test_client()
    for path in ("/healthz", "/tidak-ada"):
        response = production.get(path, base_url="https://pasar.aspikmas.id")
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        ), path

    shorter = create_app(PRODUCTION | {"HSTS_SECONDS": 300}).test_client()
    response = shorter.get("/healthz", base_url="https://pasar.aspikmas.id")
    assert response.headers["Strict-Transport-Security"] == "max-age=300; includeSubDomains"


@pytest.mark.parametrize(
    ("stripe", "form_action"),
    [
        ({}, ["'self'"]),
        (
            {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"},
            ["'self'", "https://checkout.stripe.com"],
        ),
        (
            {
                "STRIPE_SECRET_KEY": "sk_test_x",
                "STRIPE_WEBHOOK_SECRET": "whsec_x",
                "STRIPE_API_BASE": "http://127.0.0.1:8420/",
            },
            ["'self'", "https://checkout.stripe.com", "http://127.0.0.1:8420"],
        ),
    ],
    ids=["no-card", "card", "card-elsewhere"],
)
def test_with_card_payments_a_form_may_go_on_to_stripes_checkout(make_app, stripe, form_action):
    """Checkout and the order page post to us and are redirected to the
    session's page; the browser holds that redirect to form-action."""
    response = make_app(**stripe).test_client().get("/")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["form-action"] == form_action
    assert policy["default-src"] == ["'self'"] and policy["base-uri"] == ["'none'"]
