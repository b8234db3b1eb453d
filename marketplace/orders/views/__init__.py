"""The orders blueprint: cart, checkout and the shopper's orders, and nested
under it the member's fulfilment pages."""

from marketplace.orders.views.fulfilment import blueprint as fulfilment
from marketplace.orders.views.shop import blueprint

blueprint.register_blueprint(fulfilment)

__all__ = ["blueprint"]
