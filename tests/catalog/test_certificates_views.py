"""A member's certificate pages under /kelola/sertifikat, who may open them
(the IDOR matrix), the scan they upload, and the badges and `sertifikat`
filter shoppers see."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from marketplace.accounts.models import Role
from marketplace.catalog.models import Certificate, CertificateKind, CertificateStatus
from marketplace.core.jinja import tanggal
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from marketplace.members.models import MemberStatus
from tests import factories
from tests.catalog.certificate_data import certificate, certificate_count, days_from_today
from tests.security import files

pytestmark = pytest.mark.usefixtures("app_context")

BASE = "/kelola/sertifikat"


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def form(scan: bytes | None = None, name: str = "sertifikat.pdf", **changes) -> dict:
    values = {
        "kind": "pirt",
        "product_id": "",
        "number": "2063302010123-27",
        "issuer": "Dinas Kesehatan Kabupaten Banyumas",
        "expires_on": days_from_today(400).isoformat(),
    } | changes
    if scan is not None:
        values["scan"] = (io.BytesIO(scan), name, "application/octet-stream")
    return values


@pytest.fixture
def owner(app):
    member = factories.MemberFactory(shop_name="Mendoan Bu Darsi", slug="mendoan-bu-darsi")
    db.session.commit()
    return member


@pytest.fixture
def stored_scan(app):
    """A PDF scan really in the upload folder: its key."""
    return LocalStorage(app.config["UPLOAD_DIR"]).save(
        files.pdf(), folder="certificates", suffix=".pdf"
    )


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_each_standing_warning_and_reason(client, login_as, owner):
    product = factories.ProductFactory(member=owner, name="Mendoan Beku")
    certificate(owner, kind=CertificateKind.PIRT, status=CertificateStatus.PENDING)
    certificate(owner, kind=CertificateKind.HALAL, expires_on=days_from_today(12))
    certificate(
        owner,
        product=product,
        kind=CertificateKind.BPOM_MD,
        status=CertificateStatus.REJECTED,
        rejection_reason="Nomor tidak terbaca.",
    )
    certificate(owner, kind=CertificateKind.LAIK_HIGIENE, expires_on=days_from_today(-3))
    certificate(factories.MemberFactory(), kind=CertificateKind.BPOM_ML)
    login_as(owner.user)

    html = client.get(f"{BASE}/").text

    for words in (
        "Menunggu verifikasi",
        "Terverifikasi",
        "Ditolak",
        "Kedaluwarsa",
        "Akan kedaluwarsa dalam 12 hari",
        "Nomor tidak terbaca.",
        "P-IRT",
        "Halal",
        "BPOM MD",
        "Laik Higiene",
        "Mendoan Beku",
        "Seluruh toko",
    ):
        assert words in html, words
    assert "BPOM ML" not in html  # another member's
    assert html.count(">Hapus</button>") == 3  # pending, rejected, expired
    assert html.count(">Perbaiki<") == 1 and html.count(">Ubah<") == 1


def test_empty_list_invites_the_first_certificate(client, login_as, owner):
    login_as(owner.user)
    html = client.get(f"{BASE}/").text
    assert "Belum ada sertifikat" in html
    assert f'href="{BASE}/baru"' in html


# --- record -------------------------------------------------------------------------------------


def test_form_is_in_indonesian_with_own_products_only(client, login_as, owner):
    factories.ProductFactory(member=owner, name="Mendoan Beku")
    factories.ProductFactory(name="Produk Orang Lain")
    login_as(owner.user)
    html = client.get(f"{BASE}/baru").text
    for words in (
        "Jenis sertifikat",
        "Berlaku untuk",
        "Seluruh toko",
        "Nomor sertifikat",
        "Penerbit",
        "Berlaku sampai",
        "Pindaian sertifikat",
        "Kirim untuk diverifikasi",
    ):
        assert words in html, words
    assert "Mendoan Beku" in html
    assert "Produk Orang Lain" not in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize(
    "scan, suffix",
    [(files.pdf(), ".pdf"), (files.jpeg_with_gps(), ".webp"), (files.picture("PNG"), ".webp")],
)
def test_record_stores_the_scan_under_a_random_name(app, client, login_as, owner, scan, suffix):
    product = factories.ProductFactory(member=owner)
    login_as(owner.user)

    response = client.post(
        f"{BASE}/baru", data=form(scan, product_id=str(product.id)), follow_redirects=True
    )

    assert "menunggu verifikasi pengurus" in response.text
    made = db.session.scalars(db.select(Certificate)).one()
    assert (made.member_id, made.product_id, made.status) == (owner.id, product.id, "pending")
    assert re.fullmatch(rf"certificates/[0-9a-f]{{32}}\{suffix}", made.scan_key)
    assert stored_files(app) == [Path(app.config["UPLOAD_DIR"]) / made.scan_key]


def test_record_for_the_whole_shop_without_expiry(client, login_as, owner):
    login_as(owner.user)
    client.post(f"{BASE}/baru", data=form(files.pdf(), kind="halal", expires_on=""))
    made = db.session.scalars(db.select(Certificate)).one()
    assert (made.kind, made.product_id, made.expires_on) == ("halal", None, None)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"kind": ""}, "Pilih jenis sertifikat."),
        ({"kind": "sni"}, "Jenis sertifikat tidak dikenal."),
        ({"number": ""}, "Isi nomor sertifikat."),
        ({"number": "9" * 81}, "Nomor paling panjang 80 karakter."),
        ({"issuer": ""}, "Isi nama penerbit sertifikat."),
        ({"expires_on": "besok"}, "Tanggal tidak valid."),
        ({"expires_on": days_from_today(-1).isoformat()}, "sudah kedaluwarsa"),
    ],
)
def test_refused_details_say_why_and_leave_nothing(app, client, login_as, owner, changes, message):
    login_as(owner.user)
    response = client.post(f"{BASE}/baru", data=form(files.pdf(), **changes))
    assert response.status_code == 200
    assert message in response.text
    assert certificate_count() == 0
    assert stored_files(app) == []


def test_date_can_be_typed_the_indonesian_way(client, login_as, owner):
    login_as(owner.user)
    expires = days_from_today(100)
    client.post(f"{BASE}/baru", data=form(files.pdf(), expires_on=expires.strftime("%d-%m-%Y")))
    assert db.session.scalars(db.select(Certificate.expires_on)).one() == expires


def test_a_scan_is_required(app, client, login_as, owner):
    login_as(owner.user)
    response = client.post(f"{BASE}/baru", data=form(None))
    assert "Pilih berkas pindaian" in response.text
    assert certificate_count() == 0


def test_a_duplicate_is_refused_and_its_scan_deleted(app, client, login_as, owner):
    certificate(owner, kind=CertificateKind.PIRT, number="P-1", scan_key="certificates/lama.pdf")
    login_as(owner.user)
    response = client.post(f"{BASE}/baru", data=form(files.pdf(), number="P-1"))
    assert "sudah tercatat" in response.text
    assert certificate_count() == 1
    assert stored_files(app) == []


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "1e3", "١"])
def test_another_members_or_unknown_product_is_not_found(app, client, login_as, owner, raw):
    other = factories.ProductFactory(name="Milik Orang Lain")
    db.session.commit()
    login_as(owner.user)
    for value in (str(other.id), raw):
        response = client.post(f"{BASE}/baru", data=form(files.pdf(), product_id=value))
        assert response.status_code == 404, value
        # Even when the rest of the form is wrong.
        response = client.post(f"{BASE}/baru", data=form(None, number="", product_id=value))
        assert response.status_code == 404, value
    assert certificate_count() == 0
    assert stored_files(app) == []


# --- correct and delete ---------------------------------------------------------------------------


def test_correct_a_rejected_certificate_with_a_new_scan(app, client, login_as, owner, stored_scan):
    found = certificate(
        owner, status=CertificateStatus.REJECTED, rejection_reason="Buram.", scan_key=stored_scan
    )
    login_as(owner.user)
    page = client.get(f"{BASE}/{found.id}/ubah").text
    assert "Buram." in page and "Simpan dan kirim ulang" in page

    response = client.post(
        f"{BASE}/{found.id}/ubah",
        data=form(files.jpeg_with_gps(), number="H-2", issuer="BPJPH"),
        follow_redirects=True,
    )

    assert "menunggu verifikasi ulang" in response.text
    db.session.expire_all()
    found = db.session.get(Certificate, found.id)
    assert (found.status, found.number, found.issuer) == ("pending", "H-2", "BPJPH")
    assert found.scan_key.endswith(".webp")
    assert stored_files(app) == [Path(app.config["UPLOAD_DIR"]) / found.scan_key]  # old one gone


def test_correct_with_a_refused_scan_changes_nothing(app, client, login_as, owner, stored_scan):
    found = certificate(owner, status=CertificateStatus.REJECTED, scan_key=stored_scan)
    login_as(owner.user)
    response = client.post(
        f"{BASE}/{found.id}/ubah", data=form(files.svg_with_script(), number="BARU", name="a.svg")
    )
    assert "foto (JPEG, PNG, WebP) atau berkas PDF" in response.text
    db.session.expire_all()
    assert db.session.get(Certificate, found.id).status == "rejected"
    assert stored_files(app) == [Path(app.config["UPLOAD_DIR"]) / stored_scan]


def test_a_verified_certificate_cannot_be_changed(client, login_as, owner):
    found = certificate(owner, status=CertificateStatus.VERIFIED)
    login_as(owner.user)
    response = client.get(f"{BASE}/{found.id}/ubah", follow_redirects=True)
    assert "tidak bisa diubah" in response.text


def test_delete_a_pending_certificate_and_its_scan(app, client, login_as, owner, stored_scan):
    found = certificate(owner, status=CertificateStatus.PENDING, scan_key=stored_scan)
    login_as(owner.user)
    response = client.post(f"{BASE}/{found.id}/hapus", follow_redirects=True)
    assert "Sertifikat dihapus." in response.text
    assert certificate_count() == 0
    assert stored_files(app) == []


def test_a_shown_certificate_cannot_be_deleted(app, client, login_as, owner, stored_scan):
    found = certificate(owner, status=CertificateStatus.VERIFIED, scan_key=stored_scan)
    login_as(owner.user)
    response = client.post(f"{BASE}/{found.id}/hapus", follow_redirects=True)
    assert "tidak bisa dihapus" in response.text
    assert certificate_count() == 1
    assert len(stored_files(app)) == 1


# --- the scan -----------------------------------------------------------------------------------


def test_a_pdf_scan_is_downloaded_never_shown_inline(client, login_as, owner, stored_scan):
    found = certificate(owner, scan_key=stored_scan)
    login_as(owner.user)
    with client.get(f"{BASE}/{found.id}/pindaian") as response:
        response.make_sequence()  # read the file and close it
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"sertifikat-{found.id}.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data.startswith(b"%PDF-")


def test_a_picture_scan_is_shown(app, client, login_as, owner):
    key = LocalStorage(app.config["UPLOAD_DIR"]).save(
        files.picture("WEBP"), folder="certificates", suffix=".webp"
    )
    found = certificate(owner, scan_key=key)
    login_as(owner.user)
    with client.get(f"{BASE}/{found.id}/pindaian") as response:
        response.make_sequence()
    assert response.mimetype == "image/webp"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert Image.open(io.BytesIO(response.data)).format == "WEBP"


def test_a_missing_scan_file_is_not_found(client, login_as, owner):
    found = certificate(owner, scan_key="certificates/tidak-ada.pdf")
    login_as(owner.user)
    assert client.get(f"{BASE}/{found.id}/pindaian").status_code == 404


# --- the products a shop's certificate covers ------------------------------------------


def test_recording_a_shop_certificate_leads_to_ticking_its_products(client, login_as, owner):
    factories.ProductFactory(member=owner, name="Mendoan Beku")
    login_as(owner.user)
    response = client.post(f"{BASE}/baru", data=form(files.pdf(), kind="halal"))
    made = db.session.scalars(db.select(Certificate)).one()
    assert response.headers["Location"] == f"{BASE}/{made.id}/produk"
    html = client.get(response.headers["Location"]).text
    for words in (
        "Produk di sertifikat Halal",
        "tercantum",
        "Toko bersertifikat Halal",
        "Mendoan Beku",
        "Simpan pilihan produk",
    ):
        assert words in html, words


@pytest.mark.parametrize("kind", ["laik-higiene", "pirt-for-a-product"])
def test_recording_what_covers_no_products_goes_back_to_the_list(client, login_as, owner, kind):
    product = factories.ProductFactory(member=owner)
    login_as(owner.user)
    data = form(files.pdf(), kind="laik-higiene")
    if kind == "pirt-for-a-product":
        data = form(files.pdf(), kind="pirt", product_id=str(product.id))
    response = client.post(f"{BASE}/baru", data=data)
    assert response.headers["Location"] == f"{BASE}/"


def test_laik_higiene_for_one_product_is_refused_with_the_reason(app, client, login_as, owner):
    product = factories.ProductFactory(member=owner)
    login_as(owner.user)
    response = client.post(
        f"{BASE}/baru", data=form(files.pdf(), kind="laik-higiene", product_id=str(product.id))
    )
    assert response.status_code == 200
    assert "berlaku untuk tempat produksi" in response.text
    assert certificate_count() == 0
    assert stored_files(app) == []


def test_member_ticks_products_and_sees_them_wait(client, login_as, owner):
    mendoan = factories.ProductFactory(member=owner, name="Mendoan Beku")
    keripik = factories.ProductFactory(member=owner, name="Keripik Tempe")
    draft = factories.ProductFactory(member=owner, name="Tahu Draf", status="draft")
    halal = certificate(owner, kind=CertificateKind.HALAL, covers=[mendoan])
    login_as(owner.user)

    page = client.get(f"{BASE}/{halal.id}/produk").text
    assert re.search(rf'value="{mendoan.id}" checked>\s*<span[^>]*>Mendoan Beku', page)
    assert "· terverifikasi" in page and "· draf" in page
    assert not re.search(rf'value="{keripik.id}" checked', page)

    response = client.post(
        f"{BASE}/{halal.id}/produk", data={"products": [str(mendoan.id), str(draft.id)]}
    )
    assert response.headers["Location"] == f"{BASE}/#sertifikat-{halal.id}"
    listing = client.get(f"{BASE}/").text
    card = listing.split(f'id="sertifikat-{halal.id}"')[1].split("</li>\n    \n")[0]
    assert re.search(r"Mendoan Beku</span>\s*<span[^>]*>✓ Terverifikasi", card)
    assert re.search(r"Tahu Draf</span>\s*<span[^>]*>Menunggu verifikasi", card)
    assert "Keripik Tempe" not in card
    assert f'href="{BASE}/{halal.id}/produk">Pilih produk' in card


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "١"])
def test_a_product_not_on_the_list_is_refused_and_nothing_changes(client, login_as, owner, raw):
    mendoan = factories.ProductFactory(member=owner, name="Mendoan Beku")
    stranger = factories.ProductFactory(name="Produk Orang Lain")
    halal = certificate(owner, kind=CertificateKind.HALAL, ticks=[mendoan])
    login_as(owner.user)
    for value in (raw, str(stranger.id)):
        response = client.post(f"{BASE}/{halal.id}/produk", data={"products": [value]})
        assert response.status_code == 200
        assert "tidak ada di pilihan" in response.text or "Pilih salah satu" in response.text
    db.session.expire_all()
    assert [link.product_id for link in db.session.get(Certificate, halal.id).covered_products] == [
        mendoan.id
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda owner, product: certificate(owner, kind=CertificateKind.LAIK_HIGIENE),
        lambda owner, product: certificate(owner, product=product, kind=CertificateKind.PIRT),
        lambda owner, product: certificate(owner, status=CertificateStatus.REJECTED),
    ],
    ids=["laik-higiene", "names-a-product", "rejected"],
)
def test_ticking_where_it_means_nothing_is_explained(client, login_as, owner, make):
    product = factories.ProductFactory(member=owner)
    found = make(owner, product)
    login_as(owner.user)
    assert f'href="{BASE}/{found.id}/produk"' not in client.get(f"{BASE}/").text
    for method in ("GET", "POST"):
        response = client.open(
            f"{BASE}/{found.id}/produk",
            method=method,
            data={"products": [str(product.id)]},
            follow_redirects=True,
        )
        assert response.request.path == f"{BASE}/"
        assert "lencana" in response.text or "ditolak atau kedaluwarsa" in response.text
    db.session.expire_all()
    assert db.session.get(Certificate, found.id).covered_products == []


# --- who may open what: the IDOR matrix ------------------------------------------------


VISITORS = ("owner", "other member", "shopper", "anonymous", "admin")
# For each route, what each visitor gets. Another member's certificate id is
# not found; admins see a scan (they verify it) and nothing else here; the
# list and the form are everyone's own, so another member gets their own.
MATRIX = {
    ("GET", "/"): (200, 200, 403, 302, 403),
    ("GET", "/baru"): (200, 200, 403, 302, 403),
    ("POST", "/baru"): (302, 302, 403, 302, 403),
    ("GET", "/{id}/ubah"): (200, 404, 403, 302, 403),
    ("POST", "/{id}/ubah"): (302, 404, 403, 302, 403),
    ("POST", "/{id}/hapus"): (302, 404, 403, 302, 403),
    ("GET", "/{id}/produk"): (200, 404, 403, 302, 403),
    ("POST", "/{id}/produk"): (302, 404, 403, 302, 403),
    ("GET", "/{id}/pindaian"): (200, 404, 403, 302, 200),
}
CASES = [
    pytest.param(method, path, who, status, id=f"{method} {path} {who}")
    for (method, path), statuses in MATRIX.items()
    for who, status in zip(VISITORS, statuses, strict=True)
]


def test_the_matrix_covers_every_route(app):
    routes = {
        (
            method,
            rule.rule.removeprefix(BASE).replace("<int:certificate_id>", "{id}"),
        )
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("catalog.certificates.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(MATRIX)


@pytest.mark.parametrize("method, path, who, status", CASES)
def test_idor_matrix(app, client, login_as, owner, stored_scan, method, path, who, status):
    found = certificate(owner, status=CertificateStatus.PENDING, scan_key=stored_scan)
    db.session.commit()
    visitors = {
        "owner": lambda: owner.user,
        "other member": lambda: factories.MemberFactory().user,
        "shopper": lambda: Role.SHOPPER,
        "admin": lambda: Role.ADMIN,
    }
    if who != "anonymous":
        login_as(visitors[who]())
    found_id = found.id  # the owner's request may delete it
    url = BASE + path.format(id=found_id)
    data = form(files.pdf(), number="BARU-9") if method == "POST" else None
    with client.open(url, method=method, data=data) as response:
        response.make_sequence()

    assert response.status_code == status, (who, method, url)
    if who == "anonymous":
        assert "/akun/masuk" in response.headers["Location"]
    db.session.expire_all()
    kept = db.session.get(Certificate, found_id)
    if who != "owner":
        # Nobody but the owner changed or deleted the owner's certificate.
        assert kept is not None and kept.status == "pending" and kept.number != "BARU-9"
        if who != "other member":
            assert certificate_count() == 1


@pytest.mark.parametrize(
    "status, words",
    [
        (MemberStatus.PENDING, "sedang diperiksa pengurus"),
        (MemberStatus.REJECTED, "belum disetujui"),
        (MemberStatus.SUSPENDED, "dibekukan"),
    ],
)
def test_a_member_not_approved_is_told_why(client, login_as, status, words):
    member = factories.MemberFactory(status=status)
    found = certificate(member, status=CertificateStatus.PENDING)
    login_as(member.user)
    for url in (f"{BASE}/", f"{BASE}/baru", f"{BASE}/{found.id}/ubah"):
        response = client.get(url)
        assert response.status_code == 403
        assert words in response.text


# --- badges and the filter, as shoppers see them ------------------------------------------


@pytest.fixture
def certified(app, owner):
    """Mendoan (its own P-IRT; the shop's Halal covers it, verified), Keripik
    (ticked on the shop's Halal, not yet verified), Tahu (new: nothing), the
    shop's Laik Higiene; Gula (another shop, P-IRT expired, a pending BPOM ML
    covering it), Batik (nothing)."""
    mendoan = factories.ProductFactory(member=owner, name="Mendoan Beku")
    keripik = factories.ProductFactory(member=owner, name="Keripik Tempe")
    tahu = factories.ProductFactory(member=owner, name="Tahu Baru")
    cilongok = factories.MemberFactory(kecamatan=factories.kecamatan("cilongok"))
    gula = factories.ProductFactory(member=cilongok, name="Gula Kelapa")
    batik = factories.ProductFactory(
        name="Batik Tulis", category=factories.category("batik-fashion")
    )
    certificate(
        owner, kind=CertificateKind.HALAL, number="ID33110000123", covers=[mendoan],
        ticks=[keripik], expires_on=days_from_today(700),
    )  # fmt: skip
    certificate(owner, kind=CertificateKind.LAIK_HIGIENE, number="440/77/LH/2026")
    certificate(owner, product=mendoan, kind=CertificateKind.PIRT, expires_on=days_from_today(0))
    certificate(cilongok, product=gula, kind=CertificateKind.PIRT, expires_on=days_from_today(-1))
    certificate(
        cilongok, kind=CertificateKind.BPOM_ML, status=CertificateStatus.PENDING, covers=[gula]
    )
    db.session.commit()
    return {"mendoan": mendoan, "keripik": keripik, "tahu": tahu, "gula": gula, "batik": batik}


def card_badges(html: str) -> dict[str, list[str]]:
    """Badge labels of each product card, by product name."""
    found = {}
    for card in html.split('class="card h-100 product-card"')[1:]:
        name = re.search(r'class="card-title[^"]*">([^<]+)<', card).group(1)
        found[name] = re.findall(
            r'data-sertifikat="[^"]+"><span aria-hidden="true">✓</span> ([^<]+)<', card
        )
    return found


def explained(html: str, label: str) -> list[str]:
    """The tappable badges (summary texts) of the list labelled `label`."""
    if f'aria-label="{label}"' not in html:
        return []
    part = html.split(f'aria-label="{label}"')[1].split("</ul>")[0]
    return re.findall(
        r'<summary class="badge-pill"><span aria-hidden="true">✓</span> ([^<]+)<', part
    )


EXPECTED_CARDS = {
    "Mendoan Beku": ["P-IRT", "Halal"],
    "Keripik Tempe": [],  # ticked, not verified
    "Tahu Baru": [],  # the shop's certificates claim nothing about it
    "Gula Kelapa": [],
    "Batik Tulis": [],
}


def test_cards_show_only_the_products_own_verified_badges(client, certified, owner):
    for url in ("/produk", "/"):
        html = client.get(url).text
        assert card_badges(html) == EXPECTED_CARDS, url
        assert "Laik Higiene" not in html and "Toko bersertifikat" not in html
    assert card_badges(client.get("/kecamatan/sokaraja").text) == {
        name: labels for name, labels in EXPECTED_CARDS.items() if name != "Gula Kelapa"
    }


def test_shop_page_shows_the_shops_certificates_as_the_shops(client, certified, owner):
    html = client.get(f"/toko/{owner.slug}").text
    assert explained(html, "Sertifikat toko") == [
        "Toko bersertifikat Halal",
        "Toko bersertifikat Laik Higiene",
    ]
    header = html.split('id="judul-produk"')[0]
    assert "440/77/LH/2026" in header and "tempat produksinya" in header
    assert card_badges(html) == {
        "Mendoan Beku": ["P-IRT", "Halal"],
        "Keripik Tempe": [],
        "Tahu Baru": [],
    }


def test_a_new_product_of_a_certified_shop_claims_nothing(client, certified):
    tahu = certified["tahu"]
    html = client.get(f"/produk/{tahu.id}-{tahu.slug}").text
    assert 'id="judul-sertifikat"' not in html
    assert explained(html, "Sertifikat produk") == []
    shop_part = html.split("Dijual oleh")[1].split("</div>\n    </div>")[0]
    assert explained(shop_part, "Sertifikat toko") == [
        "Toko bersertifikat Halal",
        "Toko bersertifikat Laik Higiene",
    ]
    assert "bukan keterangan tentang satu produk" in shop_part


def test_product_page_explains_each_badge_in_a_tap(client, certified):
    mendoan = certified["mendoan"]
    html = client.get(f"/produk/{mendoan.id}-{mendoan.slug}").text
    own = html.split('id="judul-sertifikat"')[1].split("</section>")[0]
    assert explained(own, "Sertifikat produk") == ["P-IRT", "Halal"]
    halal = own.split('data-sertifikat="halal"')[1].split("</details>")[0]
    for words in (
        "<details",
        "BPJPH Kementerian Agama",  # what it is
        "ID33110000123",  # its number
        "Dinas Kesehatan Kabupaten Banyumas",  # issuer
        f"sampai {tanggal(days_from_today(700))}",  # valid until
    ):
        assert words in halal, words
    pirt = own.split('data-sertifikat="pirt"')[1].split("</details>")[0]
    assert f"sampai {tanggal(days_from_today(0))}" in pirt
    assert card_badges(html) == {"Keripik Tempe": [], "Tahu Baru": []}  # more from the shop
    gula = certified["gula"]
    assert 'id="judul-sertifikat"' not in client.get(f"/produk/{gula.id}-{gula.slug}").text


@pytest.mark.parametrize(
    "query, names",
    [
        ("sertifikat=halal", {"Mendoan Beku"}),  # not Keripik (unverified) nor Tahu
        ("sertifikat=pirt", {"Mendoan Beku"}),  # Gula's P-IRT has expired
        ("sertifikat=bpom-ml", set()),  # pending
        ("sertifikat=HALAL&q=mendoan", {"Mendoan Beku"}),
        ("sertifikat=halal&q=tahu", set()),  # Tahu's shop is Halal: Tahu is not
        ("sertifikat=halal&kecamatan=cilongok", set()),
    ],
)
def test_filter_by_certificate_combines_with_the_others(client, certified, query, names):
    html = client.get(f"/produk?{query}").text
    assert set(card_badges(html)) == names
    assert f'id="jumlah-produk">{len(names)} produk<' in html


def test_filter_is_in_the_form_the_chips_and_the_facet_counts(client, certified):
    html = client.get("/produk?sertifikat=halal").text
    assert re.search(r'<option value="halal" selected>Halal</option>', html)
    assert 'value="laik-higiene"' not in html  # a shop's certificate, never a product's
    assert "Sertifikat Halal" in html  # the chip
    assert 'aria-label="Hapus filter Sertifikat Halal"' in html
    # Facet counts within the certificate filter: one verified Halal product, food in Sokaraja.
    assert re.search(r"Makanan &amp; Minuman \(1\)", html)
    assert re.search(r"Batik &amp; Fashion \(0\)", html)
    assert re.search(r">Sokaraja \(1\)<", html)
    assert re.search(r">Cilongok \(0\)<", html)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("sni", "Jenis sertifikat tidak dikenal; filter sertifikat diabaikan."),
        ("laik-higiene", "sertifikat tempat produksi (toko), bukan produk"),
    ],
)
def test_unknown_or_shop_only_certificate_is_ignored_with_a_message(
    client, certified, raw, message
):
    html = client.get(f"/produk?sertifikat={raw}").text
    assert message in html
    assert 'id="jumlah-produk">5 produk<' in html


def test_expired_badge_stops_showing_by_date(client, owner):
    product = factories.ProductFactory(member=owner, name="Sale Pisang")
    certificate(owner, product=product, kind=CertificateKind.PIRT, expires_on=days_from_today(-1))
    db.session.commit()
    assert card_badges(client.get("/produk").text) == {"Sale Pisang": []}
    db.session.execute(db.update(Certificate).values(expires_on=days_from_today(0)))
    db.session.commit()
    assert card_badges(client.get("/produk").text) == {"Sale Pisang": ["P-IRT"]}


def test_a_verified_or_rejected_certificate_shows_at_once_on_cached_pages(make_app):
    """Anonymous pages are cached (catalog.cache): a certificate decision,
    and a decision on the products it covers, bumps the catalog generation
    like any other catalog change."""
    from marketplace.catalog.certificates.services import (
        cover_products,
        reject_certificate,
        verify_certificate,
        verify_covered_products,
    )

    app = make_app(CACHE_TYPE="SimpleCache")
    with app.app_context():
        product = factories.ProductFactory(name="Sale Pisang")
        found = certificate(product.member, status=CertificateStatus.PENDING, ticks=[product])
        admin = factories.UserFactory(roles=[Role.ADMIN])
        db.session.commit()
        client = app.test_client()
        urls = ("/produk", f"/produk/{product.id}-{product.slug}", "/api/v1/products")

        def halal_shown() -> list[bool]:
            pages = [client.get(url).text for url in urls]
            return [
                'data-sertifikat="halal"' in pages[0],
                explained(pages[1], "Sertifikat produk") == ["Halal"],
                '"kind":"halal"' in pages[2].replace(" ", ""),
            ]

        def shop_badge_shown() -> bool:
            page = client.get(f"/produk/{product.id}-{product.slug}").text
            return explained(page, "Sertifikat toko") == ["Toko bersertifikat Halal"]

        assert halal_shown() == [False, False, False]
        verify_certificate(certificate=found, reviewer=admin)  # the product not yet
        db.session.commit()
        assert halal_shown() == [False, False, False] and shop_badge_shown()
        verify_covered_products(certificate=found, reviewer=admin, covered=[product.id])
        db.session.commit()
        assert halal_shown() == [True, True, True]
        cover_products(certificate=found, products=[])  # the member unticks it
        db.session.commit()
        assert halal_shown() == [False, False, False] and shop_badge_shown()
        cover_products(certificate=found, products=[product])
        verify_covered_products(certificate=found, reviewer=admin, covered=[product.id])
        db.session.commit()
        assert halal_shown() == [True, True, True]
        reject_certificate(certificate=found, reviewer=admin, reason="Palsu.")
        db.session.commit()
        assert halal_shown() == [False, False, False] and not shop_badge_shown()
