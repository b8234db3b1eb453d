"""The treasurer's pages under /bendahara, one module per part of the work;
importing a module adds its routes to the one blueprint."""

from marketplace.treasury.views import (
    books,
    cards,
    dashboard,
    member_statements,
    payments,
    payouts,
    reports,
    statements,
)
from marketplace.treasury.views.base import blueprint

__all__ = [
    "blueprint",
    "books",
    "cards",
    "dashboard",
    "member_statements",
    "payments",
    "payouts",
    "reports",
    "statements",
]
