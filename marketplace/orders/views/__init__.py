"""The orders blueprint: cart, checkout and the shopper's orders, and nested
under it the member's fulfilment pages and the reviews."""

from marketplace.orders.views.fulfilment import blueprint as fulfilment
from marketplace.orders.views.reviews import blueprint as reviews
from marketplace.orders.views.shop import blueprint

blueprint.register_blueprint(fulfilment)
blueprint.register_blueprint(reviews)

__all__ = ["blueprint"]
