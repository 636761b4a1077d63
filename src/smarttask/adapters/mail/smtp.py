"""Mail through an SMTP server (aiosmtplib): one connection per message, failures as MailError."""

from __future__ import annotations

import ssl
from typing import Literal

import aiosmtplib

from smarttask.adapters.mail.base import POLICY, MailError, Message, build_email, envelope

# starttls_if_offered: upgrade when the server offers STARTTLS (the smtp:// of SMARTTASK_MAIL_URL).
Security = Literal["none", "starttls", "tls", "starttls_if_offered"]
_START_TLS: dict[str, bool | None] = {"starttls": True, "starttls_if_offered": None}


class SmtpMailer:
    """Sends each message over its own connection, with TLS as configured and optional AUTH."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Security = "none",
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self._password = password
        self.security = security
        self.timeout = timeout
        # None: the system's trusted certificates, host names checked.
        self.tls_context = tls_context

    @property
    def server(self) -> str:
        """`host:port`, as error messages name the server."""
        return f"{self.host}:{self.port}"

    async def send(self, message: Message) -> None:
        """Deliver the message; MailError with the reason unless every recipient was accepted."""
        email = build_email(message, self.sender)
        sender, recipients = envelope(email)
        try:
            refused, _ = await aiosmtplib.send(
                email.as_bytes(policy=POLICY),
                sender=sender,
                recipients=recipients,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self._password if self.username is not None else None,
                timeout=self.timeout,
                use_tls=self.security == "tls",
                start_tls=_START_TLS.get(self.security, False),
                tls_context=self.tls_context,
            )
        except (aiosmtplib.SMTPException, OSError, ValueError) as error:
            raise self._error(error) from error
        if refused:
            first = next(iter(refused.values()))
            raise MailError(
                f"{len(refused)} of {len(recipients)} recipients refused (the others were "
                f"accepted): {first.code} {_oneline(first.message)}",
                retryable=False,
            )

    def _error(self, error: Exception) -> MailError:
        """The MailError of an aiosmtplib or OS error, its reason free of the password."""
        mail_error = _translate(error, self.server)
        # Servers do not echo passwords; this is only a second line of defence (a password
        # of under 4 characters would garble ordinary words, and show where it occurs).
        if self._password and len(self._password) >= 4 and self._password in mail_error.reason:
            return MailError(
                mail_error.reason.replace(self._password, "***"),
                retryable=mail_error.retryable,
            )
        return mail_error


def _translate(error: Exception, server: str) -> MailError:
    """A short reason for each way sending can fail, and whether trying again may help."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        replies = [f"{refusal.code} {_oneline(refusal.message)}" for refusal in error.recipients]
        temporary = all(400 <= refusal.code < 500 for refusal in error.recipients)
        prefix = "recipient refused" if len(replies) == 1 else "all recipients refused"
        return MailError(f"{prefix}: {replies[0]}", retryable=temporary)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return MailError(
            f"SMTP server {server} refused the credentials: {error.code} {_oneline(error.message)}"
        )
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return _reply("sender refused", error)
    if isinstance(error, aiosmtplib.SMTPDataError):
        return _reply("message refused", error)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _reply(f"SMTP server {server} answered", error)
    if isinstance(error, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return MailError(f"SMTP server {server} did not answer in time", retryable=True)
    cause = error.__cause__ if isinstance(error, aiosmtplib.SMTPConnectError) else error
    if isinstance(cause, ConnectionRefusedError):
        return MailError(f"SMTP server {server} refused the connection", retryable=True)
    if isinstance(cause, ssl.SSLError):
        return MailError(f"TLS with SMTP server {server} failed: {_oneline(cause)}")
    if isinstance(cause, aiosmtplib.SMTPServerDisconnected):
        return MailError(f"SMTP server {server} closed the connection", retryable=True)
    if isinstance(cause, OSError):
        return MailError(
            f"cannot reach SMTP server {server}: {cause.strerror or _oneline(cause)}",
            retryable=True,
        )
    if isinstance(error, ValueError):
        return MailError(f"invalid address: {_oneline(error)}")
    return MailError(f"SMTP with {server} failed: {_oneline(error)}")


def _reply(what: str, error: aiosmtplib.SMTPResponseException) -> MailError:
    """A refusal with the server's reply; 4xx codes are temporary."""
    return MailError(
        f"{what}: {error.code} {_oneline(error.message)}", retryable=400 <= error.code < 500
    )


def _oneline(value: object) -> str:
    """The text of an error or reply on one line, cut at 200 characters."""
    return " ".join(str(value).split())[:200]
