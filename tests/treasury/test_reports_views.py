"""The income reports (/bendahara/laporan) as the treasurer reads them: every
kecamatan, the totals that add up to the ledger, sorting, what is behind a
row, one ledger transaction, the CSV and XLSX files (read back), bad
periods, and a fixed number of queries whatever the number of rows."""

import csv
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.ledger.models import LedgerTransaction
from marketplace.ledger.services import close_month, post, reverse
from marketplace.orders.settlement import reverse_facts
from marketplace.payments import bank_transfer
from marketplace.treasury import drill as drilling
from marketplace.treasury.reports import Period, rate_text
from tests import factories
from tests.orders.helpers import cart_with, checkout, shopper
from tests.sql import recorded_statements
from tests.treasury.sales import day, ledger_commission, product, refund, sell, shop

NOVEMBER = {"bulan": "2026-11"}
# The columns of the kecamatan, category and member tables.
COMMISSION, GROSS, ORDERS, RATE, CHAPTER = 1, 2, 3, 4, 5
PERIOD = Period.month(day(2026, 11).date().replace(day=1))


# --- reading pages and files back ----------------------------------------------------


class Tables(HTMLParser):
    """The cells' text of each `report-table` on a page, row by row, and
    each row's links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.links: list[list[list[str]]] = []
        self._depth = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "report-table" in (a.get("class") or ""):
            self.tables.append([])
            self.links.append([])
            self._depth = 1
        elif tag == "table" and self._depth:
            self._depth += 1
        elif self._depth and tag == "tr":
            self.tables[-1].append([])
            self.links[-1].append([])
        elif self._depth and tag in ("td", "th"):
            self._cell = []
        elif self._depth and tag == "a" and self._cell is not None:
            self.links[-1][-1].append(a["href"])

    def handle_endtag(self, tag):
        if tag == "table" and self._depth:
            self._depth -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> Tables:
    reader = Tables()
    reader.feed(html)
    return reader


def rupiah(text: str) -> int | None:
    """`Rp1.234` -> 1234, `-Rp500` -> -500, `` -> None."""
    if not text:
        return None
    found = re.fullmatch(r"(-?)Rp([0-9.]+)", text)
    assert found, text
    return int(found[1] + found[2].replace(".", ""))


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(body: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def found_id(key: str) -> int:
    return db.session.scalar(
        db.select(LedgerTransaction.id).where(LedgerTransaction.idempotency_key == key)
    )


# --- the world ------------------------------------------------------------------------


@pytest.fixture
def me(login_as):
    return login_as(factories.UserFactory(roles=[Role.TREASURER], name="Siti Bendahara"))


@pytest.fixture
def november(app):
    """Four members in November 2026: transfers, a cash sale, and a part
    refunded in the same month (it counts nothing)."""
    sri = shop("sokaraja", name="Keripik Sri")
    wangon = shop("wangon", name="Anyaman Wangon")
    batik = shop("ajibarang", name="Batik Ajibarang")
    parts = {
        "sri": sell(sri, (15_000, 3, "makanan-minuman"), when=day(2026, 11, 10)),
        "wangon": sell(
            wangon, (50_000, 1, "kerajinan"), (12_000, 2, "makanan-minuman"), when=day(2026, 11, 11)
        ),
        "cash": sell(batik, (20_000, 2, "batik-fashion"), when=day(2026, 11, 12), cash=True),
        "refunded": sell(sri, (30_000, 1, "makanan-minuman"), when=day(2026, 11, 13)),
    }
    refund(parts["refunded"], when=day(2026, 11, 14))
    db.session.commit()
    return parts


def page(client, **args):
    response = client.get("/bendahara/laporan", query_string=args)
    assert response.status_code == 200, response.text[:500]
    return response


# --- the page ---------------------------------------------------------------------------


def test_kecamatan_report_shows_all_27_and_adds_up_to_the_ledger(client, me, november):
    response = page(client, **NOVEMBER)
    assert "Laporan pendapatan komisi" in response.text
    assert "November 2026" in response.text
    assert "Sementara: buku masih terbuka" in response.text
    rows = tables_of(response.text).tables[0]
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == [
        "Kecamatan",
        "Komisi ▾",
        "Penjualan kotor",
        "Pesanan",
        "Tarif efektif",
        "Dana cabang",
    ]
    assert len(body) == 27
    by_name = {row[0]: row for row in body}
    assert rupiah(by_name["Sokaraja"][GROSS]) == 45_000  # the refunded part counts nothing
    assert by_name["Sokaraja"][ORDERS] == "1"
    assert rupiah(by_name["Wangon"][GROSS]) == 74_000
    assert rupiah(by_name["Ajibarang"][GROSS]) == 40_000
    assert rupiah(by_name["Kembaran"][GROSS]) == 0 and by_name["Kembaran"][RATE] == "–"
    commissions = [rupiah(row[COMMISSION]) for row in body]
    assert total[0] == "Jumlah"
    assert rupiah(total[COMMISSION]) == sum(commissions) == ledger_commission(PERIOD) > 0
    assert total[ORDERS] == "3"  # three orders sold and kept, the refunded one counted once
    chapters = [rupiah(row[CHAPTER]) for row in body]
    assert rupiah(total[CHAPTER]) == sum(chapters)
    # the default rate of 5 %: every row with sales
    assert by_name["Sokaraja"][RATE] == "5,0 %"
    assert "Tidak terperinci" not in response.text


@pytest.mark.parametrize(
    ("tab", "names"),
    [
        ("kategori", ["Kerajinan", "Batik & Fashion", "Makanan & Minuman"]),
        ("anggota", ["Anyaman Wangon", "Batik Ajibarang", "Keripik Sri"]),
    ],
)
def test_category_and_member_reports_add_up_to_the_ledger(client, me, november, tab, names):
    rows = tables_of(page(client, lihat=tab, urut="nama", **NOVEMBER).text).tables[0]
    body, total = rows[1:-1], rows[-1]
    assert sorted(row[0] for row in body) == sorted(names)
    assert [row[0] for row in body] == sorted((row[0] for row in body), key=str.casefold)
    assert (
        rupiah(total[COMMISSION])
        == sum(rupiah(row[COMMISSION]) for row in body)
        == ledger_commission(PERIOD)
    )
    assert rupiah(total[GROSS]) == 45_000 + 74_000 + 40_000


@pytest.mark.parametrize(
    ("sort", "column"), [("komisi", COMMISSION), ("penjualan", GROSS), ("pesanan", ORDERS)]
)
def test_the_headers_sort_the_rows(client, me, november, sort, column):
    response = page(client, lihat="anggota", urut=sort, **NOVEMBER)
    body = tables_of(response.text).tables[0][1:-1]
    values = [rupiah(row[column]) if column != ORDERS else int(row[column]) for row in body]
    assert values == sorted(values, reverse=True)
    assert f"urut={sort}" in response.text


def test_a_manual_adjustment_shows_as_not_attributed_so_the_table_still_adds_up(
    client, me, november
):
    post(
        key="koreksi-1",
        kind="adjustment",
        entries=[("income:commission:central", -1_500), ("cash:bank", 1_500)],
        occurred_at=day(2026, 11, 20),
        memo="Koreksi manual",
    )
    db.session.commit()
    post(  # another month: not in November's row
        key="koreksi-2",
        kind="adjustment",
        entries=[("income:commission:empowerment", -700), ("cash:bank", 700)],
        occurred_at=day(2026, 10, 20),
    )
    db.session.commit()
    for tab in ("kecamatan", "kategori", "anggota"):
        report = tables_of(page(client, lihat=tab, **NOVEMBER).text)
        rows = report.tables[0]
        index = next(
            number
            for number, row in enumerate(rows)
            if row[0] == "Tidak terperinci (penyesuaian manual)"
        )
        assert rupiah(rows[index][COMMISSION]) == 1_500
        body = rows[1:-1]
        assert (
            rupiah(rows[-1][COMMISSION])
            == sum(rupiah(row[COMMISSION]) for row in body)
            == ledger_commission(PERIOD)
        )
        behind = client.get(report.links[0][index][0])
        assert behind.status_code == 200
        listed = tables_of(behind.text).tables[0][1:]
        assert [(row[0], rupiah(row[2]), row[3]) for row in listed] == [
            (f"#{found_id('koreksi-1')} Penyesuaian", 1_500, "Koreksi manual")
        ]


def test_the_funds_tab_splits_each_month_and_each_chapter(client, me, november):
    response = page(client, lihat="dana", dari="2026-10", sampai="2026-11")
    months, chapters = tables_of(response.text).tables
    assert [row[0] for row in months[1:]] == ["Oktober 2026", "November 2026", "Jumlah"]
    october, nov, _total = months[1:]
    assert [rupiah(cell) for cell in october[1:]] == [0, 0, 0, 0]
    whole, empowerment, central, chapter = (rupiah(cell) for cell in nov[1:])
    assert empowerment + central + chapter == whole == ledger_commission(PERIOD)
    assert len(chapters) == 1 + 27 + 1
    by_name = {row[0]: rupiah(row[1]) for row in chapters[1:-1]}
    assert sum(by_name.values()) == rupiah(chapters[-1][1]) == chapter
    assert by_name["Sokaraja"] > 0 and by_name["Kembaran"] == 0


def test_a_closed_month_says_it_is_final(client, me, november):
    close_month(month=PERIOD.first, closed_by=me)
    db.session.commit()
    assert "Final: buku sudah ditutup" in page(client, **NOVEMBER).text


# --- bad periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"bulan": "2026-13"}, "Bulan ditulis sebagai tahun-bulan"),
        ({"tahun": "abcd"}, "Tahun ditulis dengan empat angka"),
        ({"dari": "2026-05", "sampai": "2026-01"}, "Bulan akhir tidak boleh sebelum bulan awal"),
        ({"dari": "2000-01", "sampai": "2026-01"}, "paling banyak 60 bulan"),
        ({"bulan": "9" * 10_240}, "Bulan ditulis sebagai tahun-bulan"),
        ({"tahun": "１２３４"}, "Tahun ditulis dengan empat angka"),
    ],
)
def test_a_bad_period_is_explained_in_indonesian(client, me, args, message):
    for url in (
        "/bendahara/laporan",
        "/bendahara/laporan/kecamatan/sokaraja",
        "/bendahara/laporan/unduh/kecamatan.csv",
    ):
        response = client.get(url, query_string=args)
        assert response.status_code == 400
        assert message in response.text


@pytest.mark.parametrize("args", [{"bulan": "\x00"}, {"tahun": "20\x0026"}, {"urut": "\x00"}])
def test_nul_in_the_period_is_refused_without_a_server_error(client, me, args):
    response = client.get("/bendahara/laporan", query_string=args)
    assert response.status_code in (200, 400)


def test_an_unknown_tab_or_sort_shows_the_default(client, me, november):
    response = page(client, lihat="rahasia", urut="acak", **NOVEMBER)
    assert len(tables_of(response.text).tables[0]) == 1 + 27 + 1


# --- what is behind a row ----------------------------------------------------------------


def test_every_row_links_to_the_parts_and_transactions_behind_it(client, me, november):
    response = page(client, lihat="anggota", **NOVEMBER)
    report = tables_of(response.text)
    rows, links = report.tables[0], report.links[0]
    sri = next(index for index, row in enumerate(rows) if row[0] == "Keripik Sri")
    assert links[sri][0] == links[sri][1]  # the name and the commission link down
    drill = client.get(links[sri][0])
    assert drill.status_code == 200
    parts = tables_of(drill.text)
    lines = parts.tables[0][1:]
    # the sale kept, the refunded sale and its refund
    assert len(lines) == 3
    assert sum(rupiah(line[5]) for line in lines) == rupiah(rows[sri][COMMISSION])
    assert sum(rupiah(line[4]) for line in lines) == rupiah(rows[sri][GROSS])
    codes = {line[1] for line in lines}
    assert november["refunded"].order.code in codes and november["sri"].order.code in codes
    transaction = client.get(parts.links[0][1][0])
    assert transaction.status_code == 200


def test_the_drill_pages_and_its_totals_match_the_row(client, me, november, monkeypatch):
    monkeypatch.setattr(drilling, "DRILL_PER_PAGE", 2)
    first = client.get("/bendahara/laporan/kecamatan/sokaraja", query_string=NOVEMBER)
    second = client.get(
        "/bendahara/laporan/kecamatan/sokaraja", query_string={"page": 2, **NOVEMBER}
    )
    third = client.get(
        "/bendahara/laporan/kecamatan/sokaraja", query_string={"page": 99, **NOVEMBER}
    )
    assert first.status_code == second.status_code == third.status_code == 200
    assert len(tables_of(first.text).tables[0]) == 1 + 2
    assert len(tables_of(second.text).tables[0]) == 1 + 1
    assert "Halaman ini kosong" in third.text
    assert "Halaman 1 dari 2" in first.text
    assert "Kecamatan Sokaraja" in first.text


@pytest.mark.parametrize(
    "url",
    [
        "/bendahara/laporan/kecamatan/tidak-ada",
        "/bendahara/laporan/kecamatan/SOKARAJA",
        "/bendahara/laporan/anggota/999999",
        "/bendahara/laporan/anggota/abc",
        "/bendahara/laporan/kategori/0",
        "/bendahara/laporan/dana/sokaraja",
        "/bendahara/laporan/kategori/" + "9" * 300,
        "/bendahara/transaksi/999999",
    ],
)
def test_unknown_rows_and_transactions_are_not_found(client, me, url):
    assert client.get(url).status_code == 404


def test_a_row_without_sales_still_opens(client, me, november):
    response = client.get("/bendahara/laporan/kecamatan/kembaran", query_string=NOVEMBER)
    assert response.status_code == 200
    assert "Kecamatan Kembaran" in response.text
    assert "Tidak ada penjualan" in response.text
    response = client.get("/bendahara/laporan/kategori/tanpa-kategori", query_string=NOVEMBER)
    assert response.status_code == 200


# --- one transaction ------------------------------------------------------------------------


def test_a_transaction_shows_its_entries_and_what_reversed_it(client, me, november):
    part = november["wangon"]
    sale = db.session.scalars(
        db.select(LedgerTransaction).where(
            LedgerTransaction.idempotency_key == f"order:{part.order_id}:sale"
        )
    ).one()
    response = client.get(f"/bendahara/transaksi/{sale.id}")
    assert response.status_code == 200
    text = response.text
    assert re.search(r"<title>\s*Transaksi #\d+ · Bendahara", text)
    assert "Penjualan" in text and part.order.code in text
    assert db.session.get(User, sale.recorded_by_id).name in text
    assert "Pendapatan komisi: kantor pusat" in text and "Kas di rekening bank" in text
    assert f"Utang ke {part.member.shop_name}" in text
    entries = tables_of(text).tables[0]
    debit = sum(rupiah(row[1]) or 0 for row in entries[1:-1])
    credit = sum(rupiah(row[2]) or 0 for row in entries[1:-1])
    assert debit == credit == rupiah(entries[-1][1]) == rupiah(entries[-1][2]) == part.order.total
    assert f'href="/bendahara/transaksi/{sale.id}/balik"' in text

    reversal = reverse(
        transaction=sale,
        key="balik-1",
        occurred_at=day(2026, 11, 20),
        recorded_by=me,
        memo="Salah konfirmasi",
    )
    reverse_facts(original=sale, reversal=reversal)
    db.session.commit()
    assert (
        f"dibalik oleh transaksi #{reversal.id}"
        in client.get(f"/bendahara/transaksi/{sale.id}").text
    )
    back = client.get(f"/bendahara/transaksi/{reversal.id}").text
    assert f"membalik transaksi #{sale.id}" in back and "Salah konfirmasi" in back
    # neither a reversed transaction nor a reversal is offered for reversal
    assert "/balik" not in client.get(f"/bendahara/transaksi/{sale.id}").text
    assert "/balik" not in back
    # the reversal takes the sale out of the report, and the report still adds up
    rows = tables_of(page(client, **NOVEMBER).text).tables[0]
    by_name = {row[0]: row for row in rows}
    assert rupiah(by_name["Wangon"][COMMISSION]) == 0
    assert rupiah(by_name["Jumlah"][COMMISSION]) == ledger_commission(PERIOD)


# --- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["kecamatan", "kategori", "anggota"])
@pytest.mark.parametrize("sort", ["komisi", "nama"])
def test_the_files_hold_the_pages_numbers(client, me, november, tab, sort):
    post(
        key="koreksi-1",
        kind="adjustment",
        entries=[("income:commission:central", -1_500), ("cash:bank", 1_500)],
        occurred_at=day(2026, 11, 20),
    )
    db.session.commit()
    shown = tables_of(page(client, lihat=tab, urut=sort, **NOVEMBER).text).tables[0][1:]
    url = f"/bendahara/laporan/unduh/{tab}"
    csv_file = client.get(f"{url}.csv", query_string={"urut": sort, **NOVEMBER})
    xlsx_file = client.get(f"{url}.xlsx", query_string={"urut": sort, **NOVEMBER})
    assert csv_file.headers["Content-Disposition"] == (
        f'attachment; filename="komisi-{tab}-2026-11.csv"'
    )
    assert xlsx_file.headers["Content-Disposition"].endswith(f'komisi-{tab}-2026-11.xlsx"')
    assert csv_file.mimetype == "text/csv"
    from_csv = csv_rows(csv_file.data)
    from_xlsx = xlsx_rows(xlsx_file.data)
    assert from_csv[0][0] == from_xlsx[0][0]
    assert "Tarif efektif (basis poin)" in from_csv[0]
    assert len(from_csv) - 1 == len(from_xlsx) - 1 == len(shown)
    for on_page, in_csv, in_xlsx in zip(shown, from_csv[1:], from_xlsx[1:], strict=True):
        assert on_page[0] == in_csv[0] == in_xlsx[0]
        for index in (COMMISSION, GROSS, *((CHAPTER,) if tab == "kecamatan" else ())):
            expected = rupiah(on_page[index])
            assert (int(in_csv[index]) if in_csv[index] else None) == expected
            assert in_xlsx[index] == expected
            assert expected is None or re.fullmatch(r"-?[0-9]+", in_csv[index])
        assert (int(in_csv[ORDERS]) if in_csv[ORDERS] else None) == (
            int(on_page[ORDERS]) if on_page[ORDERS] else None
        )
        assert in_xlsx[ORDERS] == (int(on_page[ORDERS]) if on_page[ORDERS] else None)
        rate = int(in_csv[RATE]) if in_csv[RATE] else None
        assert (rate_text(rate) if rate is not None else "") == (
            on_page[RATE] if on_page[RATE] != "–" else ""
        )
        assert (round(in_xlsx[RATE] * 10_000) if in_xlsx[RATE] is not None else None) == rate
    assert from_csv[-1][0] == "Jumlah" and int(from_csv[-1][COMMISSION]) == ledger_commission(
        PERIOD
    )


def test_the_funds_files_hold_the_pages_numbers(client, me, november):
    args = {"dari": "2026-10", "sampai": "2026-11"}
    months, chapters = tables_of(page(client, lihat="dana", **args).text).tables
    from_csv = csv_rows(client.get("/bendahara/laporan/unduh/dana.csv", query_string=args).data)
    response = client.get("/bendahara/laporan/unduh/dana.xlsx", query_string=args)
    assert response.headers["Content-Disposition"].endswith('komisi-dana-2026-10_2026-11.xlsx"')
    from_xlsx = xlsx_rows(response.data)
    assert [row[0] for row in from_csv[1:]] == ["2026-10", "2026-11", "Jumlah"]
    assert [f"{row[0]:%Y-%m}" if row[0] != "Jumlah" else row[0] for row in from_xlsx[1:]] == [
        "2026-10",
        "2026-11",
        "Jumlah",
    ]
    for on_page, in_csv, in_xlsx in zip(months[1:], from_csv[1:], from_xlsx[1:], strict=True):
        assert [rupiah(cell) for cell in on_page[1:5]] == [int(v) for v in in_csv[1:5]]
        assert [rupiah(cell) for cell in on_page[1:5]] == in_xlsx[1:5]
    # each chapter's amount is the totals row of its column
    header, total = from_csv[0], from_csv[-1]
    for name, amount in ((row[0], rupiah(row[1])) for row in chapters[1:-1]):
        assert int(total[header.index(f"Cabang {name} (Rp)")]) == amount


def test_a_shop_name_that_looks_like_a_formula_stays_text(client, me):
    trap = shop("sokaraja", name='=HYPERLINK("http://x";"klik")')
    sell(trap, (10_000, 1, "kerajinan"), when=day(2026, 11, 10))
    db.session.commit()
    from_csv = csv_rows(
        client.get("/bendahara/laporan/unduh/anggota.csv", query_string=NOVEMBER).data
    )
    assert from_csv[1][0] == "'" + trap.shop_name
    body = client.get("/bendahara/laporan/unduh/anggota.xlsx", query_string=NOVEMBER).data
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == trap.shop_name


# --- a fixed number of queries ----------------------------------------------------------------


def queries_of(client, url: str, **args) -> int:
    client.get("/bendahara/laporan")  # the first request after logging in does more
    db.session.expire_all()
    with recorded_statements() as statements:
        response = client.get(url, query_string=args)
    assert response.status_code == 200
    return len(statements)


def test_the_pages_cost_the_same_queries_with_one_row_or_many(client, me):
    first = shop("sokaraja")
    part = sell(first, (15_000, 1, "makanan-minuman"), when=day(2026, 11, 10))
    db.session.commit()
    sale = db.session.scalar(db.select(LedgerTransaction.id).order_by(LedgerTransaction.id))
    urls = [
        *(
            (("/bendahara/laporan"), {"lihat": tab, **NOVEMBER})
            for tab in ("kecamatan", "kategori", "anggota", "dana")
        ),
        (f"/bendahara/laporan/anggota/{first.id}", NOVEMBER),
        ("/bendahara/laporan/kecamatan/sokaraja", NOVEMBER),
        (f"/bendahara/transaksi/{sale}", {}),
    ]
    few = [queries_of(client, url, **args) for url, args in urls]

    for number, kecamatan in enumerate(("sokaraja", "wangon", "kembaran", "cilongok")):
        other = shop(kecamatan)
        sell(
            other,
            (20_000, 2, "kerajinan"),
            (5_000, 1, "batik-fashion"),
            when=day(2026, 11, 11 + number),
        )
        sell(
            first,
            (9_000, 1 + number, "kerajinan"),
            (1_000, 1, "batik-fashion"),
            when=day(2026, 11, 11 + number),
        )
    refund(
        sell(first, (7_000, 1, "makanan-minuman"), when=day(2026, 11, 20)), when=day(2026, 11, 21)
    )
    db.session.commit()
    assert part.order_id  # the first sale stays the first transaction
    many = [queries_of(client, url, **args) for url, args in urls]
    assert many == few


def test_the_transaction_page_costs_the_same_queries_with_few_entries_or_many(client, me):
    small = sell(shop("sokaraja"), (15_000, 1, "makanan-minuman"), when=day(2026, 11, 10))
    buyer = shopper()
    cart = cart_with(
        buyer,
        *(
            (product(shop(slug), 10_000 + n), 1)
            for n, slug in enumerate(("wangon", "kembaran", "cilongok", "sumbang"))
        ),
    )
    big = checkout(buyer, cart, now=day(2026, 11, 11))
    bank_transfer.confirm(order=big, amount=big.total, by=me, now=day(2026, 11, 11))
    db.session.commit()
    sales = {
        order_id: transaction_id
        for transaction_id, order_id in db.session.execute(
            db.select(LedgerTransaction.id, LedgerTransaction.subject_id)
        )
    }
    few = queries_of(client, f"/bendahara/transaksi/{sales[small.order_id]}")
    many = queries_of(client, f"/bendahara/transaksi/{sales[big.id]}")
    assert few == many
