"""The signing key of a zero-configuration install: generated once, kept in the data folder.

Without SMARTTASK_SECRET_KEY, development generates a random key on first start and keeps
it in `<data dir>/secret_key` (owner-only, 0600), so that tokens survive a restart and
every worker process signs with the same key. The file is created atomically: the key is
written to a private temporary file which is then hard-linked to its name, which fails if
another process got there first; everyone then reads back the one key that won.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from pathlib import Path

FILE_NAME = "secret_key"
MIN_LENGTH = 32
_READ_ATTEMPTS = 50


class KeyFileError(Exception):
    """The key file cannot be created or holds no usable key."""


def new_key() -> str:
    """A fresh random signing key (48 random bytes, URL-safe)."""
    return secrets.token_urlsafe(48)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(
            f"cannot read the signing key file {path} ({error}); set SMARTTASK_SECRET_KEY, "
            "or SMARTTASK_DATA_DIR to a folder this user may write"
        ) from error


def _write_exclusive(path: Path, key: str) -> None:
    """Create the file only if it does not exist (for filesystems without hard links)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
        file.flush()
        os.fsync(file.fileno())


def _publish(folder: Path, path: Path, key: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{FILE_NAME}.", dir=folder)  # 0600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(key + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # atomic, and fails when another process won
        except FileExistsError:
            pass
        except OSError:
            _write_exclusive(path, key)
    finally:
        os.unlink(temporary)


def load_or_create(folder: str | Path) -> str:
    """The key kept in `folder`, generated and stored (0600) by the first caller."""
    folder = Path(folder)
    path = folder / FILE_NAME
    key = _read(path)
    if key is None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _publish(folder, path, new_key())
        except OSError as error:
            raise KeyFileError(
                f"cannot create the signing key file {path} ({error}); set "
                "SMARTTASK_SECRET_KEY, or SMARTTASK_DATA_DIR to a writable folder"
            ) from error
        key = _read(path)
    # Only the exclusive-create fallback can show a file still being written: wait for it.
    for _ in range(_READ_ATTEMPTS):
        if key is not None and len(key) >= MIN_LENGTH:
            return key
        time.sleep(0.01)
        key = _read(path)
    raise KeyFileError(
        f"the signing key file {path} holds no usable key (at least {MIN_LENGTH} "
        "characters); delete it to generate a new one, or set SMARTTASK_SECRET_KEY"
    )
