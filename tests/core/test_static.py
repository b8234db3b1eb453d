"""Static files under fingerprinted names, compressed responses, page
caching by ETag, and the trimmed Bootstrap (core/static.py,
core/compression.py, core/headers.py, purgecss.config.cjs)."""

import gzip
import re
from pathlib import Path

import brotli
import pytest

from marketplace.accounts.models import Role
from marketplace.config import PROJECT_ROOT
from marketplace.core.static import EXTENSION, build, fingerprinted, static_url
from marketplace.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

STATIC = PROJECT_ROOT / "static"
TEMPLATES = PROJECT_ROOT / "templates"
YEAR = 365 * 24 * 3600
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL)


@pytest.fixture
def product(app):
    product = factories.ProductFactory(name="Keripik Tempe Bu Sri")
    db.session.commit()
    return product


def url_of(app, filename: str) -> str:
    with app.test_request_context():
        return static_url(filename)


def test_every_static_file_answers_under_its_fingerprint_cached_for_good(app, client):
    names = app.extensions[EXTENSION]
    assert "css/bootstrap.min.css" in names and "js/app.js" in names
    for filename in names:
        url = url_of(app, filename)
        assert url != f"/static/{filename}", filename
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get_data() == (STATIC / filename).read_bytes(), url
        assert "immutable" in response.headers["Cache-Control"], url
        assert response.cache_control.max_age >= YEAR, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        response.close()


