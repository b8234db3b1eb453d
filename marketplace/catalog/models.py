from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Timestamp
from marketplace.extensions import Model
from marketplace.members.models import Member


class Category(Model):
    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint(
            "commission_bps IS NULL OR (commission_bps >= 0 AND commission_bps <= 10000)",
            name="commission_bps_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    # Commission on sales in this category, in basis points; None: the default.
    commission_bps: Mapped[int | None]


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Product(Model):
    """A member's product. Price and stock live on its variants; `min_price`,
    `max_price` and `total_stock` summarise them for browsing and are kept in
    step by `catalog.services.refresh_summary` whenever variants change."""

    __tablename__ = "products"
    __table_args__ = (
        # Browsing reads these indexes alone (see catalog.queries.listing_*):
        # the facet counts, and one per sort order to find a page's ids.
        Index(
            "ix_products_listing",
            "status",
            "member_id",
            "category_id",
            "min_price",
            "max_price",
            "total_stock",
        ),
        Index("ix_products_newest", "status", "created_at", "id", "member_id", "category_id"),
        Index("ix_products_cheapest", "status", "min_price", "id", "member_id", "category_id"),
        Index("ix_products_dearest", "status", "max_price", "id", "member_id", "category_id"),
        Index("ix_products_popular", "status", "sold_count", "id", "member_id", "category_id"),
        Index("ix_products_category_id", "category_id"),
        CheckConstraint("total_stock >= 0", name="total_stock_not_negative"),
        CheckConstraint(
            "rating_count >= 0 AND rating_sum >= rating_count AND rating_sum <= 5 * rating_count",
            name="rating_sum_within_count",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(180))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    unit: Mapped[str] = mapped_column(String(30), default="pcs", server_default="pcs")
    weight_grams: Mapped[int | None]
    status: Mapped[ProductStatus] = mapped_column(
        String(20), default=ProductStatus.DRAFT, server_default=ProductStatus.DRAFT.value
    )
    min_price: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    max_price: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_stock: Mapped[int] = mapped_column(default=0, server_default="0")
    sold_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # The visible reviews' count and the sum of their stars, moved by the
    # review services (orders.reviews) in the same transaction as the review.
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    updated_at: Mapped[Timestamp] = mapped_column(server_default=func.now(), onupdate=func.now())

    member: Mapped[Member] = relationship()
    category: Mapped[Category] = relationship()
    variants: Mapped[list["ProductVariant"]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="ProductVariant.position, ProductVariant.id",
    )
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="ProductImage.position, ProductImage.id",
    )
    cover_image: Mapped["ProductImage | None"] = relationship(
        primaryjoin=lambda: and_(ProductImage.product_id == Product.id, ProductImage.position == 0),
        viewonly=True,
        uselist=False,
    )

    @property
    def in_stock(self) -> bool:
        return self.total_stock > 0

    @property
    def has_price_range(self) -> bool:
        return self.min_price != self.max_price

    @property
    def rating_average(self) -> float | None:
        return average_rating(self.rating_count, self.rating_sum)


def average_rating(count: int, stars: int) -> float | None:
    """The mean of `count` visible reviews' `stars`, to one decimal; None
    before the first."""
    return round(stars / count, 1) if count else None


@dataclass(frozen=True)
class ShopRating:
    """A shop's visible reviews over its public products, shown as a product's are."""

    rating_count: int
    rating_sum: int

    @property
    def rating_average(self) -> float | None:
        return average_rating(self.rating_count, self.rating_sum)


class ListingCount(Model):
    """How many active products each member has in each category, kept by
    triggers on `products` (migration 0027) in the same transaction as any
    change of a product's status, member or category, however it is made.
    The catalog's facet counts add these up (a few thousand rows) instead
    of counting 100,000 products per page; whether the member is approved
    is read at the page, so suspending one changes no row here. Never
    written by the app."""

    __tablename__ = "listing_counts"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    active_products: Mapped[int] = mapped_column(default=0, server_default="0")


class ProductVariant(Model):
    __tablename__ = "product_variants"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    price: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(default=0, server_default="0")
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    product: Mapped[Product] = relationship(back_populates="variants")


class ProductImage(Model):
    """A product photo, stored twice through the storage: a thumbnail for
    cards and a large size for the product page. Position 0 is the cover."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    thumb_key: Mapped[str] = mapped_column(String(200))
    large_key: Mapped[str] = mapped_column(String(200))
    alt: Mapped[str] = mapped_column(String(200), default="", server_default="")

    product: Mapped[Product] = relationship(back_populates="images")


class CertificateKind(StrEnum):
    PIRT = "pirt"
    HALAL = "halal"
    BPOM_MD = "bpom-md"
    BPOM_ML = "bpom-ml"
    LAIK_HIGIENE = "laik-higiene"


CERTIFICATE_LABELS = {
    CertificateKind.PIRT: "P-IRT",
    CertificateKind.HALAL: "Halal",
    CertificateKind.BPOM_MD: "BPOM MD",
    CertificateKind.BPOM_ML: "BPOM ML",
    CertificateKind.LAIK_HIGIENE: "Laik Higiene",
}

# Laik Higiene certifies the place of production: it is always the shop's,
# never a product's. The other kinds can name products (a product badge).
SHOP_ONLY_KINDS = frozenset({CertificateKind.LAIK_HIGIENE})
PRODUCT_KINDS = tuple(kind for kind in CertificateKind if kind not in SHOP_ONLY_KINDS)


class CertificateStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Certificate(Model):
    """A hygiene or food-safety certificate that names one product, or of the
    whole shop when `product_id` is empty. Shown once an admin has verified
    it, until it expires: a certificate naming a product as that product's
    badge; a shop's as the shop's badge ("Toko bersertifikat Halal"), and as
    a product's badge only for the products it covers (`covered_products`)
    that an admin has verified."""

    __tablename__ = "certificates"
    __table_args__ = (
        Index("ix_certificates_kind_status_expires_on", "kind", "status", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CertificateKind] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(120))
    expires_on: Mapped[date | None] = mapped_column(Date)
    scan_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[CertificateStatus] = mapped_column(
        String(20),
        default=CertificateStatus.PENDING,
        server_default=CertificateStatus.PENDING.value,
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[Timestamp | None]
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    member: Mapped[Member] = relationship()
    product: Mapped[Product | None] = relationship()
    covered_products: Mapped[list["CertificateProduct"]] = relationship(
        back_populates="certificate", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return CERTIFICATE_LABELS[CertificateKind(self.kind)]

    @property
    def is_shop_only(self) -> bool:
        return CertificateKind(self.kind) in SHOP_ONLY_KINDS


class CertificateProduct(Model):
    """A product that a shop's certificate covers, as its member ticked it.
    The product shows the badge only once an admin has read the product on
    the scan (`verified_at`), and only while the certificate itself shows.
    A member's new tick, or a correction of the certificate, waits for the
    admin again."""

    __tablename__ = "certificate_products"

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    verified_at: Mapped[Timestamp | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    certificate: Mapped[Certificate] = relationship(back_populates="covered_products")
    product: Mapped[Product] = relationship()

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class ProductChangeKind(StrEnum):
    ASSISTED = "assisted"  # a chapter officer changed it for the member
    DRAFTED = "drafted"  # a campus mentor drafted the listing for the member
    SUGGESTION = "suggestion"  # a campus mentor's improvement the member may take up


# What a campus mentor writes; the member reads it apart from the officers' changes.
MENTOR_KINDS = (ProductChangeKind.DRAFTED, ProductChangeKind.SUGGESTION)


class ProductChange(Model):
    """Someone other than the member acting on the member's product: a
    chapter officer's assisted change, a campus mentor's draft or
    suggestion. Who (`changed_by`), on whose behalf (`member_id`), as what
    (`acting_as`, in the member's words: "Pengurus Kecamatan Ajibarang",
    "Pendamping kampus Unsoed"), when and what. The member reads them on the
    product; a member's own edits are not recorded here. Never deleted."""

    __tablename__ = "product_changes"
    __table_args__ = (Index("ix_product_changes_product_id", "product_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[ProductChangeKind] = mapped_column(String(20))
    acting_as: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[Timestamp] = mapped_column(server_default=func.now())

    product: Mapped[Product] = relationship()
    changed_by: Mapped[User] = relationship()

    @property
    def is_mentors(self) -> bool:
        return self.kind in MENTOR_KINDS


REVIEW_TEXT_LENGTH = 2000
REVIEW_REPLY_LENGTH = 1000
REVIEW_REASON_LENGTH = 500


class Review(Model):
    """A buyer's stars and words on one order line they received (one per
    line), and the member's one public reply. An abusive review is hidden
    by an admin, never deleted: who hid it, when and why stay on the row.
    The order line is named by its table (orders sit above the catalog);
    `orders.reviews` decides who may write one."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        Index(
            "ix_reviews_product_id_hidden_at_created_at", "product_id", "hidden_at", "created_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), unique=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The buyer's first name as shown under the review, copied when written.
    buyer_name: Mapped[str] = mapped_column(String(60))
    rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    reply: Mapped[str] = mapped_column(Text, default="", server_default="")
    replied_at: Mapped[Timestamp | None]
    hidden_at: Mapped[Timestamp | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    product: Mapped[Product] = relationship()
    photos: Mapped[list["ReviewPhoto"]] = relationship(
        back_populates="review",
        order_by="ReviewPhoto.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def has_reply(self) -> bool:
        return self.replied_at is not None


class ReviewPhoto(Model):
    """A photo under a review (at most orders.reviews.MAX_PHOTOS), stored
    once through the storage at the large size, with that size's pixels so
    pages reserve its box; the thumbnails are its responsive variants
    (core.variants). Served by /media only while its review is visible."""

    __tablename__ = "review_photos"
    __table_args__ = (UniqueConstraint("review_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    width: Mapped[int]
    height: Mapped[int]

    review: Mapped[Review] = relationship(back_populates="photos")


class ReviewReport(Model):
    """Someone logged in found a review abusive: one report per person and
    review, for the admin's list. Not a catalog row: a report changes no
    public page (cache.CATALOG_MODELS)."""

    __tablename__ = "review_reports"
    __table_args__ = (UniqueConstraint("review_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    # When an admin dealt with the review (hid it or let it stand).
    handled_at: Mapped[Timestamp | None]
