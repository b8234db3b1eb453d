"""certificate products: the products a shop's certificate covers, each
verified by an admin, so that a badge on a product is a claim about that
product (issue 12, "Badges that tell the truth")

Revision ID: 0015_certificate_products
Revises: 0014_search_ranked
Create Date: 2026-12-10 09:00:00.000000

Until now a certificate of the whole shop (no product) was shown as a badge
on every product of the shop, reviewed or not. From now on it is the shop's
badge; a product shows it only through a row here that an admin verified.

Backfill: the products a shop's certificate used to badge become rows here,
*unverified*: what the member once claimed waits in the admin's queue
("Produk menunggu") instead of being lost or shown unchecked. Archived
products are left out (they were not shown). A certificate that names its
product needs no row: the admin verified the product with the certificate.
Laik Higiene certifies the place of production, so one recorded for a
product becomes the shop's (product_id emptied): it is about the premises,
whatever product it was filed under. The downgrade drops the table and
leaves those certificates with the shop.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_certificate_products"
down_revision = "0014_search_ranked"
branch_labels = None
depends_on = None

LAIK_HIGIENE = "laik-higiene"

# The tables as this revision finds them (not the models: they move on).
certificates = sa.table(
    "certificates",
    sa.column("id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("product_id", sa.Integer),
    sa.column("kind", sa.String),
)
products = sa.table(
    "products",
    sa.column("id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("status", sa.String),
)
certificate_products = sa.table(
    "certificate_products",
    sa.column("certificate_id", sa.Integer),
    sa.column("product_id", sa.Integer),
)


def upgrade():
    op.create_table(
        "certificate_products",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_products_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_certificate_products_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_products_verified_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "certificate_id", "product_id", name=op.f("pk_certificate_products")
        ),
    )
    with op.batch_alter_table("certificate_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_products_product_id"), ["product_id"], unique=False
        )

    op.execute(
        certificates.update()
        .where(certificates.c.kind == LAIK_HIGIENE, certificates.c.product_id.is_not(None))
        .values(product_id=None)
    )
    op.execute(
        certificate_products.insert().from_select(
            ["certificate_id", "product_id"],
            sa.select(certificates.c.id, products.c.id)
            .join(products, products.c.member_id == certificates.c.member_id)
            .where(
                certificates.c.product_id.is_(None),
                certificates.c.kind != LAIK_HIGIENE,
                products.c.status != "archived",
            ),
        )
    )


def downgrade():
    with op.batch_alter_table("certificate_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_products_product_id"))
    op.drop_table("certificate_products")
