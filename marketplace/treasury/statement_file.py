"""Reading the bank's account statement (mutasi rekening) that the
treasurer downloads as CSV from internet banking (`treasury.statement`
matches it with the orders).

What a file may look like. A row of column titles, then one row per
transaction; rows before the titles (the account number and period some
banks print) and summary rows after them (saldo awal, mutasi kredit, saldo
akhir) are passed over. The delimiter may be `;`, `,`, tab or `|`. The
columns are found by their titles, case and spaces aside:

- date: `tanggal`, `tanggal transaksi`, `tgl`, `tgl.`, `date`, `post date`,
  `transaction date`; as 31/12/2026, 31-12-2026, 2026-12-31, 31/12/26,
  31 Des 2026, or 31/12 when a date with its year (the period) stands above
  the titles, as KlikBCA prints it;
- description: `keterangan`, `rincian transaksi`, `uraian`, `deskripsi`,
  `description`, `remarks`, `berita`;
- the amount, one of: a `kredit`/`credit` column with a `debit`/`debet`
  column (Bank Mandiri, BNI, Bank Jateng and most others); or one
  `jumlah`/`mutasi`/`amount`/`nominal` column whose credits are marked
  `CR` (in the cell, `150,000.00 CR`, or in the untitled column after it,
  as KlikBCA does) and debits `DB` or a minus sign.

The generic layout, the simplest a treasurer can make by hand:

    tanggal;keterangan;jumlah
    01/12/2026;TRF DARI SITI AMINAH;115.123
    02/12/2026;BIAYA ADM;-12.500

Amounts are whole rupiah, written the Indonesian (1.500.000,00) or the
English way (1,500,000.00); sen other than ,00 are refused. The whole file
is read before anything is written: a line that cannot be read is named
in the message and nothing is stored."""

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from marketplace.core.errors import DomainError
from marketplace.core.money import MAX_RUPIAH, parse_rupiah
from marketplace.core.numbers import NumberError

MAX_LINES = 5_000  # a busy month of the association's account is a few hundred
MAX_DESCRIPTION = 500
HEADER_SEARCH = 30  # rows of preamble a bank may print before the titles

