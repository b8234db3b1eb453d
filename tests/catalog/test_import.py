"""Importing products from CSV: all rows or none, with a reason for every
refused row, whatever Excel or Google Sheets made of the file."""

import pytest
from sqlalchemy import func, select

from marketplace.catalog import imports
from marketplace.catalog.imports import ImportRefused
from marketplace.catalog.models import Product, ProductStatus, ProductVariant
from marketplace.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

HEADER = "nama,kategori,deskripsi,satuan,berat_gram,varian,harga,stok,status"


@pytest.fixture
def member(app):
    found = factories.MemberFactory()
    db.session.commit()
    return found


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join((header, *lines)).encode(encoding)


def run(member, data: bytes) -> imports.ImportReport:
    report = imports.import_csv(member=member, data=data)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return report


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def products() -> list[Product]:
    db.session.expire_all()
    return list(db.session.scalars(select(Product).order_by(Product.id)))


GOOD = (
    (
        'Keripik Tempe,Makanan & Minuman,"Renyah.\nTahan 2 bulan.",bungkus,250,Original,'
        "15.000,20,aktif"
    ),
    "Keripik Tempe,,,,,Pedas,Rp16.000,12,",
    "Besek Bambu,kerajinan,,buah,,,7500,0,",
)


def test_a_good_file_imports_every_product_with_its_variants(member):
    report = run(member, csv_bytes(*GOOD))
    assert report.ok and [row.line for row in report.rows] == [2, 4, 5]
    keripik, besek = products()
    assert (keripik.name, keripik.status, keripik.unit, keripik.weight_grams) == (
        "Keripik Tempe",
        ProductStatus.ACTIVE,
        "bungkus",
        250,
    )
    assert keripik.description == "Renyah.\nTahan 2 bulan."
    assert [(v.name, v.price, v.stock) for v in keripik.variants] == [
        ("Original", 15_000, 20),
        ("Pedas", 16_000, 12),
    ]
    assert (keripik.min_price, keripik.max_price, keripik.total_stock) == (15_000, 16_000, 32)
    assert besek.category.slug == "kerajinan" and besek.status == ProductStatus.DRAFT
    assert [(v.name, v.price, v.stock) for v in besek.variants] == [("Standar", 7_500, 0)]
    assert {p.member_id for p in (keripik, besek)} == {member.id}


def test_the_template_imports_as_it_is(member):
    report = run(member, imports.template_csv())
    assert report.ok and len(report.imported) == 1 and count(ProductVariant) == 2


@pytest.mark.parametrize(
    "encoding, delimiter",
    [("utf-8-sig", ","), ("utf-8", ";"), ("utf-8-sig", ";")],
)
def test_excel_files_with_a_bom_or_semicolons(member, encoding, delimiter):
    lines = [
        f"nama{delimiter}kategori{delimiter}harga{delimiter}stok",
        f"Gula Semut Ñam{delimiter}Makanan & Minuman{delimiter}25.000{delimiter}8",
    ]
    report = run(member, "\r\n".join(lines).encode(encoding))
    assert report.ok
    assert products()[0].name == "Gula Semut Ñam" and products()[0].min_price == 25_000


# Each bad row, alone among good rows, and the reason it is given.
BAD_ROWS = [
    (",Makanan & Minuman,,,,,5000,1,", "Nama produk kosong."),
    ("Getuk,Sayuran,,,,,5000,1,", "Kategori “Sayuran” tidak dikenal"),
    ("Getuk,,,,,,5000,1,", "Kategori kosong"),
    ("Getuk,Makanan & Minuman,,,,,lima ribu,1,", "Harga harus bilangan bulat"),
    ("Getuk,Makanan & Minuman,,,,,15000.50,1,", "Harga harus bilangan bulat"),
    ("Getuk,Makanan & Minuman,,,,,,1,", "Harga kosong."),
    ("Getuk,Makanan & Minuman,,,,,0,1,", "Harga harus lebih dari Rp0."),
    ("Getuk,Makanan & Minuman,,,,,5000,,", "Stok kosong"),
    ("Getuk,Makanan & Minuman,,,,,5000,-2,", "Stok tidak boleh negatif."),
    ("Getuk,Makanan & Minuman,,,abc,,5000,1,", "Berat harus bilangan bulat"),
    ("Getuk,Makanan & Minuman,,,0,,5000,1,", "Berat antara 1"),
    ("Getuk,Makanan & Minuman,,,,,5000,1,arsip", "Status harus draf atau aktif."),
    ("Getuk,Makanan & Minuman,,,,,5000,1,,lebih", "lebih banyak kolom"),
    ("G" * 161 + ",Makanan & Minuman,,,,,5000,1,", "paling panjang 160"),
]


