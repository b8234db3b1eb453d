"""Import a member's products from a CSV file: all rows or none.

One row per variant; rows with the same `nama` make one product, whose
details (kategori, deskripsi, satuan, berat_gram, status) come from its first
row and may be left empty on the next ones. Every row is checked first and
reported (accepted, or refused and why); only when no row is refused are the
products created, as one change that the caller commits.

Near 400 lines on purpose: parsing, the per-row checks and the report are
one feature, read top to bottom, used only by the import view."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from marketplace.catalog import queries
from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.catalog.services import (
    DEFAULT_VARIANT,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_UNIT,
    MAX_VARIANT_NAME,
    MAX_VARIANTS,
    MAX_WEIGHT_GRAMS,
    CatalogError,
    VariantInput,
    create_product,
    hold_shop,
    name_key,
    price_problem,
    stock_problem,
)
from marketplace.core import csvfile
from marketplace.core.money import parse_rupiah, thousands
from marketplace.core.numbers import parse_whole
from marketplace.extensions import db
from marketplace.members.models import Member

MAX_BYTES = 512 * 1024
MAX_ROWS = 500
COLUMNS = (
    "nama",
    "kategori",
    "deskripsi",
    "satuan",
    "berat_gram",
    "varian",
    "harga",
    "stok",
    "status",
)
REQUIRED = ("nama", "kategori", "harga", "stok")
PRODUCT_COLUMNS = ("kategori", "deskripsi", "satuan", "berat_gram", "status")
STATUSES = {
    "": ProductStatus.DRAFT,
    "draf": ProductStatus.DRAFT,
    "draft": ProductStatus.DRAFT,
    "aktif": ProductStatus.ACTIVE,
    "active": ProductStatus.ACTIVE,
}
TEMPLATE_ROWS = (
    (
        "Keripik Tempe Sagu",
        "Makanan & Minuman",
        "Keripik tempe tipis dan renyah, digoreng setiap pagi.",
        "bungkus",
        "250",
        "Original",
        "15.000",
        "20",
        "draf",
    ),
    ("Keripik Tempe Sagu", "", "", "", "", "Pedas", "16.000", "12", ""),
)


class ImportRefused(CatalogError):
    """The file as a whole cannot be read (size, encoding, columns)."""


@dataclass
class RowReport:
    line: int  # where the row starts in the file; the header is line 1
    name: str
    variant: str
    price: int | None = None
    stock: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems


@dataclass
class PlannedProduct:
    name: str
    category: Category
    description: str
    unit: str
    weight_grams: int | None
    status: ProductStatus
    variants: list[VariantInput] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowReport]
    products: list[PlannedProduct]
    imported: list[Product] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.accepted for row in self.rows)

    @property
    def refused(self) -> list[RowReport]:
        return [row for row in self.rows if not row.accepted]


def template_csv() -> bytes:
    """The downloadable template: header and two example rows, as the
    shop writes every CSV (core.csvfile); the import reads `;` and `,`."""
    return csvfile.document(COLUMNS, TEMPLATE_ROWS)


# --- reading ---------------------------------------------------------------


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"Berkas terlalu besar; paling besar {MAX_BYTES // 1024} KB.")
    if b"\x00" in data:
        raise ImportRefused(
            "Berkas ini bukan CSV. Simpan dari Excel atau Google Sheets sebagai CSV."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            "Berkas tidak berenkode UTF-8. Di Excel pilih Simpan Sebagai → "
            "“CSV UTF-8 (dipisahkan koma)”, lalu unggah lagi."
        ) from error


def _delimiter(text: str) -> str:
    """Excel set to Indonesian separates with `;`; everything else with `,`."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _column(name: str) -> str:
    return "_".join(name.strip().lower().replace("(", " ").replace(")", " ").split())


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of the file as (line, {column: text}), blank rows left out."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [_column(name) for name in next(reader, [])]
        while header and not header[-1]:
            header.pop()  # Excel leaves empty columns at the end
        unknown = [name for name in header if name not in COLUMNS]
        if not header:
            raise ImportRefused("Berkas kosong. Unduh templat lalu isi mulai baris kedua.")
        if unknown:
            raise ImportRefused(
                f"Kolom tidak dikenal: {', '.join(unknown)}. Gunakan judul kolom templat: "
                f"{', '.join(COLUMNS)}."
            )
        missing = [name for name in REQUIRED if name not in header]
        if missing or len(set(header)) != len(header):
            raise ImportRefused(
                f"Judul kolom harus memuat {', '.join(REQUIRED)} masing-masing satu kali."
            )
        rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise ImportRefused(
                    f"Paling banyak {MAX_ROWS} baris per impor. "
                    "Bagi berkas menjadi beberapa bagian."
                )
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            row = {name: cell.strip() for name, cell in zip(header, cells)}
            if extra:
                row["_lebih"] = "1"
            rows.append((start, row))
    except csv.Error as error:
        raise ImportRefused(f"Berkas CSV rusak di sekitar baris {reader.line_num}.") from error
    if not rows:
        raise ImportRefused(
            "Berkas belum berisi produk. Isi mulai baris kedua, di bawah judul kolom."
        )
    return rows


