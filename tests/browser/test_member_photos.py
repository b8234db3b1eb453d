"""A member on a 360 px phone: every tab of their pages in sight; a new
product with a camera photo in one step, the photo made smaller in the
browser and sent with a progress bar, the form busy until the page comes
back and unable to go twice; the same without JavaScript, where the server
does all the work; and an order step that cannot be sent twice."""

import io
import threading
import time
from base64 import b64decode
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog import photos
from marketplace.catalog.models import Product
from marketplace.core.images import LARGE_SIZE
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.events import OrderEvent
from marketplace.orders.status import OrderEventKind
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.orders.test_fulfilment_views import place

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("app_context")]

PHONE_WIDTH = 360
TABS = ("Pesanan masuk", "Produk saya", "Stok & harga", "Impor CSV", "Sertifikat", "Profil toko")


@pytest.fixture
def member(app):
    found = factories.MemberFactory(
        user=factories.UserFactory(email="tini@contoh.id", name="Tini", roles=[Role.MEMBER]),
        shop_name="Gula Semut Bu Tini",
        kecamatan=factories.kecamatan("cilongok"),
    )
    db.session.commit()
    return found


@pytest.fixture
def camera_photo(tmp_path) -> Path:
    """A phone camera's photo: 3000 x 2000 JPEG of about 1.3 MB (colour
    gradients with sensor-like noise, so it weighs what a real one does)."""
    size = (3000, 2000)
    gradient = Image.linear_gradient("L").resize(size)
    colours = Image.merge(
        "RGB",
        (gradient, gradient.rotate(90).resize(size), Image.radial_gradient("L").resize(size)),
    )
    noise = Image.effect_noise(size, 18).convert("RGB")
    path = tmp_path / "IMG_20240512_101500.jpg"
    Image.blend(colours, noise, 0.25).save(path, "JPEG", quality=90)
    return path


@pytest.fixture
def received(monkeypatch) -> list[tuple[int, tuple[int, int]]]:
    """What the server's photo check got (bytes, pixels), call by call; the
    check itself runs as always."""
    seen: list[tuple[int, tuple[int, int]]] = []
    real = photos.process_image

    def spy(data: bytes):
        with Image.open(io.BytesIO(data)) as picture:
            seen.append((len(data), picture.size))
        return real(data)

    monkeypatch.setattr(photos, "process_image", spy)
    return seen


@pytest.fixture
def screenshot_folder(database_url) -> Path:
    """Where the `screenshot` fixture saves its pictures."""
    folder = ARTIFACTS / ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page: Page, live_server: str, email: str) -> None:
    page.goto(live_server + "/akun/masuk")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator(".alert").first).to_be_visible()


def fill_new_product(page: Page, live_server: str, photo: Path) -> None:
    page.goto(live_server + "/kelola/produk/baru")
    page.fill("input[name=name]", "Gula Semut Organik")
    page.select_option("select[name=category_id]", label="Makanan & Minuman")
    page.fill("input[name=unit]", "bungkus")
    page.fill("input[name='variants-0-price']", "18.000")
    page.fill("input[name='variants-0-stock']", "10")
    page.set_input_files("input[name=photos]", str(photo))
    expect(page.locator("#photos-dipilih")).to_have_text(photo.name)


def stored_large(app, product: Product) -> tuple[int, int]:
    store = LocalStorage(app.config["UPLOAD_DIR"])
    with Image.open(store.path(product.images[0].large_key)) as large:
        return large.size


def test_every_tab_of_the_members_pages_is_in_sight(live_server, phone, screenshot, member):
    log_in(phone, live_server, "tini@contoh.id")
    for address in ("/kelola", "/kelola/pesanan"):
        phone.goto(live_server + address)
        nav = phone.get_by_role("navigation", name="Kelola toko")
        for label in TABS:
            tab = nav.get_by_role("link", name=label)
            expect(tab).to_be_in_viewport(ratio=1)
            box = tab.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, label
            assert box["height"] >= 44, label  # a finger's target
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    phone.goto(live_server + "/kelola")
    screenshot("he-dasbor-anggota")
    phone.get_by_role("navigation", name="Kelola toko").get_by_role(
        "link", name="Impor CSV"
    ).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Impor produk dari CSV")


