"""factory_boy factories bound to db.session; they flush, the test commits."""

from datetime import UTC, datetime, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from flask.testing import FlaskClient
from slugify import slugify

from marketplace.accounts.models import Role, User, UserRole
from marketplace.accounts.passwords import hash_password
from marketplace.accounts.sessions import start_login
from marketplace.catalog.models import Category, Product, ProductStatus, ProductVariant
from marketplace.catalog.services import refresh_summary
from marketplace.extensions import db
from marketplace.members.models import Kecamatan, Member, MemberStatus

PASSWORD = "rahasia-123"
_password_hash: list[str] = []


def password_hash() -> str:
    """Hash the test password once: argon2 is slow on purpose."""
    if not _password_hash:
        _password_hash.append(hash_password(PASSWORD))
    return _password_hash[0]


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.id")
    name = factory.Faker("name", locale="id_ID")
    whatsapp = factory.Sequence(lambda n: f"62812{n:07d}")
    password_hash = factory.LazyFunction(password_hash)
    email_verified_at = factory.LazyFunction(lambda: datetime.now(UTC))

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        for role in extracted or [Role.SHOPPER]:
            user.role_rows.append(UserRole(role=role))


def log_in(client: FlaskClient, user: User, *, remember: bool = False) -> str:
    """Log the test client in as `user` through a real login row, as the
    login page does; commits. Returns the login key the cookies carry."""
    start_login(
        user=user,
        remember=remember,
        lifetime=timedelta(days=1),
        user_agent="pytest",
        now=datetime.now(UTC),
    )
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return user.get_id()


def kecamatan(slug: str = "sokaraja") -> Kecamatan:
    return db.session.scalars(db.select(Kecamatan).where(Kecamatan.slug == slug)).one()


def category(slug: str = "makanan-minuman") -> Category:
    return db.session.scalars(db.select(Category).where(Category.slug == slug)).one()


class MemberFactory(BaseFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory, roles=[Role.MEMBER])
    kecamatan = factory.LazyFunction(kecamatan)
    shop_name = factory.Sequence(lambda n: f"Toko Contoh {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.shop_name))
    owner_name = factory.Faker("name", locale="id_ID")
    desa = "Karangrau"
    address = "Jl. Contoh No. 1"
    whatsapp = factory.Sequence(lambda n: f"62813{n:07d}")
    description = "Usaha rumahan di Banyumas."
    status = MemberStatus.APPROVED


class VariantFactory(BaseFactory):
    class Meta:
        model = ProductVariant

    name = "Standar"
    price = 15_000
    stock = 10


class ProductFactory(BaseFactory):
    """A product with one variant (pass `variants=[...]` for more)."""

    class Meta:
        model = Product

    member = factory.SubFactory(MemberFactory)
    category = factory.LazyFunction(category)
    name = factory.Sequence(lambda n: f"Keripik Tempe Contoh {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "Keripik tempe renyah khas Banyumas."
    unit = "bungkus"
    status = ProductStatus.ACTIVE

    @factory.post_generation
    def variants(product, create, extracted, **kwargs):
        for position, variant in enumerate(extracted or [VariantFactory.build()]):
            variant.position = position
            product.variants.append(variant)
        refresh_summary(product)
        db.session.flush()
