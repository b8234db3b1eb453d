"""The audit log as the shop's CSV (core.csvfile) for the admin: ISO 8601
timestamps in Banyumas time, the before/after as JSON."""

import json
from collections.abc import Iterable, Iterator

from marketplace.audit.models import AuditAction, AuditEvent
from marketplace.core import csvfile
from marketplace.core.clock import WIB, as_utc

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


def _cell(value: object) -> str:
    return csvfile.text_cell("" if value is None else str(value))


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
    return csvfile.lines(HEADER, (row(event) for event in events))
