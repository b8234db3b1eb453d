"""A schema check of schema.org JSON-LD, as search engines read it: the
fields each type needs, typed; prices as whole rupiah in IDR; availability
and days as schema.org addresses; every address absolute, on PUBLIC_URL
(the tests' `https://pasar.aspikmas.test`). `blocks(html)` parses a page's
JSON-LD and fails the test on any problem."""

import json
import re
from typing import Any

PUBLIC = "https://pasar.aspikmas.test/"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
SCHEMA_URL = re.compile(r"https://schema\.org/[A-Z][A-Za-z]+")
CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
AVAILABILITY = {"https://schema.org/InStock", "https://schema.org/OutOfStock"}
CONDITION = {"https://schema.org/NewCondition"}


# --- the schema check ---------------------------------------------------------------


def absolute(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PUBLIC)


def absolute_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(absolute(url) for url in value)


def text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def rupiah(value: Any) -> bool:
    """A plain whole number: no "Rp", no separator, no float, no bool."""
    return type(value) is int and value >= 0


def one_of(*allowed: str):
    return lambda value: value in allowed


def typed(*types: str):
    return lambda value: isinstance(value, dict) and value.get("@type") in types


OFFER = {
    "price": rupiah,
    "priceCurrency": one_of("IDR"),
    "availability": one_of(*AVAILABILITY),
    "itemCondition": one_of(*CONDITION),
    "url": absolute,
}
# What each type must hold, and what its value must be.
REQUIRED = {
    "Product": {
        "name": text,
        "description": text,
        "sku": text,
        "url": absolute,
        "category": text,
        "brand": typed("Brand", "Organization"),
        "offers": typed("Offer", "AggregateOffer"),
    },
    "Offer": OFFER,
    "AggregateOffer": {
        "lowPrice": rupiah,
        "highPrice": rupiah,
        "offerCount": lambda value: type(value) is int and value > 1,
        "priceCurrency": one_of("IDR"),
        "availability": one_of(*AVAILABILITY),
        "seller": typed("LocalBusiness", "Organization"),
    },
    "Brand": {"name": text},
    "LocalBusiness": {"name": text, "url": absolute},
    "Organization": {"name": text},
    "PostalAddress": {
        "addressLocality": text,
        "addressRegion": one_of("Jawa Tengah"),
        "addressCountry": one_of("ID"),
    },
    "OpeningHoursSpecification": {
        "dayOfWeek": lambda days: bool(days) and all(SCHEMA_URL.fullmatch(d) for d in days),
        "opens": lambda value: bool(CLOCK.fullmatch(value)),
        "closes": lambda value: bool(CLOCK.fullmatch(value)),
    },
    "WebSite": {"name": text, "url": absolute, "potentialAction": typed("SearchAction")},
    "SearchAction": {"target": typed("EntryPoint"), "query-input": text},
    "EntryPoint": {"urlTemplate": lambda value: absolute(value) and "{" in value},
    "BreadcrumbList": {"itemListElement": lambda items: isinstance(items, list) and bool(items)},
    # A step of a trail names its page in `item`; an entry of a list in `url`.
    "ListItem": {"position": lambda value: type(value) is int, "name": text},
    "ItemList": {
        "itemListElement": lambda items: isinstance(items, list) and bool(items),
        "numberOfItems": lambda value: type(value) is int,
    },
    "AggregateRating": {
        "ratingValue": lambda value: type(value) in (int, float) and 1 <= value <= 5,
        "reviewCount": lambda value: type(value) is int and value > 0,
        "bestRating": one_of(5),
        "worstRating": one_of(1),
    },
    "QuantitativeValue": {"value": lambda value: type(value) is int, "unitCode": text},
}
# Wherever they appear, these are absolute addresses on PUBLIC_URL.
ADDRESSES = {"@id": absolute, "url": absolute, "item": absolute, "logo": absolute}


def problems(node: Any, where: str = "$") -> list[str]:
    """What is wrong with a JSON-LD node and everything inside it."""
    found: list[str] = []
    if isinstance(node, list):
        for n, item in enumerate(node):
            found += problems(item, f"{where}[{n}]")
        return found
    if not isinstance(node, dict):
        return found
    kind = node.get("@type")
    if kind is None and set(node) != {"@id"} and "@graph" not in node:
        found.append(f"{where}: no @type")
    for key, check in REQUIRED.get(kind, {}).items():
        if key not in node:
            found.append(f"{where} ({kind}): no {key}")
        elif not check(node[key]):
            found.append(f"{where} ({kind}): {key} = {node[key]!r}")
    if kind is not None and kind not in REQUIRED:
        found.append(f"{where}: unchecked type {kind}")
    for key, check in ADDRESSES.items():
        if key in node and not check(node[key]):
            found.append(f"{where}: {key} = {node[key]!r} is not on PUBLIC_URL")
    if "image" in node and not absolute_list(node["image"]):
        found.append(f"{where}: image = {node['image']!r}")
    if kind == "AggregateOffer" and not node["lowPrice"] < node["highPrice"]:
        found.append(f"{where}: lowPrice not below highPrice")
    if kind == "ListItem" and not absolute(node.get("item", node.get("url"))):
        found.append(f"{where}: a ListItem names no page on PUBLIC_URL")
    if kind == "BreadcrumbList":
        positions = [item.get("position") for item in node["itemListElement"]]
        if positions != list(range(1, len(positions) + 1)):
            found.append(f"{where}: positions {positions}")
    if kind == "ItemList":
        positions = [item.get("position") for item in node["itemListElement"]]
        if positions != list(range(positions[0], positions[0] + len(positions))):
            found.append(f"{where}: positions {positions}")
        if node["numberOfItems"] != len(positions):
            found.append(f"{where}: numberOfItems {node['numberOfItems']}")
    for key, value in node.items():
        found += problems(value, f"{where}.{key}")
    return found


def blocks(html: str) -> list[dict]:
    """Every JSON-LD block of a page, parsed, each checked against the schema."""
    parsed = [json.loads(block) for block in LD_JSON.findall(html)]
    for block in parsed:
        assert block["@context"] == "https://schema.org"
        assert problems(block) == []
    return parsed


def of_type(parsed: list[dict], kind: str) -> list[dict]:
    nodes = [node for block in parsed for node in block.get("@graph", [block])]
    return [node for node in nodes if node.get("@type") == kind]
