"""Matching the bank's account statement with the orders awaiting a
transfer (/bendahara/mutasi): reading the banks' CSV layouts, storing each
line once, what each credit means, and confirming through the transfer
queue's own service."""

import io
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.ledger.balances import balance, problems
from marketplace.orders import fulfilment
from marketplace.orders.status import OrderError, OrderStatus
from marketplace.payments.models import PaymentReceipt
from marketplace.treasury import statement, statement_file
from marketplace.treasury.models import StatementImport, StatementLine
from marketplace.treasury.statement_file import StatementError, Transaction, fingerprints, read
from tests.orders.test_race import POOL, together
from tests.sql import recorded_statements
from tests.treasury.helpers import transfer_order, treasurer


@pytest.fixture
def me(login_as):
    return login_as(treasurer())


def dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def english(amount: int) -> str:
    return f"{amount:,}.00"


TODAY = date.today().strftime("%d/%m/%Y")


def generic(*rows: tuple[str, str, str]) -> bytes:
    lines = ["tanggal;keterangan;jumlah", *(";".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def upload(client, data: bytes, name: str = "mutasi.csv"):
    # Encoded here into bytes: for a big file the test client would spool the
    # body to a temporary file that it never closes when the body is not read.
    boundary, body = encode_multipart(
        {"statement": FileStorage(io.BytesIO(data), filename=name, content_type="text/csv")}
    )
    return client.post(
        "/bendahara/mutasi", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.text)


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.get("_flashes", [])


def stored(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- reading the banks' layouts ----------------------------------------------------


def test_the_generic_layout_reads_credits_and_debits_the_indonesian_way():
    found = read(
        generic(
            ("01/12/2026", "TRF DARI SITI AMINAH", "115.123"),
            ("02/12/2026", "BIAYA ADM", "-12.500"),
            ("2026-12-03", "SETORAN", "Rp1.500.000,00"),
        )
    )
    assert found == [
        Transaction(2, date(2026, 12, 1), "TRF DARI SITI AMINAH", 115_123),
        Transaction(3, date(2026, 12, 2), "BIAYA ADM", -12_500),
        Transaction(4, date(2026, 12, 3), "SETORAN", 1_500_000),
    ]


def test_klikbca_layout_with_its_preamble_cr_column_and_summary_rows():
    data = (
        b"No. rekening : ,'0987654321\n"
        b"Nama : ,ASPIKMAS BANYUMAS\n"
        b"Periode : ,15/12/2026 - 14/01/2027\n"
        b"Kode Mata Uang : ,Rp\n"
        b"\n"
        b"Tanggal Transaksi,Keterangan,Cabang,Jumlah,,Saldo\n"
        b"'20/12,TRSF E-BANKING CR 2012/FTSCY/WS95031 115123.00 SRI LESTARI,'0000,"
        b"115123.00,CR,2615123.00\n"
        b"'31/12,BIAYA ADM,'0000,\"12,500.00\",DB,2602623.00\n"
        b"'02/01,TRSF E-BANKING CR 0201 PUTRA,'0000,\"1,250,000.00\",CR,3852623.00\n"
        b"Saldo Awal,,,2500000.00\n"
        b"Mutasi Kredit,,,1365123.00,2\n"
        b"Saldo Akhir,,,3852623.00\n"
    )
    found = read(data)
    assert [(t.booked_on, t.amount) for t in found] == [
        (date(2026, 12, 20), 115_123),
        (date(2026, 12, 31), -12_500),
        (date(2027, 1, 2), 1_250_000),
    ]
    assert found[0].line_number == 7
    assert found[0].description.startswith("TRSF E-BANKING CR")


def test_credit_and_debit_columns_as_mandiri_exports_them():
    data = (
        b"Tgl.;Tgl. Val.;Rincian Transaksi;No. Referensi;Debit;Kredit;Saldo\n"
        b"05/12/2026;05/12/2026;TRANSFER DARI BUDI;REF1;;1.500.000,00;9.000.000,00\n"
        b"06/12/2026;06/12/2026;BIAYA;REF2;6.500,00;;8.993.500,00\n"
    )
    assert [(t.description, t.amount) for t in read(data)] == [
        ("TRANSFER DARI BUDI", 1_500_000),
        ("BIAYA", -6_500),
    ]


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("150,000.00 CR", 150_000),
        ("150,000.00 DB", -150_000),
        ("(12.500)", -12_500),
        ("150000,00", 150_000),
        ("150000.00", 150_000),
        ("1,500,000", 1_500_000),
        ("1.500.000", 1_500_000),
        ("IDR 75.000", 75_000),
    ],
)
def test_amounts_written_either_way_with_their_marks(cell, amount):
    data = f'tanggal,keterangan,jumlah\n01/12/2026,X,"{cell}"\n'.encode()
    assert read(data)[0].amount == amount


@given(st.integers(min_value=1, max_value=10**12))
def test_an_amount_reads_the_same_written_the_indonesian_or_the_english_way(amount):
    indonesian = f"{dotted(amount)},00"
    data = (
        f'tanggal;keterangan;jumlah\n01/12/2026;A;{indonesian}\n01/12/2026;B;"{english(amount)}"\n'
    )
    assert [t.amount for t in read(data.encode())] == [amount, amount]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (generic(("01/12/2026", "A", "1.000"), ("31/02/2026", "B", "2.000")), "Baris 3: tanggal"),
        (generic(("01/12/2026", "A", "1.500,50")), "Baris 2"),
        (generic(("01/12/2026", "A", "")), "Baris 2: jumlah kosong"),
        (generic(("01/12/2026", "A", "seratus")), "Baris 2"),
        (b"nama,alamat\nSiti,Sokaraja\n", "Judul kolom tidak ditemukan"),
        (b"tanggal;keterangan;jumlah\n", "tidak berisi satu pun transaksi"),
        (b"\x00\x01\x02tanggal", "bukan CSV"),
        (
            b"tanggal;keterangan;debit;kredit\n01/12/2026;A;1.000;2.000\n",
            "kredit dan debit sama-sama terisi",
        ),
    ],
)
def test_a_file_that_cannot_be_read_names_its_line(data, message):
    with pytest.raises(StatementError) as refused:
        read(data)
    assert message in refused.value.message


