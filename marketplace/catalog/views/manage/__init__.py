"""A member's own listings under /kelola (endpoints catalog.manage.*), one
module per part of the work: products (dashboard, create and edit, status
actions, quick stock and price update), photos, and the CSV import.
Importing a module adds its routes to the one blueprint."""

from marketplace.catalog.views.manage import imports, photos, printing, products
from marketplace.catalog.views.manage.base import blueprint

__all__ = ["blueprint", "imports", "photos", "printing", "products"]
