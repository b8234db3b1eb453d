"""An officer edits a member's listing on the member's behalf with the
member's own product form: one history row and one email per save that
changes something, saying in Indonesian what changed; a save that changes
nothing writes and sends nothing; afterwards a "Kabari lewat WhatsApp" link
with the product, the change and the member's page of it."""

import io
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import func, select, update

from marketplace.accounts.models import OutboxEmail
from marketplace.catalog import assisted
from marketplace.catalog import changes as catalog_changes
from marketplace.catalog.models import (
    Product,
    ProductChange,
    ProductChangeKind,
    ProductImage,
    ProductStatus,
    ProductVariant,
)
from marketplace.catalog.services import VariantInput
from marketplace.core.storage import storage
from marketplace.extensions import db
from tests.chapters.helpers import BANK_NUMBER, make_cast
from tests.factories import category
from tests.security import files


def url(cast: dict, tail: str = "") -> str:
    return f"/cabang/ajibarang/anggota/{cast['member'].id}/produk/{cast['product'].id}{tail}"


def form(cast: dict, **changes) -> dict:
    """The edit form as the page fills it in, with `changes` typed over it."""
    product, variant = cast["product"], cast["variant"]
    data = {
        "name": product.name,
        "category_id": str(product.category_id),
        "description": product.description,
        "unit": product.unit,
        "weight_grams": "",
        "status": ProductStatus(product.status).value,
        "variants-0-variant_id": str(variant.id),
        "variants-0-stock_seen": str(variant.stock),
        "variants-0-name": variant.name,
        "variants-0-price": str(variant.price),
        "variants-0-stock": str(variant.stock),
    }
    return data | changes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def changes() -> list[ProductChange]:
    return list(db.session.scalars(select(ProductChange).order_by(ProductChange.id)))


