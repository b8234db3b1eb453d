"""The catalog blueprint: public pages, and nested under it the member's
listing management, certificates and link previews."""

from marketplace.catalog.views.certificates import blueprint as certificates
from marketplace.catalog.views.manage import blueprint as manage
from marketplace.catalog.views.previews import blueprint as previews
from marketplace.catalog.views.public import blueprint

blueprint.register_blueprint(manage)
blueprint.register_blueprint(certificates)
blueprint.register_blueprint(previews)

__all__ = ["blueprint"]
