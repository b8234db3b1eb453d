"""Every slow step's form asks app.js for a busy state (form[data-busy]):
its button says what is happening and a second tap sends nothing. Read
from the pages as they are served, for each person who uses them. (What
the browser does with it: tests/browser/test_member_photos.py. The server
refuses or ignores a second POST anyway: the *_twice tests.)"""

import re

import pytest

from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests import factories
from tests.orders.helpers import cart_with, shopper, variant
from tests.treasury.helpers import refund_owed, transfer_order, treasurer

pytestmark = pytest.mark.usefixtures("app_context")


def action_of(form: str) -> str:
    """Where the form posts, without its query ("" when to its own page)."""
    found = re.search(r'action="([^"?#]*)', form)
    return found.group(1) if found else ""


def posting_forms(html: str) -> dict[str, str]:
    """The page's POST forms (outside the site menu) by action."""
    main = html.split("<main", 1)[1]
    return {
        action_of(form): form
        for form in re.findall(r"<form[^>]*>", main)
        if 'method="post"' in form
    }


def busy_words(html: str, action: str) -> str:
    form = posting_forms(html)[action]
    found = re.search(r'data-busy="([^"]+)"', form)
    assert found, f"{action}: {form}"
    return found.group(1)


def test_the_members_slow_forms_are_busy_forms(client, login_as):
    member = factories.MemberFactory()
    product = factories.ProductFactory(member=member)
    db.session.commit()
    login_as(member.user)
    assert busy_words(client.get("/kelola/produk/baru").text, "") == "Menyimpan…"
    edit = client.get(f"/kelola/produk/{product.id}").text
    assert busy_words(edit, "") == "Menyimpan…"
    assert busy_words(edit, f"/kelola/produk/{product.id}/foto") == "Mengunggah…"
    assert busy_words(client.get("/kelola/stok").text, "") == "Menyimpan…"
    assert busy_words(client.get("/kelola/impor").text, "") == "Memeriksa berkas…"
    assert busy_words(client.get("/anggota/toko").text, "/anggota/toko") == "Menyimpan…"
    assert busy_words(client.get("/kelola/sertifikat/baru").text, "") == "Mengunggah…"


def test_the_treasurers_confirm_and_refund_are_busy_forms(client, login_as):
    order = transfer_order()
    _, part = refund_owed()
    db.session.commit()
    login_as(treasurer())
    transfers = client.get("/bendahara/transfer").text
    assert busy_words(transfers, f"/bendahara/transfer/{order.code}/konfirmasi") == "Menyimpan…"
    refunds = client.get("/bendahara/pengembalian").text
    assert busy_words(refunds, f"/bendahara/pengembalian/{part.id}/selesai") == "Menyimpan…"


def test_placing_the_order_is_a_busy_form(client, login_as):
    buyer = login_as(shopper())
    cart_with(buyer, (variant(), 1))
    db.session.commit()
    page = client.get("/checkout").text
    assert busy_words(page, "/checkout") == "Membuat pesanan…"
    assert "data-once" not in page  # the one way is data-busy


def test_a_page_without_a_slow_step_has_no_busy_form(client, login_as):
    login_as(Role.SHOPPER)
    assert "data-busy" not in client.get("/akun").text
