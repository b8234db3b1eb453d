"""Catalog services: a member's products, variants, status changes, the quick
update and photos. A refused change writes nothing."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from marketplace.catalog import photos, services
from marketplace.catalog.models import Product, ProductImage, ProductStatus, ProductVariant
from marketplace.catalog.services import (
    BulkUpdateRefused,
    CatalogError,
    InvalidTransition,
    NotFound,
    VariantChange,
    VariantInput,
)
from marketplace.core.storage import LocalStorage
from marketplace.extensions import db
from tests import factories
from tests.catalog.seeding import jpeg

pytestmark = pytest.mark.usefixtures("app_context")

DRAFT, ACTIVE, ARCHIVED = ProductStatus.DRAFT, ProductStatus.ACTIVE, ProductStatus.ARCHIVED


@pytest.fixture
def member(app):
    found = factories.MemberFactory()
    db.session.commit()
    return found


def new_product(member, *, status=DRAFT, variants=None, name="Keripik Tempe Sagu"):
    product = services.create_product(
        member=member,
        category=factories.category(),
        name=name,
        variants=variants
        or [VariantInput("Original", 15_000, 10), VariantInput("Pedas", 16_000, 4)],
        description="Renyah.\nTahan dua bulan.",
        unit="bungkus",
        weight_grams=250,
        status=status,
    )
    db.session.commit()
    return product


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


def edit(product, variants, **changes):
    values = {
        "product": product,
        "category": product.category,
        "name": product.name,
        "description": product.description,
        "unit": product.unit,
        "weight_grams": product.weight_grams,
        "status": product.status,
        "variants": variants,
    }
    return services.update_product(**(values | changes))


def kept(variant: ProductVariant, **changes) -> VariantInput:
    values = {
        "id": variant.id,
        "name": variant.name,
        "price": variant.price,
        "stock": variant.stock,
        "stock_seen": variant.stock,
    }
    return VariantInput(**(values | changes))


# --- create ------------------------------------------------------------------


def test_create_product_with_variants_keeps_summary_and_line_breaks(member):
    product = fresh(new_product(member))
    assert [(v.name, v.price, v.stock) for v in product.variants] == [
        ("Original", 15_000, 10),
        ("Pedas", 16_000, 4),
    ]
    assert (product.min_price, product.max_price, product.total_stock) == (15_000, 16_000, 14)
    assert product.description == "Renyah.\nTahan dua bulan."
    assert product.status == DRAFT and product.slug == "keripik-tempe-sagu"


def test_a_single_unnamed_variant_is_the_default_one(member):
    product = new_product(member, variants=[VariantInput("  ", 12_000, 3)])
    assert [v.name for v in fresh(product).variants] == ["Standar"]


@pytest.mark.parametrize(
    "variants, message",
    [
        ([], "setidaknya satu varian"),
        ([VariantInput("A", 0, 1)], "lebih dari Rp0"),
        ([VariantInput("A", 1_000_000_001, 1)], "paling tinggi"),
        ([VariantInput("A", 5_000, -1)], "tidak boleh negatif"),
        ([VariantInput("A", 5_000, 1), VariantInput("a", 6_000, 1)], "dua kali"),
        ([VariantInput("A", 5_000, 1), VariantInput("", 6_000, 1)], "Beri nama setiap varian"),
        ([VariantInput(f"V{i}", 5_000, 1) for i in range(21)], "Paling banyak 20"),
    ],
)
def test_create_refuses_bad_variants_and_writes_nothing(member, variants, message):
    with pytest.raises(CatalogError, match=message):
        services.create_product(
            member=member, category=factories.category(), name="Getuk", variants=variants
        )
    db.session.rollback()
    assert count(Product) == 0 and count(ProductVariant) == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": "   "}, "Nama produk wajib"),
        ({"name": "x" * 161}, "paling panjang 160"),
        ({"weight_grams": 0}, "Berat antara"),
        ({"unit": "u" * 31}, "Satuan paling panjang"),
    ],
)
def test_create_refuses_bad_details(member, fields, message):
    values = {"name": "Getuk", "variants": [VariantInput("", 5_000, 1)]} | fields
    with pytest.raises(CatalogError, match=message):
        services.create_product(member=member, category=factories.category(), **values)
    db.session.rollback()
    assert count(Product) == 0


# --- edit --------------------------------------------------------------------


def test_editing_keeps_variant_ids_adds_new_and_deletes_removed(member):
    product = new_product(member)
    original, pedas = product.variants
    original_id, pedas_id = original.id, pedas.id
    edit(
        product,
        [
            kept(pedas, name="Pedas Daun Jeruk", price=17_500),
            VariantInput("Balado", 18_000, 6),
        ],
        name="Keripik Tempe Sagu Super",
    )
    db.session.commit()
    product = fresh(product)
    assert next((v.id, v.name, v.price, v.stock, v.position) for v in product.variants) == (
        pedas_id,
        "Pedas Daun Jeruk",
        17_500,
        4,
        0,
    )
    assert product.variants[1].name == "Balado" and product.variants[1].id not in (
        original_id,
        pedas_id,
    )
    assert db.session.get(ProductVariant, original_id) is None
    assert (product.min_price, product.max_price, product.total_stock) == (17_500, 18_000, 10)
    assert product.slug == "keripik-tempe-sagu-super"


def test_editing_refuses_a_variant_of_another_product(member):
    product, other = new_product(member), new_product(member, name="Getuk Goreng")
    stranger = other.variants[0]
    with pytest.raises(NotFound):
        edit(product, [kept(product.variants[0]), kept(stranger)])
    db.session.rollback()
    assert fresh(other).variants[0].product_id == other.id
    assert len(fresh(product).variants) == 2


def sell(variant_id: int, quantity: int) -> None:
    """What checkout does: take stock with one conditional update."""
    db.session.execute(
        update(ProductVariant)
        .where(ProductVariant.id == variant_id, ProductVariant.stock >= quantity)
        .values(stock=ProductVariant.stock - quantity)
    )
    db.session.commit()


def test_an_untouched_stock_keeps_what_was_sold_meanwhile(member):
    product = new_product(member)
    seen = kept(product.variants[0])  # stock 10 when the form opened
    sell(seen.id, 3)
    edit(fresh(product), [seen, kept(fresh(product).variants[1])], name="Keripik Baru")
    db.session.commit()
    assert fresh(product).variants[0].stock == 7
    assert fresh(product).total_stock == 7 + 4


def test_a_changed_stock_after_a_sale_is_refused(member):
    product = new_product(member)
    seen = kept(product.variants[0], stock=50)  # member types 50, seeing 10
    sell(seen.id, 3)
    with pytest.raises(CatalogError, match="berubah menjadi 7"):
        edit(fresh(product), [seen, kept(fresh(product).variants[1])], name="Tidak disimpan")
    db.session.rollback()
    assert fresh(product).name == "Keripik Tempe Sagu"
    assert fresh(product).variants[0].stock == 7


def test_an_archived_product_cannot_be_edited(member):
    product = new_product(member, status=ACTIVE)
    services.archive_product(product=product)
    db.session.commit()
    with pytest.raises(CatalogError, match="Pulihkan"):
        edit(product, [kept(v) for v in product.variants], name="Baru")
    db.session.rollback()
    assert fresh(product).name == "Keripik Tempe Sagu"


# --- status ------------------------------------------------------------------

ALLOWED = {
    (DRAFT, ACTIVE),
    (DRAFT, ARCHIVED),
    (ACTIVE, DRAFT),
    (ACTIVE, ARCHIVED),
    (ARCHIVED, DRAFT),
}


@pytest.mark.parametrize("start", list(ProductStatus))
@pytest.mark.parametrize("target", list(ProductStatus))
def test_status_changes_follow_the_transitions(member, start, target):
    product = factories.ProductFactory(member=member, status=start)
    db.session.commit()
    if (start, target) in ALLOWED:
        services.set_status(product=product, status=target)
        db.session.commit()
        assert fresh(product).status == target
    else:
        with pytest.raises(InvalidTransition):
            services.set_status(product=product, status=target)
        db.session.rollback()
        assert fresh(product).status == start


@pytest.mark.parametrize(
    "start, service, end",
    [
        (ACTIVE, services.archive_product, ARCHIVED),
        (DRAFT, services.archive_product, ARCHIVED),
        (ARCHIVED, services.restore_product, DRAFT),
        (DRAFT, services.publish_product, ACTIVE),
    ],
)
def test_archive_restore_and_publish(member, start, service, end):
    product = factories.ProductFactory(member=member, status=start)
    service(product=product)
    db.session.commit()
    assert fresh(product).status == end


@pytest.mark.parametrize(
    "start, service",
    [
        (ACTIVE, services.restore_product),
        (DRAFT, services.restore_product),
        (ARCHIVED, services.archive_product),
        (ARCHIVED, services.publish_product),
        (ACTIVE, services.publish_product),
    ],
)
def test_refused_status_changes_write_nothing(member, start, service):
    product = factories.ProductFactory(member=member, status=start)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        service(product=product)
    db.session.rollback()
    assert fresh(product).status == start


def test_editing_can_publish_a_draft(member):
    product = new_product(member)
    edit(product, [kept(v) for v in product.variants], status=ACTIVE)
    db.session.commit()
    assert fresh(product).status == ACTIVE


# --- duplicate ---------------------------------------------------------------


def test_duplicate_is_a_draft_copy_with_variants_without_stock_or_photos(app, member):
    product = new_product(member, status=ACTIVE)
    product.images.append(ProductImage(thumb_key="products/a.webp", large_key="products/b.webp"))
    db.session.commit()
    copy = services.duplicate_product(product=product)
    db.session.commit()
    copy, product = fresh(copy), fresh(product)
    assert copy.id != product.id and copy.name == "Keripik Tempe Sagu (salinan)"
    assert copy.status == DRAFT and copy.member_id == member.id
    assert (copy.category_id, copy.description, copy.unit, copy.weight_grams) == (
        product.category_id,
        product.description,
        product.unit,
        product.weight_grams,
    )
    assert [(v.name, v.price, v.stock) for v in copy.variants] == [
        ("Original", 15_000, 0),
        ("Pedas", 16_000, 0),
    ]
    assert not {v.id for v in copy.variants} & {v.id for v in product.variants}
    assert copy.images == [] and len(product.images) == 1
    assert (copy.min_price, copy.max_price, copy.total_stock) == (15_000, 16_000, 0)
    assert product.total_stock == 14 and product.status == ACTIVE


def test_duplicate_of_a_long_name_stays_within_the_limit(member):
    product = new_product(member, name="K" * 160)
    copy = services.duplicate_product(product=product)
    assert len(copy.name) == 160 and copy.name.endswith(" (salinan)")


# --- quick update ------------------------------------------------------------


def test_bulk_update_saves_every_row_and_keeps_summaries(member):
    first, second = new_product(member), new_product(member, name="Getuk")
    a, b = first.variants
    c = second.variants[0]
    changed = services.update_variants(
        member=member,
        changes=[
            VariantChange(a.id, 14_000, 0, stock_seen=10),
            VariantChange(b.id, 16_000, 4, stock_seen=4),  # unchanged
            VariantChange(c.id, 9_000, 30, stock_seen=10),
        ],
    )
    db.session.commit()
    assert {v.id for v in changed} == {a.id, c.id}
    first, second = fresh(first), fresh(second)
    assert (first.min_price, first.max_price, first.total_stock) == (14_000, 16_000, 4)
    assert (second.min_price, second.total_stock) == (9_000, 30 + 4)


def test_bulk_update_is_all_or_nothing_with_a_reason_per_row(member):
    product = new_product(member)
    a, b = product.variants
    with pytest.raises(BulkUpdateRefused) as refused:
        services.update_variants(
            member=member,
            changes=[
                VariantChange(a.id, 20_000, 99, stock_seen=10),
                VariantChange(b.id, 0, -2, stock_seen=4),
            ],
        )
    db.session.rollback()
    assert set(refused.value.problems) == {b.id}
    assert refused.value.problems[b.id] == [
        "Harga harus lebih dari Rp0.",
        "Stok tidak boleh negatif.",
    ]
    product = fresh(product)
    assert [(v.price, v.stock) for v in product.variants] == [(15_000, 10), (16_000, 4)]
    assert product.total_stock == 14


def test_bulk_update_refuses_a_stock_changed_by_a_sale(member):
    product = new_product(member)
    a = product.variants[0]
    sell(a.id, 2)
    with pytest.raises(BulkUpdateRefused) as refused:
        services.update_variants(member=member, changes=[VariantChange(a.id, 15_000, 25, 10)])
    db.session.rollback()
    assert "berubah menjadi 8" in refused.value.problems[a.id][0]
    assert fresh(product).variants[0].stock == 8


@pytest.mark.parametrize("whose", ["other member", "archived"])
def test_bulk_update_does_not_find_variants_that_are_not_the_members(member, whose):
    if whose == "other member":
        product = factories.ProductFactory()
    else:
        product = factories.ProductFactory(member=member, status=ARCHIVED)
    db.session.commit()
    variant = product.variants[0]
    with pytest.raises(NotFound):
        services.update_variants(member=member, changes=[VariantChange(variant.id, 1, 1)])
    db.session.rollback()
    assert fresh(product).variants[0].price == 15_000


# --- photos ------------------------------------------------------------------


@pytest.fixture
def store(app) -> LocalStorage:
    return LocalStorage(app.config["UPLOAD_DIR"])


def files_in(store: LocalStorage) -> list[Path]:
    return sorted(path for path in store.root.rglob("*") if path.is_file())


def test_photos_are_added_in_order_and_stored(member, store):
    product = new_product(member)
    photos.add_photos(product=product, uploads=[jpeg(40), jpeg(50)], store=store)
    db.session.commit()
    images = fresh(product).images
    assert [p.position for p in images] == [0, 1]
    assert all((store.root / p.thumb_key).is_file() for p in images)
    assert all(p.thumb_key.startswith("products/") for p in images)
    assert len({p.thumb_key for p in images} | {p.large_key for p in images}) == 4
    assert len(files_in(store)) == 4


def test_a_refused_photo_leaves_no_row_and_no_file(member, store):
    product = new_product(member)
    with pytest.raises(CatalogError, match="Foto ke-2"):
        photos.add_photos(product=product, uploads=[jpeg(), b"<svg></svg>"], store=store)
    db.session.rollback()
    assert count(ProductImage) == 0 and files_in(store) == []


def test_no_more_than_eight_photos(member, store):
    product = new_product(member)
    photos.add_photos(product=product, uploads=[jpeg()] * 7, store=store)
    db.session.commit()
    with pytest.raises(CatalogError, match="masih bisa 1 foto lagi"):
        photos.add_photos(product=product, uploads=[jpeg(), jpeg()], store=store)
    db.session.rollback()
    photos.add_photos(product=product, uploads=[jpeg()], store=store)
    db.session.commit()
    with pytest.raises(CatalogError, match="hapus foto lama dulu"):
        photos.add_photos(product=product, uploads=[jpeg()], store=store)
    db.session.rollback()
    assert count(ProductImage) == 8 and len(files_in(store)) == 16


def test_photos_move_become_cover_and_are_deleted(member, store):
    product = new_product(member)
    a, b, c = photos.add_photos(product=product, uploads=[jpeg()] * 3, store=store)
    photos.move_photo(product=product, photo=c, offset=-1)
    assert [p.id for p in fresh(product).images] == [a.id, c.id, b.id]
    photos.set_cover(product=product, photo=b)
    db.session.commit()
    assert [(p.id, p.position) for p in fresh(product).images] == [(b.id, 0), (a.id, 1), (c.id, 2)]
    assert fresh(product).cover_image.id == b.id
    with pytest.raises(CatalogError, match="ujung"):
        photos.move_photo(product=product, photo=fresh(product).images[0], offset=-1)
    db.session.rollback()
    product = fresh(product)
    keys = photos.delete_photo(product=product, photo=product.images[0])
    db.session.commit()
    assert keys == [b.thumb_key, b.large_key]
    assert [(p.id, p.position) for p in fresh(product).images] == [(a.id, 0), (c.id, 1)]


def test_a_photo_of_another_product_is_not_found(member, store):
    product, other = new_product(member), new_product(member, name="Getuk")
    (photo,) = photos.add_photos(product=other, uploads=[jpeg()], store=store)
    db.session.commit()
    for change in (photos.set_cover, photos.delete_photo):
        with pytest.raises(NotFound):
            change(product=product, photo=photo)
    db.session.rollback()
    assert fresh(other).images[0].id == photo.id


# --- concurrency (PostgreSQL: real row locks) ----------------------------------


def _sell_elsewhere(engine, variant_id: int, quantity: int, done: list) -> None:
    """A checkout in another connection, taking stock with its conditional update."""
    with engine.begin() as connection:
        connection.execute(
            update(ProductVariant)
            .where(ProductVariant.id == variant_id, ProductVariant.stock >= quantity)
            .values(stock=ProductVariant.stock - quantity)
        )
    done.append(True)


@pytest.mark.postgres
@pytest.mark.parametrize("service", ["bulk", "edit"])
def test_a_sale_between_reading_and_writing_the_stock_is_not_lost(
    app, member, service, monkeypatch
):
    """A checkout comes in after the service read the stock it checks and
    before it writes the new one: it has to wait for the member's update,
    then takes its stock from the new value."""
    product = new_product(member)
    variant = product.variants[0]
    done: list = []
    sale = threading.Thread(target=_sell_elsewhere, args=(db.engine, variant.id, 3, done))
    check = services._stock_after

    def check_then_sell(current, wanted, seen):
        if not sale.is_alive() and not done:
            sale.start()
            sale.join(timeout=0.5)
        return check(current, wanted, seen)

    monkeypatch.setattr(services, "_stock_after", check_then_sell)
    if service == "bulk":
        services.update_variants(
            member=member, changes=[VariantChange(variant.id, 15_000, 25, stock_seen=10)]
        )
    else:
        edit(product, [kept(variant, stock=25), kept(product.variants[1])])
    assert sale.is_alive() and not done  # the sale waits on the locked row
    db.session.commit()
    sale.join(timeout=10)
    assert done and fresh(product).variants[0].stock == 25 - 3