# --- checking --------------------------------------------------------------


def _number(report: RowReport, text: str, parse, missing: str) -> int | None:
    if not text:
        if missing:
            report.problems.append(missing)
        return None
    try:
        return parse(text)
    except ValueError as error:
        report.problems.append(str(error))
        return None


def _price(text: str) -> int | None:
    return parse_rupiah(text, what="Harga")


def _stock(text: str) -> int | None:
    return parse_whole(text, what="Stok")


def _weight(text: str) -> int | None:
    return parse_whole(text, what="Berat", example="250")


def _check_row(
    line: int, cells: dict[str, str], categories: dict[str, Category]
) -> tuple[RowReport, dict]:
    name = " ".join(cells.get("nama", "").split())
    variant = " ".join(cells.get("varian", "").split())
    report = RowReport(line=line, name=name, variant=variant)
    problems = report.problems
    if "_lebih" in cells:
        problems.append(
            "Baris ini punya lebih banyak kolom daripada judulnya. Apit teks yang memuat "
            "koma dengan tanda kutip."
        )
    if not name:
        problems.append("Nama produk kosong.")
    elif len(name) > MAX_NAME:
        problems.append(f"Nama produk paling panjang {MAX_NAME} karakter.")
    if len(variant) > MAX_VARIANT_NAME:
        problems.append(f"Nama varian paling panjang {MAX_VARIANT_NAME} karakter.")
    report.price = _number(report, cells.get("harga", ""), _price, "Harga kosong.")
    if report.price is not None and (problem := price_problem(report.price)):
        problems.append(problem)
    report.stock = _number(
        report, cells.get("stok", ""), _stock, "Stok kosong (tulis 0 bila habis)."
    )
    if report.stock is not None and (problem := stock_problem(report.stock)):
        problems.append(problem)

    details: dict = {}
    category_text = cells.get("kategori", "")
    if category_text:
        details["kategori"] = categories.get(name_key(category_text))
        if details["kategori"] is None:
            names = ", ".join(sorted({c.name for c in categories.values()}))
            problems.append(f"Kategori “{category_text}” tidak dikenal. Pilihan: {names}.")
    description = "\n".join(line.rstrip() for line in cells.get("deskripsi", "").splitlines())
    if description.strip():
        details["deskripsi"] = description.strip()
        if len(description) > MAX_DESCRIPTION:
            problems.append(f"Deskripsi paling panjang {MAX_DESCRIPTION} karakter.")
    unit = " ".join(cells.get("satuan", "").split())
    if unit:
        details["satuan"] = unit
        if len(unit) > MAX_UNIT:
            problems.append(f"Satuan paling panjang {MAX_UNIT} karakter.")
    weight_text = cells.get("berat_gram", "")
    if weight_text:
        weight = _number(report, weight_text, _weight, "")
        details["berat_gram"] = weight
        if weight is not None and not 1 <= weight <= MAX_WEIGHT_GRAMS:
            problems.append(f"Berat antara 1 dan {thousands(MAX_WEIGHT_GRAMS)} gram.")
    status_text = cells.get("status", "").casefold()
    if status_text:
        details["status"] = STATUSES.get(status_text)
        if details["status"] is None:
            problems.append("Status harus draf atau aktif.")
    return report, details