def test_the_plain_name_still_answers_with_a_short_cache(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.cache_control.max_age == 3600
    assert "immutable" not in response.headers["Cache-Control"]
    response.close()


def test_a_changed_file_gets_a_new_url_and_the_old_one_stays(tmp_path: Path):
    source, target = tmp_path / "static", tmp_path / "build"
    (source / "css").mkdir(parents=True)
    style = source / "css" / "app.css"
    style.write_text("body { color: #111; }\n" * 40)
    first = build(source, target)["css/app.css"]
    assert build(source, target)["css/app.css"] == first  # same content, same name
    style.write_text("body { color: #222; }\n" * 40)
    second = build(source, target)["css/app.css"]
    assert second != first
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", second)
    assert (target / first).read_text().startswith("body { color: #111")  # old pages still load
    assert (target / second).read_text().startswith("body { color: #222")
    assert gzip.decompress((target / (second + ".gz")).read_bytes()) == style.read_bytes()
    assert brotli.decompress((target / (second + ".br")).read_bytes()) == style.read_bytes()


def test_a_name_with_several_dots_keeps_its_ending():
    assert fingerprinted("css/bootstrap.min.css", b"x").endswith(".css")
    assert fingerprinted("css/bootstrap.min.css", b"x").startswith("css/bootstrap.min.")
    assert re.fullmatch(r"LICENSE\.[0-9a-f]{12}", fingerprinted("LICENSE", b"x"))


@pytest.mark.parametrize(
    ("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
def test_static_files_are_sent_compressed(app, client, encoding, decompress):
    url = url_of(app, "css/bootstrap.min.css")
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    original = (STATIC / "css" / "bootstrap.min.css").read_bytes()
    assert decompress(response.get_data()) == original
    assert len(response.get_data()) < len(original) / 3
    response.close()


def test_an_unknown_static_name_is_a_mistake(app):
    with app.test_request_context(), pytest.raises(LookupError):
        static_url("css/nothing.css")


def test_templates_name_static_files_one_way_only():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert "url_for('static'" not in text and 'url_for("static"' not in text, template
        for filename in re.findall(r"static_url\('([^']+)'\)", text):
            assert (STATIC / filename).is_file(), (template, filename)


@pytest.mark.parametrize(
    ("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
def test_a_public_page_is_compressed_with_its_headers(client, product, encoding, decompress):
    plain = client.get("/produk")
    packed = client.get("/produk", headers={"Accept-Encoding": encoding})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert decompress(packed.get_data()) == plain.get_data()
    assert "Keripik Tempe Bu Sri" in plain.get_data(as_text=True)
    assert "Accept-Encoding" in packed.headers["Vary"]
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert packed.headers[name] == plain.headers[name]
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())


def test_json_is_compressed_too(client, product):
    plain = client.get("/api/v1/products")
    packed = client.get("/api/v1/products", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == 200 and plain.mimetype == "application/json"
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()


def test_an_image_is_not_compressed_again(client, product):
    from tests.core.sample_shop import make_sample_shop

    shop = make_sample_shop(client.application)
    response = client.get(f"/media/{shop.photo.thumb_key}", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200 and response.mimetype.startswith("image/")
    assert "Content-Encoding" not in response.headers
    response.close()


def test_an_unchanged_public_page_answers_304(client, product):
    first = client.get("/produk")
    etag = first.headers["ETag"]
    assert first.cache_control.no_cache and not first.cache_control.no_store
    again = client.get("/produk", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    other = client.get("/produk", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_the_compressed_page_has_its_own_etag_and_304(client, product):
    plain = client.get("/produk")
    packed = client.get("/produk", headers={"Accept-Encoding": "br"})
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        "/produk", headers={"Accept-Encoding": "br", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_the_page_cache_serves_the_same_page_compressed(make_app):
    app = make_app(CACHE_TYPE="SimpleCache")
    with app.app_context():
        product = factories.ProductFactory(name="Keripik Tempe Bu Sri")
        db.session.commit()
        url = f"/produk/{product.id}-{product.slug}"
    client = app.test_client()
    miss = client.get(url, headers={"Accept-Encoding": "gzip"})
    hit = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("MISS", "HIT")
    assert hit.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit.get_data()) == gzip.decompress(miss.get_data())
    assert hit.headers["ETag"] == miss.headers["ETag"]
    assert "Content-Security-Policy" in hit.headers
    not_modified = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": hit.headers["ETag"]}
    )
    assert not_modified.status_code == 304
    assert not_modified.headers["X-Cache"] == "HIT"


def test_a_personal_page_is_never_shared_nor_compressed(client, login_as, product):
    """Logged in, the same address is the visitor's own: no ETag, no
    storing, and not compressed (its CSRF token beside the reflected search
    words must not leak through the response's size: BREACH)."""
    login_as(Role.SHOPPER)
    response = client.get("/produk?q=keripik", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert response.cache_control.private and response.cache_control.no_store
    assert "ETag" not in response.headers and not response.cache_control.public
    assert "Content-Encoding" not in response.headers
    again = client.get("/produk?q=keripik", headers={"If-None-Match": "*"})
    assert again.status_code == 200


def test_an_anonymous_page_with_a_form_gets_no_etag(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()  # its CSRF token makes it personal
    response = client.get("/akun/masuk", headers={"Accept-Encoding": "gzip"})
    assert response.cache_control.no_store and "ETag" not in response.headers
    assert "Content-Encoding" not in response.headers


# --- the trimmed Bootstrap ----------------------------------------------------------


def css_classes(text: str) -> set[str]:
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", re.sub(r"url\([^)]*\)", "", text)))


def template_classes() -> set[str]:
    """Every class name a template writes, in its markup or in a quoted
    string inside a Jinja expression of a class attribute, and the class
    names our scripts set."""
    names: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        for value in re.findall(r'class="([^"]*)"', template.read_text()):
            for part in [JINJA.sub(" ", value), *re.findall(r"'([^']*)'", value)]:
                names.update(word for word in part.split() if re.fullmatch(r"[a-z][\w-]*", word))
    for script in (STATIC / "js").glob("*.js"):
        text = script.read_text()
        for value in re.findall(r'className = "([^"]*)"', text):
            names.update(value.split())
        names.update(re.findall(r'classList\.(?:add|remove|toggle)\("([^"]+)"', text))
    return names


def test_every_bootstrap_class_the_pages_use_is_in_the_trimmed_file():
    """`make css` writes the classes Bootstrap 5.3.8 defines beside this
    test; a template that starts using one the trimmed file dropped fails
    here until `make css` is run again."""
    bootstrap = set((Path(__file__).parent / "bootstrap_classes.txt").read_text().split())
    trimmed = css_classes((STATIC / "css" / "bootstrap.min.css").read_text())
    used = template_classes() & bootstrap
    assert len(used) > 150  # the check reads the templates at all
    assert sorted(used - trimmed) == []


def test_the_trimmed_bootstrap_keeps_what_scripts_and_flashes_need():
    trimmed = css_classes((STATIC / "css" / "bootstrap.min.css").read_text())
    for name in ("show", "collapse", "navbar-collapse", "spinner-border", "is-invalid"):
        assert name in trimmed, name
    for category in ("success", "danger", "warning", "info"):  # flash(message, category)
        assert f"alert-{category}" in trimmed, category
