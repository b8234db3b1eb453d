"""The treasurer's pages under /bendahara, one module per part of the work;
importing a module adds its routes to the one blueprint."""

from marketplace.treasury.views import books, dashboard, payments, payouts, reports
from marketplace.treasury.views.base import blueprint

__all__ = ["blueprint", "books", "dashboard", "payments", "payouts", "reports"]
