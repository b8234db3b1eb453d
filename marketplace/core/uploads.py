"""Scans of documents (certificates): a picture, which goes through
`process_image` like any photo, or a PDF, which is checked and kept as sent.

A PDF is judged by its content: it starts with `%PDF-`, ends with `%%EOF`
(nothing appended after it), parses with pypdf, has 1 to MAX_PDF_PAGES
pages, is not encrypted, and nothing reachable from its catalog can run or
carry something: no JavaScript, no launch or import action, no embedded or
attached file, no rich media, no XFA form. Names are compared as pypdf
decodes them, so `/J#61vaScript` is `/JavaScript`."""

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from marketplace.core.errors import DomainError
from marketplace.core.images import ImageRejected, NotAPicture, process_image

PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 10
MAX_PDF_OBJECTS = 20_000  # a certificate has a few hundred; more is an attack or a mistake

# Keys that carry a script, an attached file or an active element.
FORBIDDEN_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia", "/XFA"}
)
# Action types (`/S`) that run something or leave the document.
FORBIDDEN_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/GoToE", "/RichMediaExecute", "/SubmitForm"}
)
# The same names as written in plain (uncompressed) objects, whether
# reachable or not: a second net for what another reader might find.
RAW_ACTIVE = re.compile(
    rb"/(?:JS|JavaScript|Launch|EmbeddedFiles?|RichMedia|XFA|ImportData)(?![A-Za-z0-9])"
)

NOT_A_SCAN = "Pindaian harus berupa foto (JPEG, PNG, WebP) atau berkas PDF."
PDF_TOO_BIG = f"Berkas PDF terlalu besar; maksimal {MAX_PDF_BYTES // (1024 * 1024)} MB."
PDF_UNREADABLE = "Berkas PDF rusak atau tidak bisa dibaca. Coba simpan ulang PDF-nya."
PDF_TRAILING = (
    "Berkas PDF tidak berakhir sebagaimana mestinya (ada data lain sesudahnya). "
    "Simpan ulang PDF-nya lalu unggah lagi."
)
PDF_ENCRYPTED = "PDF ini dikunci kata sandi. Unggah PDF tanpa kata sandi."
PDF_TOO_MANY_PAGES = f"PDF terlalu banyak halaman; maksimal {MAX_PDF_PAGES} halaman."
PDF_ACTIVE = (
    "PDF ini berisi skrip, lampiran berkas, atau isian aktif yang tidak kami terima. "
    "Cetak ulang sebagai PDF biasa atau unggah fotonya."
)
PDF_TOO_COMPLEX = (
    "PDF ini terlalu rumit untuk diperiksa. Unggah foto atau PDF yang lebih sederhana."
)


class ScanRejected(DomainError):
    """The upload is not a scan we accept."""


@dataclass(frozen=True)
class ProcessedScan:
    data: bytes
    suffix: str  # ".webp" for a picture, ".pdf" for a PDF


def _active_parts(root: DictionaryObject) -> bool:
    """Whether anything reachable from the document catalog could run or
    carry something. Raises ScanRejected past MAX_PDF_OBJECTS."""
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [root]
    visited = 0
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            reference = (node.idnum, node.generation)
            if reference in seen:
                continue
            seen.add(reference)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ScanRejected(PDF_TOO_COMPLEX)
        if isinstance(node, DictionaryObject):
            if FORBIDDEN_KEYS.intersection(node.keys()):
                return True
            action = node.get("/S")
            if isinstance(action, NameObject) and action in FORBIDDEN_ACTIONS:
                return True
            pending.extend(node.values())
        elif isinstance(node, ArrayObject):
            pending.extend(node)
    return False


def check_pdf(data: bytes) -> bytes:
    """`data` when it is a PDF we accept, else ScanRejected."""
    if len(data) > MAX_PDF_BYTES:
        raise ScanRejected(PDF_TOO_BIG)
    if not data.startswith(PDF_MAGIC):
        raise ScanRejected(PDF_UNREADABLE)
    if not data.rstrip().endswith(PDF_END):
        raise ScanRejected(PDF_TRAILING)
    if RAW_ACTIVE.search(data):
        raise ScanRejected(PDF_ACTIVE)
    try:
        # Not strict: phone scanner apps write slightly damaged files that
        # every viewer opens. What pypdf repairs is still walked below.
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ScanRejected(PDF_ENCRYPTED)
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PDF_PAGES:
            raise ScanRejected(PDF_TOO_MANY_PAGES if pages else PDF_UNREADABLE)
        root = reader.trailer["/Root"].get_object()
        if not isinstance(root, DictionaryObject):
            raise ScanRejected(PDF_UNREADABLE)
        active = _active_parts(root)
    except ScanRejected:
        raise
    except Exception as error:  # hostile input may break the parser anywhere
        raise ScanRejected(PDF_UNREADABLE) from error
    if active:
        raise ScanRejected(PDF_ACTIVE)
    return data


def process_scan(data: bytes) -> ProcessedScan:
    """A PDF as it came, or a picture re-encoded as the large WebP of
    `process_image`; ScanRejected with a message to show otherwise."""
    if data.startswith(PDF_MAGIC):
        return ProcessedScan(data=check_pdf(data), suffix=".pdf")
    try:
        image = process_image(data)
    except NotAPicture as error:
        raise ScanRejected(NOT_A_SCAN) from error
    except ImageRejected as error:
        raise ScanRejected(error.message) from error
    return ProcessedScan(data=image.large, suffix=image.suffix)
