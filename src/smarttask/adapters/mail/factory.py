"""The mailer of the configured backend, built once per settings group."""

from __future__ import annotations

from functools import lru_cache

from smarttask.adapters.mail.base import Mailer
from smarttask.settings import MailSettings


@lru_cache(maxsize=8)
def build_mailer(settings: MailSettings) -> Mailer:
    """The mail adapter for `settings` (cached: one per process and settings)."""
    if settings.backend == "smtp":
        from smarttask.adapters.mail.smtp import SmtpMailer

        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            timeout=settings.smtp_timeout,
        )
    from smarttask.adapters.mail.files import FileMailer

    return FileMailer(settings.files_path, settings.sender)
