"""The bank's bulk-transfer file of an approved payout batch: one row per
line waiting for its transfer, written by the shop's one CSV writer
(core.csvfile: UTF-8 with BOM, ";" between cells, CRLF, and a text cell
that a spreadsheet would run as a formula, starting with = + - @, written
with a leading apostrophe).

A generic layout, not one bank's own: the columns every bank's bulk
upload (BRI CMS, BCA KlikBCA Bisnis, Mandiri MCM, BNI Direct) asks for, in
this order, for the treasurer to map or paste into the bank's template:

    nomor rekening          the member's account number, as they typed it
    nama pemilik rekening   the account holder's name
    nama bank               the bank's name (BRI, BCA, Mandiri, BPD Jateng ...)
    jumlah                  whole rupiah, digits only (no dots, no "Rp")
    berita/referensi        ASPIKMAS BP<batch>-<line>: short enough for the
                            bank's transfer note, and what the treasurer
                            finds back on the bank statement

The bank details are those copied onto the line when the batch was
prepared, so the file says what the approver saw."""

from marketplace.core import csvfile
from marketplace.treasury.models import LineStatus, PayoutBatch, PayoutLine

HEADER = ("nomor rekening", "nama pemilik rekening", "nama bank", "jumlah", "berita/referensi")


def note(line: PayoutLine) -> str:
    """The transfer note: `ASPIKMAS BP12-34`."""
    return f"ASPIKMAS BP{line.batch_id}-{line.id}"


def filename(batch: PayoutBatch) -> str:
    return f"transfer-massal-{batch.code}.csv"


def bank_file(batch: PayoutBatch) -> bytes:
    """The lines still to transfer (held), in the order the batch page lists them."""
    rows = [
        (
            csvfile.text_cell(line.bank_account_number),
            csvfile.text_cell(line.bank_account_holder),
            csvfile.text_cell(line.bank_name),
            line.amount,
            note(line),
        )
        for line in batch.lines
        if line.status == LineStatus.HELD
    ]
    return csvfile.document(HEADER, rows)