DATE_TITLES = frozenset(
    {
        "tanggal",
        "tanggal transaksi",
        "tgl",
        "tgl.",
        "tgl transaksi",
        "tgl. transaksi",
        "date",
        "post date",
        "posting date",
        "transaction date",
        "tanggal posting",
    }
)
DESCRIPTION_TITLES = frozenset(
    {
        "keterangan",
        "rincian transaksi",
        "uraian",
        "uraian transaksi",
        "deskripsi",
        "description",
        "remarks",
        "berita",
        "keterangan transaksi",
    }
)
CREDIT_TITLES = frozenset({"kredit", "credit", "mutasi kredit", "cr"})
DEBIT_TITLES = frozenset({"debit", "debet", "mutasi debit", "mutasi debet", "db"})
AMOUNT_TITLES = frozenset({"jumlah", "mutasi", "amount", "nominal", "nilai"})
MARKER_TITLES = frozenset({"", "cr/db", "db/cr", "d/k", "k/d", "jenis", "tipe", "type"})
CREDIT_MARKS = frozenset({"cr", "k", "kredit", "credit", "c"})
DEBIT_MARKS = frozenset({"db", "d", "debit", "debet", "dr"})
SUMMARY_STARTS = ("saldo", "mutasi", "total", "jumlah", "pend")

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "des": 12,
    "dec": 12,
}
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORD_DATE = re.compile(r"(\d{1,2})[ -]([a-z]{3})[a-z]*[ -](\d{4})")
_FULL_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b")
_MARK = re.compile(r"^(.*?)(?:\s*\b(cr|db|dr|k|d)\.?)?$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_DECIMAL = re.compile(r"^\d+[.,]\d{1,2}$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(?:,\d{3})+$")


class StatementError(DomainError):
    """The file cannot be read; the message names the line, and nothing is stored."""


@dataclass(frozen=True)
class Transaction:
    """A line of the statement as read: `amount` positive for a credit."""

    line_number: int
    booked_on: date
    description: str
    amount: int


@dataclass(frozen=True)
class Columns:
    date: int
    description: int
    credit: int | None = None
    debit: int | None = None
    amount: int | None = None
    marker: int | None = None


# --- reading the file ----------------------------------------------------------------


def _text(data: bytes) -> str:
    if b"\x00" in data:
        raise StatementError("Berkas ini bukan CSV (berisi data biner). Unduh mutasi sebagai CSV.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _dialect(text: str) -> str:
    sample = "\n".join(text.splitlines()[: HEADER_SEARCH + 5])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        counts = Counter(ch for ch in sample if ch in ";,\t|")
        return counts.most_common(1)[0][0] if counts else ";"


def _title(cell: str) -> str:
    return _SPACES.sub(" ", cell.replace("\ufeff", "").strip().strip("'\":").strip()).lower()


def _columns(titles: Sequence[str]) -> Columns | None:
    """Where the date, description and amount are, by the row's titles; None
    when the row is not the titles row."""
    names = [_title(cell) for cell in titles]

    def first(wanted: frozenset[str]) -> int | None:
        return next((index for index, name in enumerate(names) if name in wanted), None)

    day, description = first(DATE_TITLES), first(DESCRIPTION_TITLES)
    if day is None or description is None:
        return None
    credit, debit = first(CREDIT_TITLES), first(DEBIT_TITLES)
    if credit is not None:
        return Columns(date=day, description=description, credit=credit, debit=debit)
    amount = first(AMOUNT_TITLES)
    if amount is None:
        return None
    after = amount + 1
    marker = after if after < len(names) and names[after] in MARKER_TITLES else None
    return Columns(date=day, description=description, amount=amount, marker=marker)


def _period_years(preamble: Iterable[Sequence[str]]) -> tuple[date, date] | None:
    """The first and last day of the period printed above the titles, if any."""
    found: list[date] = []
    for row in preamble:
        for cell in row:
            for text in _FULL_DATE.findall(cell):
                try:
                    found.append(_date(text, period=None, line=0))
                except StatementError:
                    continue
    return (min(found), max(found)) if found else None


def _date(text: str, *, period: tuple[date, date] | None, line: int) -> date:
    cell = text.strip().lstrip("'").strip().lower()
    try:
        if match := _ISO_DATE.fullmatch(cell):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _WORD_DATE.fullmatch(cell):
            month = MONTHS.get(match[2])
            if month is not None:
                return date(int(match[3]), month, int(match[1]))
        if match := _NUMERIC_DATE.fullmatch(cell):
            day, month, year = int(match[1]), int(match[2]), match[3]
            if year is not None:
                return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
            if period is not None:  # "31/12" under "Periode : 15/12/2026 - 14/01/2027"
                first, last = period
                in_first = (month, day) >= (first.month, first.day)
                return date(first.year if in_first else last.year, month, day)
    except ValueError:
        pass
    raise StatementError(
        f"Baris {line}: tanggal “{text.strip()[:40]}” tidak bisa dibaca. "
        "Tulis seperti 31/12/2026 atau 2026-12-31."
    )


def _number(text: str, *, line: int) -> int:
    """A statement's amount as whole rupiah, written either way (1.500.000,00
    or 1,500,000.00), through the shop's one amount reader."""
    cleaned = _SPACES.sub("", text).removeprefix("IDR").removeprefix("Rp").removeprefix("rp")
    if "." in cleaned and "," in cleaned:
        decimal = "." if cleaned.rfind(".") > cleaned.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        cleaned = cleaned.replace(thousands, "").replace(decimal, ",")
    elif _DECIMAL.fullmatch(cleaned):
        cleaned = cleaned.replace(".", ",")
    elif _THOUSANDS_COMMA.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        amount = parse_rupiah(
            cleaned,
            what=f"Jumlah di baris {line}",
            example="1.500.000 atau 1,500,000.00",
            maximum=MAX_RUPIAH,
        )
    except NumberError as error:
        raise StatementError(f"Baris {line}: {error.message}") from None
    return amount or 0


def _signed(text: str, *, line: int) -> tuple[int, str | None]:
    """An amount cell with its sign or mark: `-12.500`, `(12.500)`,
    `150,000.00 CR` -> (amount, "cr" | "db" | None)."""
    cell = text.strip().lstrip("'")
    negative = cell.startswith("-") or (cell.startswith("(") and cell.endswith(")"))
    cell = cell.strip("()").lstrip("-").lstrip("+")
    match = _MARK.match(cell)
    body, mark = (match[1], match[2]) if match else (cell, None)
    amount = _number(body, line=line)
    if mark is not None:
        return amount, "db" if mark.lower() in DEBIT_MARKS else "cr"
    return amount, "db" if negative else None


def _amount(row: Sequence[str], columns: Columns, *, line: int) -> int | None:
    """Positive for a credit, negative for a debit; None for a row with no amount."""

    def cell(index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    if columns.credit is not None:
        credit, debit = cell(columns.credit), cell(columns.debit)
        credit_amount = _signed(credit, line=line)[0] if credit else 0
        debit_amount = _signed(debit, line=line)[0] if debit else 0
        if credit_amount and debit_amount:
            raise StatementError(f"Baris {line}: kolom kredit dan debit sama-sama terisi.")
        if credit_amount:
            return credit_amount
        return -debit_amount if debit_amount else None
    text = cell(columns.amount)
    if not text:
        return None
    amount, mark = _signed(text, line=line)
    marker = _title(cell(columns.marker))
    if marker in DEBIT_MARKS:
        mark = "db"
    elif marker in CREDIT_MARKS:
        mark = "cr"
    return -amount if mark == "db" else amount


def _is_summary(first_cell: str) -> bool:
    return _title(first_cell).startswith(SUMMARY_STARTS)


def read(data: bytes) -> list[Transaction]:
    """Every credit and debit of the statement file `data`, in file order.
    Raises StatementError, naming the line, for a file that cannot be read."""
    text = _text(data)
    rows = list(csv.reader(io.StringIO(text), delimiter=_dialect(text)))
    found = next(
        (
            (index, columns)
            for index, row in enumerate(rows[:HEADER_SEARCH])
            if (columns := _columns(row)) is not None
        ),
        None,
    )
    if found is None:
        raise StatementError(
            "Judul kolom tidak ditemukan. Berkas mutasi perlu kolom tanggal, keterangan, dan "
            "jumlah (atau kredit dan debit), misalnya: tanggal;keterangan;jumlah."
        )
    header, columns = found
    period = _period_years(rows[:header])
    transactions: list[Transaction] = []
    for index, row in enumerate(rows[header + 1 :], start=header + 2):
        if not any(cell.strip() for cell in row):
            continue
        day_cell = row[columns.date] if columns.date < len(row) else ""
        if not day_cell.strip() or _is_summary(day_cell):
            continue
        if len(transactions) >= MAX_LINES:
            raise StatementError(
                f"Berkas ini berisi lebih dari {MAX_LINES:,} transaksi. Unggah per bulan.".replace(
                    ",", "."
                )
            )
        booked_on = _date(day_cell, period=period, line=index)
        amount = _amount(row, columns, line=index)
        if amount is None:
            raise StatementError(f"Baris {index}: jumlah kosong.")
        description = row[columns.description] if columns.description < len(row) else ""
        transactions.append(
            Transaction(
                line_number=index,
                booked_on=booked_on,
                description=_SPACES.sub(" ", description.strip().lstrip("'"))[:MAX_DESCRIPTION],
                amount=amount,
            )
        )
    if not transactions:
        raise StatementError("Berkas ini tidak berisi satu pun transaksi di bawah judul kolomnya.")
    return transactions


def fingerprints(transactions: Sequence[Transaction]) -> list[str]:
    """One per transaction, the same for the same line in any file: its date,
    description and amount, and how many identical lines came before it
    (two equal transfers on one day are two lines)."""
    seen: Counter[tuple[date, str, int]] = Counter()
    prints = []
    for transaction in transactions:
        same = (transaction.booked_on, transaction.description.lower(), transaction.amount)
        seen[same] += 1
        text = f"{same[0].isoformat()}|{same[1]}|{same[2]}|{seen[same]}"
        prints.append(hashlib.sha256(text.encode()).hexdigest())
    return prints