def test_a_description_that_looks_like_a_formula_is_kept_as_text():
    found = read(generic(("01/12/2026", "=cmd|' /C calc'!A0", "1.000")))
    assert found[0].description == "=cmd|' /C calc'!A0"


def test_too_many_lines_are_refused():
    rows = [("01/12/2026", f"T{n}", "1.000") for n in range(statement_file.MAX_LINES + 1)]
    with pytest.raises(StatementError, match="lebih dari 5.000 transaksi"):
        read(generic(*rows))


def test_fingerprints_tell_apart_two_equal_transfers_in_one_file():
    found = read(generic(("01/12/2026", "TRF", "50.000"), ("01/12/2026", "TRF", "50.000")))
    first, second = fingerprints(found)
    assert first != second
    assert fingerprints(found[:1]) == [first]


# --- the page: upload, match, confirm -----------------------------------------------


def test_a_matching_credit_is_confirmed_through_the_transfer_queues_service(client, me):
    order = transfer_order(price=40_000)
    other = transfer_order(price=25_000)
    response = upload(
        client,
        generic(
            (TODAY, "TRF DARI SRI", dotted(order.total)),
            (TODAY, "BIAYA ADMIN BULANAN", "-6.500"),
        ),
    )
    assert response.status_code == 302
    assert (
        "success",
        (
            "2 baris terbaca, 2 baru (1 uang masuk). Yang cocok dengan pesanan bisa "
            "dikonfirmasi di bawah."
        ),
    ) in flashes(client)
    page = text_of(client.get("/bendahara/mutasi"))
    assert f"Cocok: pesanan {order.code}." in page
    assert "BIAYA ADMIN BULANAN" not in page  # debits are not waiting for anything
    line = db.session.scalar(select(StatementLine).where(StatementLine.amount > 0))

    confirmed = client.post(f"/bendahara/mutasi/{line.id}/konfirmasi")
    assert confirmed.status_code == 302
    db.session.refresh(order)
    db.session.refresh(line)
    assert order.status == OrderStatus.PAID
    assert line.order_id == order.id and line.confirmed_by_id == me.id
    receipt = db.session.scalar(select(PaymentReceipt).where(PaymentReceipt.order_id == order.id))
    assert receipt.amount == order.total and receipt.note.startswith(f"Mutasi {TODAY}: TRF")
    assert balance("cash:bank") == order.total
    assert problems() == []
    db.session.refresh(other)
    assert other.status == OrderStatus.PENDING_PAYMENT
    assert f"Dikonfirmasi untuk pesanan {order.code}." in text_of(
        client.get("/bendahara/mutasi?tampil=dikonfirmasi")
    )
    # Twice: refused, nothing more.
    again = client.post(f"/bendahara/mutasi/{line.id}/konfirmasi")
    assert again.status_code == 302
    assert ("danger", "Kredit ini sudah dipakai untuk mengonfirmasi pesanan.") in flashes(client)
    assert balance("cash:bank") == order.total