def test_a_photo_is_made_smaller_in_the_browser_and_sent_once_with_progress(
    app, live_server, phone, screenshot, member, camera_photo, received
):
    log_in(phone, live_server, "tini@contoh.id")
    fill_new_product(phone, live_server, camera_photo)
    screenshot("he-produk-baru")
    # A slow mobile line: about 100 KB/s up, so the progress can be seen.
    network = phone.context.new_cdp_session(phone)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 150, "downloadThroughput": -1, "uploadThroughput": 100_000},
    )
    posts: list[str] = []
    phone.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    save = phone.locator("#form-produk [type=submit][name=submit]")
    save.click()
    bar = phone.locator("progress.upload-progress")
    expect(bar).to_be_visible()
    expect(phone.get_by_role("status")).to_contain_text("Mengunggah foto…")
    expect(save).to_be_disabled()
    expect(save).to_have_value("Menyimpan…")
    screenshot("he-unggah-foto")
    # A second tap while it goes: the busy form sends nothing.
    phone.evaluate("document.getElementById('form-produk').requestSubmit()")

    expect(phone.locator(".alert-success")).to_contain_text(
        "Produk “Gula Semut Organik” tersimpan dengan 1 foto.", timeout=30_000
    )
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(phone.locator("#judul-foto")).to_contain_text("Foto (1 dari 8)")
    assert phone.url.startswith(live_server + "/kelola/produk/")
    screenshot("he-produk-tersimpan")

    assert len(posts) == 1
    (sent_bytes, sent_size), *others = received
    assert others == []
    assert max(sent_size) == photos.BROWSER_SIDE and sent_size[0] > sent_size[1]
    assert sent_bytes < camera_photo.stat().st_size / 2
    product = db.session.scalars(select(Product)).one()
    assert max(stored_large(app, product)) == LARGE_SIZE  # the server re-encoded it still


def test_without_javascript_the_plain_form_sends_the_photo_and_the_server_shrinks_it(
    app, live_server, browser, member, camera_photo, received
):
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 740}, locale="id-ID", java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page, live_server, "tini@contoh.id")
        page.goto(live_server + "/kelola/produk/baru")
        page.fill("input[name=name]", "Gula Semut Organik")
        page.fill("input[name=unit]", "bungkus")
        page.fill("input[name='variants-0-price']", "18.000")
        page.fill("input[name='variants-0-stock']", "10")
        page.set_input_files("input[name=photos]", str(camera_photo))
        page.locator("#form-produk [type=submit][name=submit]").click()
        expect(page.locator(".alert-success")).to_contain_text("tersimpan dengan 1 foto")
    finally:
        context.close()
    assert received == [(camera_photo.stat().st_size, (3000, 2000))]
    product = db.session.scalars(select(Product)).one()
    assert max(stored_large(app, product)) == LARGE_SIZE


def test_an_order_step_is_busy_and_cannot_be_sent_twice(
    live_server, phone, screenshot_folder, member, monkeypatch
):
    part = place(member)
    part_id = part.id
    db.session.commit()
    real = fulfilment.start_processing
    arrived = threading.Event()

    def slow(**arguments):  # a server under load: the step takes two seconds
        arrived.set()
        time.sleep(2)
        return real(**arguments)

    monkeypatch.setattr(fulfilment, "start_processing", slow)
    log_in(phone, live_server, "tini@contoh.id")
    phone.goto(f"{live_server}/kelola/pesanan/{part_id}")
    expect(phone.get_by_role("button", name="Proses pesanan")).to_be_visible()
    posts: list[str] = []
    phone.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    # A tap, then a look and a second tap while the server works (read in the
    # page itself: Playwright's locators wait for the next page).
    seen = phone.evaluate(
        """() => new Promise((resolve) => {
            const button = document.querySelector("#langkah form [type=submit]");
            button.click();
            setTimeout(() => {
                const seen = {disabled: button.disabled, words: button.textContent.trim(),
                              busy: button.form.getAttribute("aria-busy")};
                button.form.requestSubmit();
                resolve(seen);
            }, 100);
        })"""
    )
    assert seen == {"disabled": True, "words": "Menyimpan…", "busy": "true"}
    # Playwright's own screenshot waits for the next page too: ask Chromium.
    shot = phone.context.new_cdp_session(phone).send("Page.captureScreenshot", {"format": "png"})
    (screenshot_folder / "he-langkah-pesanan-sibuk.png").write_bytes(b64decode(shot["data"]))
    expect(phone.locator(".alert-success")).to_contain_text("sedang Anda siapkan")
    assert arrived.is_set()
    db.session.expire_all()
    processing = db.session.scalar(
        select(func.count())
        .select_from(OrderEvent)
        .where(OrderEvent.part_id == part_id, OrderEvent.kind == OrderEventKind.PART_PROCESSING)
    )
    assert processing == 1 and len(posts) == 1
