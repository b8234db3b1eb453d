"""Writes to categories by the association admin: the commission rate on
sales in a category. Flushes, never commits."""

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditAction
from marketplace.catalog.models import Category
from marketplace.catalog.services import CatalogError
from marketplace.core.money import is_rate
from marketplace.extensions import db


def set_category_commission(*, category: Category, rate_bps: int | None, by: User) -> Category:
    """The commission on sales in `category`, in basis points (250 = 2,5 %);
    None clears it, so the default applies. A member's own rate still comes
    first (orders.services.commission_rate); past orders keep their snapshot."""
    if rate_bps is not None and not is_rate(rate_bps):
        raise CatalogError("Komisi harus antara 0 % dan 100 %.")
    before = category.commission_bps
    category.commission_bps = rate_bps
    if before != rate_bps:
        audit.record(
            actor=by,
            action=AuditAction.COMMISSION_CHANGED,
            subject=("category", category.id),
            summary=f"Komisi kategori {category.name} diubah",
            before={"commission_bps": before},
            after={"commission_bps": rate_bps},
        )
    db.session.flush()
    return category