def test_the_same_file_twice_stores_and_confirms_nothing_twice(client, me):
    order = transfer_order(price=40_000)
    data = generic((TODAY, "TRF DARI SRI", dotted(order.total)))
    upload(client, data)
    client.post("/bendahara/mutasi/konfirmasi-semua")
    upload(client, data)
    assert ("info", "1 baris terbaca, semuanya sudah pernah diunggah: tidak ada yang baru.") in (
        flashes(client)
    )
    assert stored(StatementLine) == 1 and stored(StatementImport) == 2
    client.post("/bendahara/mutasi/konfirmasi-semua")
    assert balance("cash:bank") == order.total
    assert stored(PaymentReceipt) == 1


def test_confirm_all_confirms_every_match_and_flags_a_second_credit_of_one_amount(client, me):
    first, second = transfer_order(price=40_000), transfer_order(price=25_000)
    upload(
        client,
        generic(
            (TODAY, "TRF A", dotted(first.total)),
            (TODAY, "TRF B", dotted(second.total)),
            (TODAY, "TRF A LAGI", dotted(first.total)),
        ),
    )
    page = text_of(client.get("/bendahara/mutasi"))
    assert "Mungkin pembeli mentransfer dua kali" in page
    assert page.count("Konfirmasi PA-") == 2

    client.post("/bendahara/mutasi/konfirmasi-semua")
    assert any(
        kind == "success" and message.startswith("2 pesanan lunas")
        for kind, message in flashes(client)
    )
    for order in (first, second):
        db.session.refresh(order)
        assert order.status == OrderStatus.PAID
    assert balance("cash:bank") == first.total + second.total
    page = text_of(client.get("/bendahara/mutasi"))
    assert f"Pesanan {first.code} dengan jumlah ini sudah lunas" in page  # the second credit
    assert "Konfirmasi semua yang cocok" not in page


def test_a_credit_for_a_cancelled_order_or_off_by_one_rupiah_confirms_nothing(client, me):
    cancelled = transfer_order(price=40_000)
    fulfilment.cancel_order(order=cancelled, by=cancelled.buyer)
    db.session.commit()
    waiting = transfer_order(price=25_000)
    upload(
        client,
        generic(
            (TODAY, "TRF TELAT", dotted(cancelled.total)),
            (TODAY, "TRF KURANG", dotted(waiting.total - 1)),
            (TODAY, "BUNGA", "1.234"),
        ),
    )
    page = text_of(client.get("/bendahara/mutasi"))
    assert f"Jumlah ini milik pesanan {cancelled.code} yang sudah dibatalkan" in page
    assert f"Paling dekat: {waiting.code}" in page and "kurang Rp1." in page
    assert "Tidak ada pesanan menunggu transfer dengan jumlah ini." in page
    assert "Konfirmasi PA-" not in page
    client.post("/bendahara/mutasi/konfirmasi-semua")
    assert ("info", "Tidak ada kredit yang cocok untuk dikonfirmasi.") in flashes(client)
    db.session.refresh(waiting)
    assert waiting.status == OrderStatus.PENDING_PAYMENT
    assert stored(PaymentReceipt) == 0


