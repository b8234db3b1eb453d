"""The chapter officer's pages under /cabang (endpoints chapters.*), one
module per part of the work: the chapter itself (dashboard, CSV files,
membership applications) and assisted selling (listings a member's officer
makes, edits and restocks on the member's behalf). Importing a module adds
its routes to the one blueprint."""

from marketplace.chapters.views import helping, pages
from marketplace.chapters.views.base import blueprint

__all__ = ["blueprint", "helping", "pages"]
