"""Fingerprinted static files: a name that changes with the content, cached
for a year, and sent compressed.

At start the app copies each file of static/ under a name that carries
the first 12 hex digits of its SHA-256 (`css/app.css` ->
`css/app.3f2a1c9b0d4e.css`) into STATIC_BUILD_DIR, beside a gzip and a
brotli copy of the text ones. WhiteNoise serves that folder under /static/
too: a fingerprinted name gets `Cache-Control: max-age=..., immutable`
(nothing under that name can ever change), and the compressed copy the
browser accepts, with `Vary: Accept-Encoding`. Templates name files with
`static_url('css/app.css')` alone, so a changed file is fetched again by
every browser on its next page, and an unchanged one never.

Doing it at start (not in a build step) keeps one source of truth, the
files under static/: there is nothing to forget to rebuild. Copies are
written once per content (the name says the content) and atomically, so
gunicorn's workers starting together write the same bytes harmlessly. The
plain names still answer (a bookmarked or old link), with the short cache
WhiteNoise gives them."""

import gzip
import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import brotli
from flask import Flask, current_app, url_for

EXTENSION = "static_files"
DIGITS = 12
# Text that compresses; images and fonts already are compressed.
COMPRESSIBLE = frozenset({".css", ".js", ".map", ".svg", ".txt", ".json", ".xml", ".ico"})
# A compressed copy not worth its bytes is not kept (WhiteNoise sends the file).
WORTH = 0.95


def fingerprinted(relative: str, content: bytes) -> str:
    """`css/app.css` -> `css/app.<hash>.css` (`bootstrap.min.<hash>.css`)."""
    digest = hashlib.sha256(content).hexdigest()[:DIGITS]
    folder, _, name = relative.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot and stem else f"{name}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


def _write(path: Path, content: bytes) -> None:
    """Atomically: a reader (another worker) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def build(source: Path, target: Path) -> dict[str, str]:
    """Copy every file under `source` to `target` under its fingerprinted
    name (compressed copies first: once the file is there, so are they);
    answer {relative name: fingerprinted name}."""
    names = {}
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        relative = path.relative_to(source).as_posix()
        content = path.read_bytes()
        names[relative] = fingerprinted(relative, content)
        copy = target / names[relative]
        if copy.exists():
            continue
        if path.suffix.lower() in COMPRESSIBLE:
            variants = {
                ".gz": gzip.compress(content, compresslevel=9, mtime=0),
                ".br": brotli.compress(content, quality=11),
            }
            for ending, packed in variants.items():
                if len(packed) < len(content) * WORTH:
                    _write(copy.with_name(copy.name + ending), packed)
        _write(copy, content)
    return names


def is_fingerprinted(target: Path, path: str) -> bool:
    """WhiteNoise's `immutable_file_test`: a file of the build folder."""
    return Path(path).is_relative_to(target)


def static_url(filename: str) -> str:
    """The URL of static/`filename` under its fingerprinted name. A name
    that is not a file under static/ is a mistake in a template: it fails
    (in the tests) rather than link to nothing."""
    names: Mapping[str, str] = current_app.extensions[EXTENSION]
    if filename not in names:
        raise LookupError(f"no static file {filename!r}")
    return url_for("static", filename=names[filename])


def register_static_files(app: Flask) -> Path:
    """Build the fingerprinted copies and give templates `static_url`;
    answer the folder WhiteNoise serves them from."""
    target = Path(app.config["STATIC_BUILD_DIR"])
    app.extensions[EXTENSION] = build(Path(app.static_folder or "static"), target)
    app.add_template_global(static_url, "static_url")
    return target
