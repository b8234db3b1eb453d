"""The treasurer's pages under /bendahara, one module per part of the work;
importing a module adds its routes to the one blueprint."""

import marketplace.treasury.views.dashboard  # noqa: F401
from marketplace.treasury.views import payments  # noqa: F401
from marketplace.treasury.views.base import blueprint

__all__ = ["blueprint"]
