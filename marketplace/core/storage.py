"""Where uploaded and generated files live. Local directory by default
(UPLOAD_DIR); another store (S3-compatible) can sit behind the same methods."""

import os
import re
import secrets
import shutil
from pathlib import Path

from flask import current_app
from werkzeug.utils import safe_join

NAME_MAX = 255  # bytes in one file or folder name (ext4, XFS, APFS, NTFS)
# A key exactly as `save` makes it: a folder, 32 hex digits, a suffix. Any
# other spelling of a file (`x/../`, `./`, `//`, a backslash, upper case, an
# encoded dot) is no key at all.
KEY = re.compile(r"(?P<folder>[a-z]+)/[0-9a-f]{32}\.[a-z0-9]{1,5}")


def folder_of(key: str) -> str | None:
    """The folder of `key` if it is a key as `save` makes it, else None."""
    match = KEY.fullmatch(key)
    return match["folder"] if match else None


class LocalStorage:
    # Where core.variants keeps the smaller copies of a key: `variants/<key>/`.
    # Never a key itself (a key has one slash), so /media cannot serve it as one.
    VARIANTS = "variants"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def save(self, data: bytes, *, folder: str, suffix: str) -> str:
        """Store `data` under a random name and return its key."""
        key = f"{folder}/{secrets.token_hex(16)}{suffix}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return key

    def path(self, key: str) -> Path | None:
        """The file of `key`, or None when the key would leave the root or
        cannot name a file at all (a part longer than file systems allow)."""
        if any(len(part.encode()) > NAME_MAX for part in key.split("/")):
            return None
        joined = safe_join(str(self.root), key)
        return Path(joined) if joined else None

    def delete(self, key: str) -> None:
        """Remove the file of `key` and the variants made of it. Anything
        that is not a key as `save` makes it names no file of ours (a folder,
        the variants' own): nothing is removed."""
        if not KEY.fullmatch(key):
            return
        path = self.path(key)
        if path is not None:
            path.unlink(missing_ok=True)
        variants = self.path(f"{self.VARIANTS}/{key}")
        if variants is not None:
            shutil.rmtree(variants, ignore_errors=True)


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_DIR"])
