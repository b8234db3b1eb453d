"""The audit log as CSV for the admin: UTF-8 with a byte order mark (so
Excel reads it as UTF-8), ISO 8601 timestamps in Banyumas time, the
before/after as JSON. A cell that a spreadsheet would take for a formula
is quoted with a leading apostrophe."""

import csv
import io
import json
from collections.abc import Iterable, Iterator

from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.core.clock import WIB, as_utc

BOM = "\ufeff"
HEADER = (
    "waktu",
    "aksi",
    "aksi_label",
    "pelaku_email",
    "pelaku_nama",
    "ringkasan",
    "subjek",
    "subjek_id",
    "sebelum",
    "sesudah",
    "alamat_klien",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _json(value: dict | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def row(event: AuditEvent) -> list[str]:
    action = AuditAction(event.action)
    actor = event.actor
    return [
        as_utc(event.occurred_at).astimezone(WIB).isoformat(timespec="seconds"),
        action.value,
        action.label,
        _cell(actor.email if actor else ""),
        _cell(actor.name if actor else ""),
        _cell(event.summary),
        event.subject_type,
        "" if event.subject_id is None else str(event.subject_id),
        _cell(_json(event.before)),
        _cell(_json(event.after)),
        event.client_address or "",
    ]


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The file, a line at a time (so a long log streams)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield BOM + flush()
    for event in events:
        writer.writerow(row(event))
        yield flush()
