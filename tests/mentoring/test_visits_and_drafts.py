"""A mentor's visit photos (through the product photos' pipeline, private),
the mentor's edits of their own draft until the member publishes it, and the
member's emails about what the mentor did."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.accounts.models import OutboxEmail, Role, User
from marketplace.catalog.models import (
    Product,
    ProductChange,
    ProductChangeKind,
    ProductImage,
    ProductStatus,
)
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.mentoring import services
from marketplace.mentoring.models import Mentor, Pairing, Visit, VisitPhoto
from tests import factories
from tests.members.helpers import picture
from tests.mentoring.helpers import (
    mentoring_world,
    mentors_draft,
    running_pairing,
    url,
    visit_with_photos,
)
from tests.sql import recorded_statements

pytestmark = pytest.mark.usefixtures("app_context")

NOT_A_PHOTO = b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"


def stored(folder: str) -> list[Path]:
    root = Path(current_app.config["UPLOAD_DIR"]) / folder
    return sorted(root.glob("*")) if root.exists() else []


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def visit_form(*photos: tuple[str, bytes]) -> dict:
    return {
        "visited_on": clock.today().isoformat(),
        "topic": "Foto produk",
        "notes": "Latihan memotret di teras.",
        "photos": [(BytesIO(data), name) for name, data in photos],
    }


# --- visit photos ------------------------------------------------------------------------


def test_the_mentor_logs_a_visit_with_photos_both_see_them(client, login_as):
    world = mentoring_world()
    login_as(world.mentor_user)
    address = url("mentoring.log_visit", member_id=world.member.id)
    form = visit_form(("teras.jpg", picture((800, 600), "JPEG")), ("etalase.png", picture()))
    response = client.post(address, data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    visit = db.session.scalars(select(Visit)).one()
    assert [photo.position for photo in visit.photos] == [0, 1]
    assert len(stored(services.VISIT_FOLDER)) == 4  # a thumbnail and a large size each
    for user in (world.mentor_user, world.member.user):
        login_as(user)
        page = client.get(
            url("mentoring.member", member_id=world.member.id)
            if user is world.mentor_user
            else url("mentoring.member_pairings")
        ).text
        for number, photo in enumerate(visit.photos, start=1):
            address = url("mentoring.visit_photo", photo_id=photo.id)
            assert f'href="{address}"' in page
            assert f"{address}/160.webp 160w, {address}/320.webp 320w" in page
            assert f'alt="Foto kunjungan {number}: Foto produk"' in page
        assert page.count('width="96" height="96"') == 2
        assert page.count('loading="lazy"') >= 2
        assert "/media/visits/" not in page


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([("bukan.jpg", NOT_A_PHOTO)], "bukan foto JPEG, PNG, atau WebP"),
        ([("a.png", picture()), ("b.jpg", NOT_A_PHOTO)], "Foto ke-2: Berkas ini bukan foto"),
        ([(f"{n}.png", picture()) for n in range(4)], "Paling banyak 3 foto per kunjungan."),
    ],
)
def test_a_refused_photo_refuses_the_visit_and_writes_nothing(client, login_as, photos, message):
    world = mentoring_world()
    login_as(world.mentor_user)
    address = url("mentoring.log_visit", member_id=world.member.id)
    response = client.post(address, data=visit_form(*photos), content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.text
    assert "Kunjungan belum disimpan: ada foto yang ditolak." in response.text
    assert (count(Visit), count(VisitPhoto)) == (0, 0)
    assert stored(services.VISIT_FOLDER) == []


def member_page_statements(client, member_id: int) -> int:
    address = url("mentoring.member", member_id=member_id)
    db.session.remove()
    with recorded_statements() as statements:
        response = client.get(address)
    assert response.status_code == 200
    return len(statements)


def member_pairings_statements(client) -> int:
    address = url("mentoring.member_pairings")
    db.session.remove()
    with recorded_statements() as statements:
        response = client.get(address)
    assert response.status_code == 200
    return len(statements)


def test_the_visit_lists_cost_a_fixed_number_of_queries_whatever_the_photos(client, login_as):
    world = mentoring_world()
    visit_with_photos(world.pairing, count=1)
    db.session.commit()
    pairing_id, member_id, admin_id = world.pairing.id, world.member.id, world.admin.id
    mentor_id, member_user_id = world.mentor_user.id, world.member.user_id
    login_as(world.mentor_user)
    mentor_few = member_page_statements(client, member_id)
    login_as(db.session.get(User, member_user_id))
    member_few = member_pairings_statements(client)

    pairing = db.session.get(Pairing, pairing_id)
    for topic in ("Harga", "Kemasan", "Media sosial"):
        visit_with_photos(pairing, count=3, topic=topic)
    # A second pairing of the member, with its visits too.
    second = running_pairing(pairing.member, db.session.get(User, admin_id))
    visit_with_photos(second, count=2)
    db.session.commit()
    assert count(VisitPhoto) == 12
    login_as(db.session.get(User, mentor_id))
    assert member_page_statements(client, member_id) == mentor_few
    login_as(db.session.get(User, member_user_id))
    assert member_pairings_statements(client) == member_few


# --- the mentor edits their own draft ------------------------------------------------------


def edit_form(product: Product, **changes: str) -> dict:
    variant = product.variants[0]
    return {
        "name": product.name,
        "category_id": str(product.category_id),
        "description": product.description,
        "unit": product.unit,
        "weight_grams": "",
        "variants-0-variant_id": str(variant.id),
        "variants-0-stock_seen": str(variant.stock),
        "variants-0-name": variant.name,
        "variants-0-price": str(variant.price),
        "variants-0-stock": str(variant.stock),
        **changes,
    }


def edit_address(world, product: Product) -> str:
    return url("mentoring.edit_draft", member_id=world.member.id, product_id=product.id)


def notes_of(product: Product) -> list[ProductChange]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ProductChange)
            .where(ProductChange.product_id == product.id)
            .order_by(ProductChange.id)
        )
    )


def draft_world():
    world = mentoring_world()
    draft = mentors_draft(
        world.pairing,
        name="Nopia Bawang",
        variants=[factories.VariantFactory.build(name="", price=12_500, stock=20)],
    )
    db.session.commit()
    return world, draft


def test_the_mentor_edits_their_draft_and_the_member_reads_what_changed(client, login_as):
    world, draft = draft_world()
    login_as(world.mentor_user)
    page = client.get(edit_address(world, draft))
    assert page.status_code == 200 and "Ubah draf produk" in page.text
    form = edit_form(
        draft,
        name="Nopia Bawang Merah",
        description="Nopia khas Banyumas.",
        **{"variants-0-price": "15.000", "variants-0-stock": "25"},
    )
    form["photos"] = [(BytesIO(picture()), "nopia.png")]
    response = client.post(edit_address(world, draft), data=form)
    assert response.status_code == 302
    product = db.session.get(Product, draft.id)
    assert (product.name, product.status) == ("Nopia Bawang Merah", ProductStatus.DRAFT)
    assert (product.variants[0].price, product.variants[0].stock, len(product.images)) == (
        15_000,
        25,
        1,
    )
    edited = notes_of(draft)[-1]
    assert (edited.kind, edited.changed_by_id) == (ProductChangeKind.DRAFTED, world.mentor_user.id)
    assert edited.acting_as == "Pendamping kampus Unsoed"
    assert edited.summary == (
        "Draf diubah pendamping: nama diubah dari “Nopia Bawang” menjadi "
        "“Nopia Bawang Merah”; harga diubah dari Rp12.500 menjadi Rp15.000; "
        "stok diubah dari 20 menjadi 25; deskripsi diubah; 1 foto ditambahkan."
    )

    # Removing the photo: the row goes, and its files after the commit.
    photo = db.session.scalars(select(ProductImage)).one()
    files = [photo.thumb_key, photo.large_key]
    form = edit_form(product, remove_photos=str(photo.id))
    assert client.post(edit_address(world, draft), data=form).status_code == 302
    assert count(ProductImage) == 0
    root = Path(current_app.config["UPLOAD_DIR"])
    assert not any((root / key).exists() for key in files)
    assert notes_of(draft)[-1].summary == "Draf diubah pendamping: 1 foto dihapus."

    login_as(world.member.user)
    member_page = client.get(url("catalog.manage.edit", product_id=draft.id)).text
    assert "harga diubah dari Rp12.500 menjadi Rp15.000" in member_page


def test_an_edit_that_changes_nothing_or_a_bad_photo_writes_nothing(client, login_as):
    world, draft = draft_world()
    login_as(world.mentor_user)
    before = len(notes_of(draft))
    same = client.post(edit_address(world, draft), data=edit_form(draft))
    assert same.status_code == 400
    assert "Tidak ada yang berubah pada draf ini." in same.text
    form = edit_form(draft, name="Nama Baru")
    form["photos"] = [(BytesIO(NOT_A_PHOTO), "x.jpg")]
    refused = client.post(edit_address(world, draft), data=form)
    assert refused.status_code == 400
    assert "bukan foto JPEG, PNG, atau WebP" in refused.text
    assert "Draf belum diubah: ada foto yang ditolak." in refused.text
    assert db.session.get(Product, draft.id).name == "Nopia Bawang"
    assert len(notes_of(draft)) == before
    assert (count(ProductImage), stored("products")) == (0, [])


def test_once_the_member_publishes_the_mentor_can_only_suggest(client, login_as):
    world, draft = draft_world()
    login_as(world.member.user)
    publish = url("catalog.manage.product_action", product_id=draft.id, action="tayangkan")
    assert client.post(publish).status_code == 302
    login_as(world.mentor_user)
    product_page = url("mentoring.product", member_id=world.member.id, product_id=draft.id)
    page = client.get(edit_address(world, draft))
    assert (page.status_code, page.location) == (302, product_page)
    assert "Ubah draf" not in client.get(product_page).text
    before = len(notes_of(draft))
    response = client.post(edit_address(world, draft), data=edit_form(draft, name="Diam-diam"))
    assert response.status_code == 302
    assert "Anggota sudah menayangkan produk ini" in client.get(product_page).text
    product = db.session.get(Product, draft.id)
    assert (product.name, product.status) == ("Nopia Bawang", ProductStatus.ACTIVE)
    assert len(notes_of(draft)) == before
    # A suggestion still goes through.
    assert client.post(product_page, data={"body": "Tambah foto kemasan."}).status_code == 302
    assert notes_of(draft)[-1].kind == ProductChangeKind.SUGGESTION


def test_only_the_mentors_own_draft_can_be_edited(client, login_as):
    world, _ = draft_world()
    # Another mentor of the same cohort, paired with the same member, drafted one too.
    colleague_user = factories.UserFactory(roles=[Role.MENTOR])
    colleague = Mentor(
        cohort=world.cohort,
        email=colleague_user.email,
        name="Rina",
        user_id=colleague_user.id,
        accepted_at=world.mentor.accepted_at,
    )
    their_pairing = Pairing(
        mentor=colleague, member=world.member, accepted_at=colleague.accepted_at
    )
    db.session.add_all([colleague, their_pairing])
    db.session.flush()
    theirs = mentors_draft(their_pairing, name="Getuk Goreng")
    db.session.commit()
    login_as(world.mentor_user)
    before = count(ProductChange)
    for product in (theirs, world.product):  # a colleague's draft, the member's own product
        assert client.get(edit_address(world, product)).status_code == 404
        form = edit_form(product, name="Diubah")
        assert client.post(edit_address(world, product), data=form).status_code == 404
    assert count(ProductChange) == before
    mine = client.get(url("mentoring.member", member_id=world.member.id)).text
    assert mine.count(">Ubah draf</a>") == 1


# --- the member's emails ---------------------------------------------------------------------


def test_the_member_is_emailed_about_a_draft_and_a_suggestion(client, login_as, app):
    world = mentoring_world()
    login_as(world.mentor_user)
    form = {
        "name": "Nopia Bawang Merah",
        "category_id": str(factories.category().id),
        "description": "",
        "unit": "bungkus",
        "variants-0-price": "12.500",
        "variants-0-stock": "20",
    }
    assert client.post(url("mentoring.draft", member_id=world.member.id), data=form).status_code
    product = db.session.scalars(select(Product).where(Product.name == form["name"])).one()
    address = url("mentoring.product", member_id=world.member.id, product_id=product.id)
    client.post(address, data={"body": "Foto dengan cahaya pagi <b>dari</b> jendela."})
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert [email.recipient for email in emails] == [world.member.user.email] * 2
    assert [email.subject for email in emails] == [
        "Dewi Mahasiswa menyusun draf produk untuk toko Anda: “Nopia Bawang Merah”",
        "Dewi Mahasiswa memberi saran untuk produk Anda: “Nopia Bawang Merah”",
    ]
    link = f"{app.config['PUBLIC_URL']}/kelola/produk/{product.id}"
    for email in emails:
        assert link in email.body_text and f'href="{link}"' in email.body_html
        assert "pendamping kampus Unsoed" in email.body_text
    assert "Periksa isinya, ubah bila perlu, lalu tayangkan sendiri" in emails[0].body_text
    assert "Foto dengan cahaya pagi <b>dari</b> jendela." in emails[1].body_text
    assert "&lt;b&gt;dari&lt;/b&gt;" in emails[1].body_html
    assert not re.search(r"https?://localhost", emails[0].body_html)


def test_a_dead_mail_server_never_undoes_the_draft(make_app, unused_port_config):
    app = make_app(**unused_port_config)
    with app.app_context():
        world = mentoring_world()
        category_id = factories.category().id
        db.session.commit()
        client = app.test_client()
        factories.log_in(client, world.mentor_user)
        form = {
            "name": "Nopia Bawang Merah",
            "category_id": str(category_id),
            "unit": "bungkus",
            "variants-0-price": "12.500",
            "variants-0-stock": "20",
        }
        response = client.post(url("mentoring.draft", member_id=world.member.id), data=form)
        assert response.status_code == 302
        assert "Anggota memeriksa" in client.get(response.location).text
        db.session.expire_all()
        product = db.session.scalars(select(Product).where(Product.name == form["name"])).one()
        assert product.status == ProductStatus.DRAFT
        (email,) = db.session.scalars(select(OutboxEmail)).all()
        assert email.sent_at is None  # waits for `flask accounts deliver-outbox`