def test_a_malformed_file_names_its_line_and_writes_nothing(client, me):
    response = upload(client, generic((TODAY, "A", "1.000"), ("kemarin", "B", "2.000")))
    assert response.status_code == 400
    assert "Baris 3: tanggal “kemarin” tidak bisa dibaca." in response.text
    assert stored(StatementImport) == 0 and stored(StatementLine) == 0


@pytest.mark.parametrize(
    ("name", "size", "status", "message"),
    [
        ("mutasi.csv", 3 * 1024 * 1024, 400, "Berkas mutasi paling besar 2 MB."),
        ("mutasi.xlsx", 100, 400, "Berkas mutasi harus CSV (.csv atau .txt)."),
        ("mutasi.csv", 50 * 1024 * 1024, 413, "Berkas yang dikirim terlalu besar."),
    ],
)
def test_a_file_too_big_or_not_csv_is_refused(client, me, name, size, status, message):
    response = upload(client, b"a" * size, name)
    assert response.status_code == status
    assert message in response.text
    assert stored(StatementImport) == 0


def test_a_formula_in_a_description_is_shown_as_text(client, me):
    upload(client, generic((TODAY, "=cmd|' /C calc'!A0 <b>x</b>", "1.000")))
    page = client.get("/bendahara/mutasi").text
    assert "=cmd|&#39; /C calc&#39;!A0 &lt;b&gt;x&lt;/b&gt;" in page


def test_the_page_costs_the_same_statements_for_few_or_many_lines(client, me):
    def cost(rows: int) -> int:
        orders = [transfer_order(price=10_000 + n * 1_000) for n in range(rows)]
        upload(
            client,
            generic(*((TODAY, f"TRF {o.code}", dotted(o.total)) for o in orders)),
        )
        with recorded_statements() as statements:
            assert client.get("/bendahara/mutasi").status_code == 200
        return len(statements)

    assert cost(2) == cost(8)


def test_only_the_treasurer_uploads_or_confirms(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/bendahara/mutasi").status_code == 403
    assert upload(client, generic((TODAY, "A", "1.000"))).status_code == 403
    assert client.post("/bendahara/mutasi/konfirmasi-semua").status_code == 403
    assert stored(StatementImport) == 0


# --- two treasurers at once (PostgreSQL: real row locks) ------------------------------


@pytest.mark.postgres
def test_two_treasurers_confirming_one_credit_at_once_confirm_it_once(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)
    with app.app_context():
        order = transfer_order(price=40_000)
        first, second = treasurer(), treasurer()
        statement.import_statement(
            data=generic((TODAY, "TRF", dotted(order.total))), filename="m.csv", by=first
        )
        db.session.commit()
        line_id = db.session.scalar(select(StatementLine.id))
        people = (first.id, second.id)
        order_id, total = order.id, order.total

    def confirming(user_id):
        def job(barrier):
            by = db.session.get(User, user_id)
            barrier.wait()
            line = statement.lock_line(line_id)
            try:
                statement.confirm(line=line, by=by)
            except OrderError:
                db.session.rollback()
                return "refused"
            db.session.commit()
            return "confirmed"

        return job

    outcomes = together(app, *(confirming(user_id) for user_id in people))
    assert sorted(outcomes) == ["confirmed", "refused"]
    with app.app_context():
        assert db.session.get(StatementLine, line_id).order_id == order_id
        assert stored(PaymentReceipt) == 1
        assert balance("cash:bank") == total
        assert problems() == []
