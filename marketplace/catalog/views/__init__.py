"""The catalog blueprint: public pages, and nested under it the member's
listing management, certificates, link previews and what search engines
read."""

from marketplace.catalog.views.certificates import blueprint as certificates
from marketplace.catalog.views.crawlers import blueprint as crawlers
from marketplace.catalog.views.manage import blueprint as manage
from marketplace.catalog.views.previews import blueprint as previews
from marketplace.catalog.views.public import blueprint

blueprint.register_blueprint(manage)
blueprint.register_blueprint(certificates)
blueprint.register_blueprint(previews)
blueprint.register_blueprint(crawlers)

__all__ = ["blueprint"]
