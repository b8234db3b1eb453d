"""Absolute URLs, from PUBLIC_URL only.

A link that leaves the page (an email, the API's `url`, a WhatsApp message,
an OpenGraph tag, the sitemap) is built from the shop's configured address,
never from the Host header of the request that happened to cause it: a
forged Host must not turn a password-reset link into the attacker's site,
nor reach a cached page served to everyone. Relative links inside pages keep
using `url_for`."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def public_url(endpoint: str, **values: Any) -> str:
    """`https://pasar.aspikmas.id/produk/12-keripik` for `catalog.product`,
    inside or outside a request (cron jobs send email too)."""
    return public_urls()(endpoint, **values)


# app.extensions: {PUBLIC_URL: the URL map bound to it}. Binding is about a
# fifth of what an address costs (4 of 21 µs), and a shop page builds some
# 35 (its JSON-LD names every product): bound once per app and address.
ADAPTERS = "public_url_adapters"


def _adapter(public: str) -> MapAdapter:
    adapters: dict[str, MapAdapter] = current_app.extensions.setdefault(ADAPTERS, {})
    if public not in adapters:
        base = urlsplit(public)
        adapters[public] = current_app.url_map.bind(
            base.netloc,
            script_name=base.path.rstrip("/") or "/",
            url_scheme=base.scheme or "https",
        )
    return adapters[public]


def public_urls() -> Callable[..., str]:
    """`public_url` bound to PUBLIC_URL, for many addresses in a row (the
    sitemap builds one per product)."""
    adapter = _adapter(current_app.config["PUBLIC_URL"])

    def build(endpoint: str, **values: Any) -> str:
        anchor = values.pop("_anchor", None)
        url = adapter.build(endpoint, values, force_external=True)
        return f"{url}#{anchor}" if anchor else url

    return build