def _variant(report: RowReport) -> VariantInput:
    """A row without problems has its price and stock (a missing one is a problem)."""
    assert report.price is not None and report.stock is not None
    return VariantInput(
        name=report.variant or DEFAULT_VARIANT, price=report.price, stock=report.stock
    )


def _group(
    checked: list[tuple[RowReport, dict]], existing_names: set[str]
) -> list[PlannedProduct | None]:
    """Gather the rows of each product, refusing rows that contradict the
    first row of their product."""
    groups: dict[str, list[tuple[RowReport, dict]]] = {}
    for report, details in checked:
        if report.name:
            groups.setdefault(name_key(report.name), []).append((report, details))
    planned: list[PlannedProduct | None] = []
    for key, rows in groups.items():
        first_report, first = rows[0]
        if key in existing_names:
            for report, _ in rows:
                report.problems.append(
                    "Produk dengan nama ini sudah ada di toko Anda. Ubah lewat halaman produk, "
                    "atau beri nama lain."
                )
        if "kategori" not in first:
            first_report.problems.append("Kategori kosong (isi pada baris pertama produk ini).")
        seen_variants: dict[str, int] = {}
        for number, (report, details) in enumerate(rows):
            for column in PRODUCT_COLUMNS:
                if number and column in details and details[column] != first.get(column):
                    report.problems.append(
                        f"Kolom {column} berbeda dari baris {first_report.line} untuk produk "
                        "yang sama. Kosongkan, atau samakan."
                    )
            if len(rows) > 1 and not report.variant:
                report.problems.append("Beri nama varian: produk ini punya beberapa baris.")
            elif report.variant and name_key(report.variant) in seen_variants:
                report.problems.append(
                    f"Varian “{report.variant}” sudah ada di baris "
                    f"{seen_variants[name_key(report.variant)]}."
                )
            seen_variants.setdefault(name_key(report.variant), report.line)
            if number >= MAX_VARIANTS:
                report.problems.append(f"Paling banyak {MAX_VARIANTS} varian per produk.")
        if any(report.problems for report, _ in rows):
            planned.append(None)
            continue
        planned.append(
            PlannedProduct(
                name=first_report.name,
                category=first["kategori"],
                description=first.get("deskripsi", ""),
                unit=first.get("satuan", "pcs"),
                weight_grams=first.get("berat_gram"),
                status=first.get("status", ProductStatus.DRAFT),
                variants=[_variant(report) for report, _ in rows],
            )
        )
    return planned


def check_rows(
    *,
    rows: Sequence[tuple[int, dict[str, str]]],
    categories: Sequence[Category],
    existing_names: set[str],
) -> ImportReport:
    by_name = {name_key(c.name): c for c in categories} | {name_key(c.slug): c for c in categories}
    checked = [_check_row(line, cells, by_name) for line, cells in rows]
    planned = _group(checked, existing_names)
    reports = [report for report, _ in checked]
    return ImportReport(rows=reports, products=[p for p in planned if p is not None])


def import_csv(*, member: Member, data: bytes) -> ImportReport:
    """Read and check the file; when every row is accepted, create its
    products (flushed, not committed). Raises ImportRefused for a file that
    cannot be read at all."""
    rows = read_rows(data)
    hold_shop(member)  # the same file sent twice at once: the second sees the first's products
    report = check_rows(
        rows=rows,
        categories=db.session.scalars(select(Category)).all(),
        existing_names={
            name_key(name) for name in db.session.scalars(queries.member_product_names(member.id))
        },
    )
    if not report.ok:
        return report
    for planned in report.products:
        report.imported.append(
            create_product(
                member=member,
                category=planned.category,
                name=planned.name,
                variants=planned.variants,
                description=planned.description,
                unit=planned.unit,
                weight_grams=planned.weight_grams,
                status=planned.status,
            )
        )
    return report