@pytest.mark.parametrize("bad, reason", BAD_ROWS)
def test_one_refused_row_imports_nothing_and_says_why(member, bad, reason):
    report = run(member, csv_bytes(GOOD[0], bad, GOOD[2]))
    assert not report.ok and count(Product) == 0 and count(ProductVariant) == 0
    assert [row.accepted for row in report.rows] == [True, False, True]
    assert any(reason in problem for problem in report.rows[1].problems), report.rows[1].problems
    assert report.rows[1].line == 4  # the first row's description spans two lines


@pytest.mark.parametrize(
    "lines, line, reason",
    [
        (
            ("Getuk,Makanan & Minuman,,,,Kecil,5000,1,", "Getuk,Kerajinan,,,,Besar,6000,1,"),
            3,
            "Kolom kategori berbeda dari baris 2",
        ),
        (
            ("Getuk,Makanan & Minuman,,,,Kecil,5000,1,", "getuk,,,,,kecil,6000,1,"),
            3,
            "Varian “kecil” sudah ada di baris 2",
        ),
        (("Getuk,Makanan & Minuman,,,,,5000,1,", "Getuk,,,,,Besar,6000,1,"), 2, "Beri nama varian"),
        (
            ("Getuk,Makanan & Minuman,,,,A,5000,1,aktif", "Getuk,,,,,B,6000,1,draf"),
            3,
            "Kolom status berbeda",
        ),
    ],
)
def test_rows_of_one_product_must_agree(member, lines, line, reason):
    report = run(member, csv_bytes(*lines))
    refused = {row.line: row.problems for row in report.refused}
    assert any(reason in problem for problem in refused[line]), refused
    assert count(Product) == 0


def test_a_product_already_in_the_shop_is_not_imported_twice(member):
    factories.ProductFactory(member=member, name="Keripik Tempe")
    db.session.commit()
    report = run(member, csv_bytes(*GOOD))
    assert [row.accepted for row in report.rows] == [False, False, True]
    assert "sudah ada di toko Anda" in report.rows[0].problems[0]
    assert count(Product) == 1


def test_same_name_in_another_shop_is_fine(member):
    factories.ProductFactory(name="Keripik Tempe")
    db.session.commit()
    assert run(member, csv_bytes(*GOOD)).ok


@pytest.mark.parametrize(
    "data, reason",
    [
        (csv_bytes("Café,Makanan & Minuman,,,,,5000,1,", encoding="cp1252"), "UTF-8"),
        (b"", "kosong"),
        (HEADER.encode(), "belum berisi produk"),
        (csv_bytes(header="nama,kategori,harga"), "harus memuat nama, kategori, harga, stok"),
        (csv_bytes(header="nama,kategori,harga,stok,harga"), "masing-masing satu kali"),
        (csv_bytes(header="nama,kategori,harga,stok,diskon"), "Kolom tidak dikenal: diskon"),
        (b"nama,kategori,harga,stok\n\x00\x01\x02", "bukan CSV"),
        (b"x" * (imports.MAX_BYTES + 1), "terlalu besar"),
        (
            csv_bytes(*[f"Getuk,Makanan & Minuman,,,,V{i},5000,1," for i in range(501)]),
            "Paling banyak 500 baris",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(member, data, reason):
    with pytest.raises(ImportRefused, match=reason):
        imports.import_csv(member=member, data=data)
    db.session.rollback()
    assert count(Product) == 0


def test_blank_rows_and_trailing_empty_columns_from_excel_are_ignored(member):
    data = (
        "nama;kategori;harga;stok;;\r\nMendoan;Makanan & Minuman;5.000;10;;\r\n;;;;;\r\n\r\n"
    ).encode("utf-8-sig")
    report = run(member, data)
    assert report.ok and len(report.rows) == 1


def test_five_hundred_rows_are_fine(member):
    rows = [f"Produk {i},Makanan & Minuman,,,,,{1000 + i},{i % 7}," for i in range(500)]
    report = run(member, csv_bytes(*rows))
    assert report.ok and count(Product) == 500
