"""What no request may carry, refused before any view reads it.

- Control characters. PostgreSQL refuses NUL in text (a 500 wherever one
  reaches a query), and no page of the shop ever sends one, nor any other
  C0 control character: a request with one in its path, its query string or
  its form fields (names or values; not the contents of uploaded files) is
  answered 400 with the Indonesian error page. Tab, CR and LF are let
  through in values, where a text area (or a pasted search) has them.
- Ids too large for their column. Every `<int:...>` of every route takes
  ASCII digits up to 2^31-1 (ids are INTEGER columns); anything else is not
  a route, so 404. Werkzeug's own `int` also takes `١٢٣` and any size."""

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map, ValidationError

from marketplace.core.numbers import MAX_INTEGER, as_whole

# C0 control characters but tab, LF and CR; and all of them.
_CONTROL_IN_VALUES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL = re.compile(r"[\x00-\x1f]")


class IdConverter(IntegerConverter):
    """`<int:part_id>`: ASCII digits, at most MAX_INTEGER unless a rule says
    `int(max=...)` (`min`, `signed` and `fixed_digits` work as Werkzeug's)."""

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,  # Werkzeug's argument names
        max: int | None = MAX_INTEGER,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        limit = max(abs(self.min or 0), self.max if self.max is not None else MAX_INTEGER)
        if as_whole(value.removeprefix("-"), maximum=limit) is None:
            raise ValidationError()
        return super().to_python(value)


def refuse_control_characters() -> None:
    """before_request: 400 for a control character in the path, the query
    string or the form (see the module's docstring)."""
    if _CONTROL.search(request.path):
        abort(400)
    # Only what the request carries: most have no query string, and a GET no
    # form (looking at `request.form` would parse for nothing).
    sources = [request.args] if request.query_string else []
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sources.append(request.form)  # the view parses it anyway
    for fields in sources:
        for name, value in fields.items(multi=True):
            if _CONTROL.search(name) or _CONTROL_IN_VALUES.search(value):
                abort(400)
