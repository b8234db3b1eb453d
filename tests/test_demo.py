"""`flask seed-demo`: a realistic demo shop, seeded once, with photos on disk."""

from datetime import date
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import verify_password
from marketplace.catalog.models import (
    Category,
    Certificate,
    CertificateStatus,
    Product,
    ProductStatus,
)
from marketplace.catalog.queries import is_public
from marketplace.core.storage import LocalStorage, storage
from marketplace.demo.people import LOGINS, MEMBER_LOGIN
from marketplace.demo.seed import RecordingStorage, seed_demo_data
from marketplace.extensions import db
from marketplace.members.models import Member, MemberStatus


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def public_products() -> list[Product]:
    statement = (
        select(Product)
        .join(Product.member)
        .where(is_public())
        .options(selectinload(Product.variants), selectinload(Product.images))
    )
    return list(db.session.scalars(statement))


def test_seed_demo_builds_a_shop_with_members_products_and_photos(app, runner):
    result = runner.invoke(args=["seed-demo", "--products", "60"])

    assert result.exit_code == 0, result.output
    for login in LOGINS:
        assert login.email in result.output and login.password in result.output
        user = db.session.scalars(select(User).where(User.email == login.email)).one()
        assert user.roles == {login.role}
        assert verify_password(user.password_hash, login.password)

    approved = list(
        db.session.scalars(select(Member).where(Member.status == MemberStatus.APPROVED))
    )
    assert len(approved) >= 40
    assert len({member.kecamatan_id for member in approved}) >= 20
    assert all(member.whatsapp.startswith("628") for member in approved)
    shop = db.session.scalars(
        select(Member).join(Member.user).where(User.email == MEMBER_LOGIN.email)
    ).one()
    assert shop.status == MemberStatus.APPROVED

    products = public_products()
    assert len(products) >= 50
    assert any(product.member_id == shop.id for product in products)
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    for product in products:
        assert product.variants and all(variant.price > 0 for variant in product.variants)
        assert product.min_price == min(variant.price for variant in product.variants)
        assert "\n" in product.description
        cover = product.images[0]
        assert cover.position == 0
        assert storage.path(cover.thumb_key).is_file()
        assert storage.path(cover.large_key).is_file()
    with Image.open(storage.path(products[0].images[0].thumb_key)) as thumb:
        assert thumb.size == (320, 320)


def test_seed_demo_never_seeds_twice(app, runner):
    assert runner.invoke(args=["seed-demo", "--products", "5"]).exit_code == 0
    before = (count(User), count(Member), count(Product))
    uploads = sorted(Path(app.config["UPLOAD_DIR"]).rglob("*"))

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0
    assert "sudah ada" in again.output
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0

    assert (count(User), count(Member), count(Product)) == before
    assert sorted(Path(app.config["UPLOAD_DIR"]).rglob("*")) == uploads


def test_seed_demo_is_deterministic(app, tmp_path):
    def shop_window() -> list[tuple]:
        store = RecordingStorage(LocalStorage(tmp_path / "determinism"))
        seed_demo_data(storage=store, members=5, products=12)
        rows = db.session.execute(
            select(
                Product.name, Product.min_price, Product.max_price, Product.total_stock
            ).order_by(Product.id)
        ).all()
        db.session.rollback()
        store.delete_saved()
        return [tuple(row) for row in rows]

    first = shop_window()
    assert len(first) == 12
    assert shop_window() == first


def test_full_demo_has_hundreds_of_public_products_in_every_category(app, runner):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    products = db.session.scalars(select(Product).join(Product.member).where(is_public())).all()
    assert len(products) >= 250
    assert {product.category_id for product in products} == set(
        db.session.scalars(select(Category.id))
    )
    statuses = set(db.session.scalars(select(Product.status).distinct()))
    assert {ProductStatus.DRAFT, ProductStatus.ARCHIVED} <= statuses


def test_demo_has_certificates_in_every_state_with_private_scans(app, runner):
    result = runner.invoke(args=["seed-demo", "--members", "12", "--products", "60"])
    assert result.exit_code == 0, result.output

    rows = db.session.scalars(select(Certificate)).all()
    assert {row.status for row in rows} == set(CertificateStatus)
    assert any(row.expires_on and row.expires_on < date.today() for row in rows), "an expired one"
    assert any(row.rejection_reason for row in rows if row.status == CertificateStatus.REJECTED)
    assert all(row.scan_key.startswith("certificates/") for row in rows)
    assert all(storage().path(row.scan_key).is_file() for row in rows)
