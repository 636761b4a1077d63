"""Development mail: every message becomes one `.eml` file in a folder, nothing is sent."""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from smarttask.adapters.mail.base import POLICY, MailError, Message, build_email


class FileMailer:
    """Writes RFC 5322 `.eml` files named `<UTC time>-<random>.eml`, so `ls` sorts them by time."""

    name = "files"

    def __init__(self, folder: str, sender: str) -> None:
        self.folder = Path(folder)
        self.sender = sender

    async def send(self, message: Message) -> None:
        """Write the message to a new file (in a thread; the event loop is not blocked)."""
        data = build_email(message, self.sender).as_bytes(policy=POLICY)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.folder / f"{stamp}-{secrets.token_hex(4)}.eml"
        try:
            await asyncio.to_thread(_write, target, data)
        except OSError as error:
            raise MailError(
                f"cannot write mail to {self.folder}: {error.strerror or error}"
            ) from error


def _write(target: Path, data: bytes) -> None:
    """Write to a hidden temporary file, then rename it: a reader never sees half a message."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.part")
    # Owner-only: messages may carry sign-in links and personal data.
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