def emails() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_the_edit_page_is_the_members_form_filled_in(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    listed = client.get(f"/cabang/ajibarang/anggota/{cast['member'].id}").text
    assert url(cast) in listed  # each product has its "Ubah" link
    page = client.get(url(cast))
    assert page.status_code == 200
    price = page.text.split('name="variants-0-price"')[1].split(">")[0]
    assert 'value="15.000"' in price
    assert "Tambah foto" in page.text and "Foto 1" in page.text
    assert BANK_NUMBER not in page.text and "Kabari lewat WhatsApp" not in page.text


def test_one_save_is_one_change_saying_what_changed(client, login_as, app):
    cast = make_cast()
    product_id, member = cast["product"].id, cast["member"]
    emails_before = len(emails())
    login_as(cast["officer_here"])
    response = client.post(
        url(cast),
        data=form(
            cast,
            **{"variants-0-price": "17.000", "description": "Gula kelapa asli, tanpa campuran."},
        )
        | {"photos": (io.BytesIO(files.picture()), "gula.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (change,) = changes()
    assert change.summary == (
        "Harga diubah dari Rp15.000 menjadi Rp17.000; deskripsi diubah; 1 foto ditambahkan"
    )
    assert change.kind == ProductChangeKind.ASSISTED
    assert change.changed_by_id == cast["officer_here"].id and change.member_id == member.id
    assert change.acting_as == "Pengurus Kecamatan Ajibarang"
    product = db.session.get(Product, product_id)
    assert (product.min_price, product.description) == (17_000, "Gula kelapa asli, tanpa campuran.")
    assert len(product.images) == 2  # after the one it had
    (email,) = emails()[emails_before:]
    assert email.recipient == member.user.email
    assert change.summary in email.body_text
    assert f"https://pasar.aspikmas.test/kelola/produk/{product_id}" in email.body_text

    # Back on the page: the WhatsApp link to the member's number, with the message.
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query)["kabar"] == [str(change.id)]
    page = client.get(location).text
    assert "Kabari lewat WhatsApp" in page and "dibantu oleh Pak Darto" in page
    link = next(part for part in page.split('"') if part.startswith("https://wa.me/62"))
    number, message = link.removeprefix("https://wa.me/").split("?text=")
    assert number == member.whatsapp
    message = unquote(message.replace("&amp;", "&"))
    assert product.name in message and change.summary in message
    assert f"https://pasar.aspikmas.test/kelola/produk/{product_id}" in message
    assert "Pak Darto" in message


def test_a_save_that_changes_nothing_writes_and_sends_nothing(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    before = (count(ProductChange), count(OutboxEmail))
    response = client.post(url(cast), data=form(cast))
    assert response.status_code == 302
    assert "kabar" not in response.headers["Location"]
    assert (count(ProductChange), count(OutboxEmail)) == before
    page = client.get(response.headers["Location"]).text
    assert "Tidak ada yang berubah" in page and "Kabari lewat WhatsApp" not in page


def test_unpublishing_and_the_rest_of_the_form_are_said(client, login_as):
    cast = make_cast()
    other = category("batik-fashion")
    login_as(cast["officer_here"])
    response = client.post(
        url(cast),
        data=form(
            cast,
            name="Gula Kelapa Cetak",
            category_id=str(other.id),
            unit="kg",
            weight_grams="500",
            status="draft",
            **{
                "variants-0-name": "Kecil",
                "variants-0-stock": "8",
                "variants-1-name": "Besar",
                "variants-1-price": "30.000",
                "variants-1-stock": "2",
            },
        ),
    )
    assert response.status_code == 302
    (change,) = changes()
    product = cast["product"]
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.status == ProductStatus.DRAFT and product.unit == "kg"
    assert [v.name for v in product.variants] == ["Kecil", "Besar"]
    assert change.summary.startswith("Nama diubah dari")
    assert "disembunyikan dari pasar (jadi draf)" in change.summary
    assert "varian Besar ditambahkan (Rp30.000, stok 2)" in change.summary
    assert "satuan diubah dari bungkus menjadi kg" in change.summary
    assert "berat diubah dari kosong menjadi 500 g" in change.summary
    assert f"menjadi {other.name}" in change.summary

    # Showing it again, and a variant removed.
    response = client.post(
        url(cast),
        data={
            key: value
            for key, value in form(cast, status="active").items()
            if not key.startswith("variants-")
        }
        | {
            "variants-0-variant_id": str(product.variants[1].id),
            "variants-0-stock_seen": "2",
            "variants-0-name": "Besar",
            "variants-0-price": "30.000",
            "variants-0-stock": "2",
            "name": "Gula Kelapa Cetak",
            "category_id": str(other.id),
            "unit": "kg",
            "weight_grams": "500",
        },
    )
    assert response.status_code == 302
    assert changes()[-1].summary == "Varian Kecil dihapus; ditampilkan di pasar"


def test_a_refused_photo_refuses_the_whole_save(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    before = (count(ProductChange), count(OutboxEmail), count(ProductImage))
    response = client.post(
        url(cast),
        data=form(cast, **{"variants-0-price": "17.000"})
        | {"photos": (io.BytesIO(b"bukan gambar"), "gula.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Foto" in response.text or "foto" in response.text
    assert (count(ProductChange), count(OutboxEmail), count(ProductImage)) == before
    db.session.expire_all()
    assert db.session.get(Product, cast["product"].id).min_price == 15_000


def test_a_wrong_price_is_refused_in_indonesian(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    response = client.post(url(cast), data=form(cast, **{"variants-0-price": "nol"}))
    assert response.status_code == 400
    assert "Harga" in response.text
    assert count(ProductChange) == 0


def test_photo_buttons_each_write_one_change(client, login_as, app):
    cast = make_cast()
    login_as(cast["officer_here"])
    client.post(
        url(cast),
        data=form(cast)
        | {
            "photos": [
                (io.BytesIO(files.picture()), "dua.jpg"),
                (io.BytesIO(files.picture(size=(50, 50))), "tiga.jpg"),
            ]
        },
        content_type="multipart/form-data",
    )
    assert changes()[-1].summary == "2 foto ditambahkan"
    product = db.session.get(Product, cast["product"].id)
    first, second, third = (photo.id for photo in product.images)
    steps = [
        (third, "maju", "Foto ke-3 dipindah ke depan", [first, third, second]),
        (second, "sampul", "Foto ke-3 dijadikan sampul", [second, first, third]),
        (first, "mundur", "Foto ke-2 dipindah ke belakang", [second, third, first]),
    ]
    for photo_id, action, said, order in steps:
        response = client.post(url(cast, f"/foto/{photo_id}/{action}"))
        assert response.status_code == 302, action
        assert changes()[-1].summary == said
        db.session.expire_all()
        assert [p.id for p in db.session.get(Product, product.id).images] == order
    cover = db.session.get(ProductImage, second)
    files_of_cover = [
        Path(app.config["UPLOAD_DIR"]) / key for key in (cover.thumb_key, cover.large_key)
    ]
    assert all(path.exists() for path in files_of_cover)
    before = count(ProductChange)
    refused = client.post(url(cast, f"/foto/{second}/sampul"))
    assert refused.status_code == 400 and "sudah menjadi sampul" in refused.text
    assert count(ProductChange) == before
    response = client.post(url(cast, f"/foto/{second}/hapus"))
    assert response.status_code == 302
    assert changes()[-1].summary == "Foto ke-1 dihapus"
    assert db.session.get(ProductImage, second) is None
    assert not any(path.exists() for path in files_of_cover)
    assert len(emails()) >= 5  # one per change (and the create's ones)


@pytest.mark.parametrize(
    ("family", "shown"),
    [
        ("0813-2222-3333", "https://wa.me/6281322223333?text="),
        ("12345", "Nomor WhatsApp tidak valid"),
    ],
)
def test_the_message_goes_to_a_family_phone(client, login_as, family, shown):
    cast = make_cast()
    login_as(cast["officer_here"])
    response = client.post(url(cast), data=form(cast, **{"variants-0-stock": "9"}))
    change_id = parse_qs(urlsplit(response.headers["Location"]).query)["kabar"][0]
    page = client.get(url(cast), query_string={"kabar": change_id, "keluarga": family}).text
    assert shown in page
    assert f"https://wa.me/{cast['member'].whatsapp}?text=" in page  # the member's own stays


def test_the_whatsapp_box_shows_only_this_members_helped_changes(client, login_as):
    cast = make_cast()
    login_as(cast["officer_there"])
    other = cast["other_member"]
    client.post(
        f"/cabang/kedungbanteng/anggota/{other.id}/stok",
        data={"variant_id": str(cast["other_variant"].id), "stock": "1"},
    )
    foreign = changes()[-1]
    login_as(cast["officer_here"])
    page = client.get(url(cast), query_string={"kabar": str(foreign.id)}).text
    assert "Kabari lewat WhatsApp" not in page and "Nopia" not in page
    for junk in ("abc", "-1", "9" * 30):
        assert client.get(url(cast), query_string={"kabar": junk}).status_code == 200


def test_the_same_stock_again_writes_nothing(client, login_as):
    cast = make_cast()
    login_as(cast["officer_here"])
    before = (count(ProductChange), count(OutboxEmail))
    response = client.post(
        f"/cabang/ajibarang/anggota/{cast['member'].id}/stok",
        data={"variant_id": str(cast["variant"].id), "stock": "3"},
    )
    assert response.status_code == 302 and "kabar" not in response.headers["Location"]
    assert (count(ProductChange), count(OutboxEmail)) == before
    changed = client.post(
        f"/cabang/ajibarang/anggota/{cast['member'].id}/stok",
        data={"variant_id": str(cast["variant"].id), "stock": "4"},
    )
    assert "kabar=" in changed.headers["Location"]
    assert "Kabari lewat WhatsApp" in client.get(changed.headers["Location"]).text


def test_an_archived_listing_is_not_edited(client, login_as):
    cast = make_cast()
    cast["product"].status = ProductStatus.ARCHIVED
    db.session.commit()
    login_as(cast["officer_here"])
    assert "diarsipkan" in client.get(url(cast)).text
    response = client.post(url(cast), data=form(cast, **{"variants-0-price": "17.000"}))
    assert response.status_code == 400
    assert count(ProductChange) == 0


def test_the_admin_reads_but_does_not_edit(client, login_as):
    cast = make_cast()
    login_as(cast["admin"])
    assert client.get(url(cast)).status_code == 200
    response = client.post(url(cast), data=form(cast, **{"variants-0-price": "17.000"}))
    assert response.status_code == 400 and "bukan dari kecamatan Anda" in response.text
    assert count(ProductChange) == 0


def test_the_changes_say_nothing_for_nothing(app_context):
    cast = make_cast()
    seen = catalog_changes.Seen.of(cast["product"])
    assert catalog_changes.said(seen, seen) == []
    assert catalog_changes.sentence(catalog_changes.said(seen, seen, photos_added=2)) == (
        "2 foto ditambahkan"
    )


def test_the_history_does_not_count_a_sale_as_the_officers_change(app_context):
    """A sale commits between the officer's page (stock 3) and their save of
    a new price with the stock untouched: the stock stays what the sale left
    (services._stock_after), and the history says only the price changed,
    as the save holds the variants before it looks (not "stok 3 menjadi 2")."""
    cast = make_cast()
    db.session.commit()
    product, shown = cast["product"], cast["variant"]
    assert shown.stock == 3  # loaded: what the officer's page showed
    with db.engine.begin() as elsewhere:  # a checkout, in a connection of its own
        elsewhere.execute(
            update(ProductVariant).where(ProductVariant.id == shown.id).values(stock=2)
        )
    change = assisted.update_for(
        product=product,
        helper=cast["officer_here"],
        uploads=[],
        store=storage(),
        category=product.category,
        name=product.name,
        description=product.description,
        unit=product.unit,
        weight_grams=product.weight_grams,
        variants=[VariantInput(id=shown.id, name=shown.name, price=17_000, stock=3, stock_seen=3)],
    )
    assert shown.stock == 2
    assert change is not None
    assert change.summary == "Harga diubah dari Rp15.000 menjadi Rp17.000"
