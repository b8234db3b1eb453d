"""The catalog's filters as they arrive in a query string (`/produk` and the
API share them), parsed into one value with a message for each bad part.
Bad input never fails: the part is dropped and the user is told why."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from marketplace.catalog.models import CERTIFICATE_LABELS, SHOP_ONLY_KINDS, CertificateKind
from marketplace.catalog.search import WORD, Search, understand
from marketplace.core.money import parse_rupiah
from marketplace.core.numbers import NegativeNumber, NotAWholeNumber, NumberError
from marketplace.core.pages import page_number

MAX_QUERY_LENGTH = 100
MAX_PRICE = 1_000_000_000
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# What a slug in an address may look like; anything else is not found.
SLUG = re.compile(r"[\w-]{1,180}")


class Sort(StrEnum):
    RELEVANCE = "relevan"  # only with a search, and then the default
    NEWEST = "terbaru"
    CHEAPEST = "termurah"
    DEAREST = "termahal"
    POPULAR = "terlaris"
    TOP_RATED = "rating"


SORT_LABELS = {
    Sort.RELEVANCE: "Paling sesuai",
    Sort.NEWEST: "Terbaru",
    Sort.CHEAPEST: "Termurah",
    Sort.DEAREST: "Termahal",
    Sort.POPULAR: "Terlaris",
    Sort.TOP_RATED: "Rating tertinggi",
}
# "★4 ke atas": the one rating filter offered (`bintang=4`); the query string
# takes 1 to 5.
RATING_FILTER = 4


@dataclass(frozen=True)
class CatalogFilter:
    category: str | None = None
    kecamatan: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    in_stock: bool = False
    certificate: CertificateKind | None = None
    delivers_to: str | None = None  # a kecamatan slug: members who deliver there
    min_rating: int | None = None  # the visible reviews' average at least this (1-5)
    query: str = ""
    sort: Sort | None = None  # None: the default (`order`)
    page: int = 1
    messages: tuple[str, ...] = field(default=(), compare=False)

    @property
    def search(self) -> Search | None:
        """The query understood (`catalog.search`), None without one."""
        return understand(self.query) if self.query else None

    @property
    def default_sort(self) -> Sort:
        """Best match first when searching, else the newest."""
        return Sort.RELEVANCE if self.query else Sort.NEWEST

    @property
    def order(self) -> Sort:
        """The sort chosen, else the default: best match first when searching."""
        return self.sort or self.default_sort

    @property
    def sort_choices(self) -> dict[Sort, str]:
        """The sorts that make sense for this filter, with their labels."""
        return {
            sort: label
            for sort, label in SORT_LABELS.items()
            if sort != Sort.RELEVANCE or self.query
        }

    def without(self, *names: str) -> "CatalogFilter":
        defaults = CatalogFilter()
        return replace(self, **{name: getattr(defaults, name) for name in names})

    def to_args(self, **changes: object) -> dict[str, str | int]:
        """The query string for this filter (with `changes`), defaults left out,
        so a filtered page has a short address to share."""
        values = replace(self, **changes)  # type: ignore[arg-type]
        args: dict[str, str | int] = {}
        if values.query:
            args["q"] = values.query
        if values.category:
            args["kategori"] = values.category
        if values.kecamatan:
            args["kecamatan"] = values.kecamatan
        if values.price_min is not None:
            args["harga_min"] = values.price_min
        if values.price_max is not None:
            args["harga_max"] = values.price_max
        if values.in_stock:
            args["tersedia"] = 1
        if values.certificate is not None:
            args["sertifikat"] = values.certificate.value
        if values.delivers_to:
            args["antar"] = values.delivers_to
        if values.min_rating is not None:
            args["bintang"] = values.min_rating
        if values.order != values.default_sort:
            args["urut"] = values.order.value
        if values.page != 1:
            args["hal"] = values.page
        return args

    def page_args(self, page: int) -> dict[str, str | int]:
        """The query string of another page of this filter (for pagination)."""
        return self.to_args(page=page)

    @property
    def active_count(self) -> int:
        """How many filters narrow the list (the sort and page do not)."""
        return sum(
            (
                bool(self.query),
                self.category is not None,
                self.kecamatan is not None,
                self.price_min is not None,
                self.price_max is not None,
                self.in_stock,
                self.certificate is not None,
                self.delivers_to is not None,
                self.min_rating is not None,
            )
        )

    @property
    def certificate_label(self) -> str | None:
        return CERTIFICATE_LABELS[self.certificate] if self.certificate else None


def is_slug(value: str) -> bool:
    """Whether `value` can be a slug at all (so odd bytes never reach the database)."""
    return SLUG.fullmatch(value) is not None


def _price(raw: str | None, label: str, messages: list[str]) -> int | None:
    try:
        return parse_rupiah(raw, what=label, maximum=MAX_PRICE)
    except NumberError as refused:
        if isinstance(refused, NegativeNumber):
            why = "tidak boleh negatif"
        elif isinstance(refused, NotAWholeNumber):
            why = "harus berupa angka rupiah"
        else:
            why = "terlalu besar"
        messages.append(f"{label} {why}; filter harga ini diabaikan.")
        return None


def _page(raw: str | None, messages: list[str]) -> int:
    number, message = page_number(raw)
    if message:
        messages.append(message)
    return number


def parse_page(args: Mapping[str, str]) -> tuple[int, list[str]]:
    """Only the page number (`hal`) of a query string, with its message if bad:
    for lists that have no other filter, such as a shop's products."""
    messages: list[str] = []
    return _page(args.get("hal"), messages), messages


def _slug(raw: str | None) -> str | None:
    value = (raw or "").strip().lower()
    return value[:80] or None


def _certificate(raw: str | None, messages: list[str]) -> CertificateKind | None:
    value = (raw or "").strip().lower()
    if not value:
        return None
    try:
        kind = CertificateKind(value)
    except ValueError:
        messages.append("Jenis sertifikat tidak dikenal; filter sertifikat diabaikan.")
        return None
    if kind in SHOP_ONLY_KINDS:  # a shop's certificate says nothing about its products
        messages.append(
            f"{CERTIFICATE_LABELS[kind]} adalah sertifikat tempat produksi (toko), bukan produk; "
            "filter sertifikat diabaikan."
        )
        return None
    return kind


def _rating(raw: str | None, messages: list[str]) -> int | None:
    value = (raw or "").strip()
    if not value:
        return None
    if value not in {"1", "2", "3", "4", "5"}:
        messages.append("Nilai bintang harus 1 sampai 5; filter bintang diabaikan.")
        return None
    return int(value)


def parse_filter(args: Mapping[str, str]) -> CatalogFilter:
    """Read a query string into a CatalogFilter. Names are those of `/produk`:
    q, kategori, kecamatan, harga_min, harga_max, tersedia, sertifikat, antar
    (the slug of a kecamatan the member delivers to), bintang (the least
    average of the reviews), urut, hal."""
    messages: list[str] = []
    query = " ".join(CONTROL_CHARACTERS.sub(" ", args.get("q") or "").split())
    if len(query) > MAX_QUERY_LENGTH:
        messages.append(
            f"Kata pencarian terlalu panjang; hanya {MAX_QUERY_LENGTH} karakter pertama "
            "yang dipakai."
        )
        query = query[:MAX_QUERY_LENGTH].strip()
    if query and not WORD.search(query):
        messages.append("Kata pencarian harus berisi huruf atau angka.")
        query = ""
    price_min = _price(args.get("harga_min"), "Harga minimum", messages)
    price_max = _price(args.get("harga_max"), "Harga maksimum", messages)
    if price_min is not None and price_max is not None and price_min > price_max:
        messages.append("Harga minimum lebih besar dari harga maksimum; keduanya ditukar.")
        price_min, price_max = price_max, price_min
    raw_sort = (args.get("urut") or "").strip().lower()
    sort: Sort | None = None
    if raw_sort:
        try:
            sort = Sort(raw_sort)
        except ValueError:
            default = SORT_LABELS[Sort.RELEVANCE if query else Sort.NEWEST].lower()
            messages.append(f"Urutan tidak dikenal; menampilkan yang {default}.")
    if sort == Sort.RELEVANCE and not query:
        sort = None  # nothing to be relevant to: an address that lost its q
    return CatalogFilter(
        category=_slug(args.get("kategori")),
        kecamatan=_slug(args.get("kecamatan")),
        price_min=price_min,
        price_max=price_max,
        in_stock=(args.get("tersedia") or "").strip().lower() in {"1", "ya", "true", "on"},
        certificate=_certificate(args.get("sertifikat"), messages),
        delivers_to=_slug(args.get("antar")),
        min_rating=_rating(args.get("bintang"), messages),
        query=query,
        sort=sort,
        page=_page(args.get("hal"), messages),
        messages=tuple(messages),
    )
