"""A real SMTP server's handler for the mail tests (aiosmtpd): it keeps what it receives and
refuses one domain at RCPT, as a server refusing a mailbox does."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.smtp import Envelope, Session

REFUSED_DOMAIN = "refused.example"


@dataclass
class Received:
    """One message the server accepted: envelope, parsed content, and whether TLS was on."""

    sender: str
    recipients: list[str]
    email: EmailMessage
    tls: bool


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses REFUSED_DOMAIN at RCPT."""

    received: list[Received] = field(default_factory=list)

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        """(recipients, message) of each message received, in order."""
        return [(r.recipients, r.email) for r in self.received]

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Refuse recipients of REFUSED_DOMAIN, accept the others."""
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        """Parse and keep the message."""
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                sender=str(envelope.mail_from),
                recipients=list(envelope.rcpt_tos),
                email=parsed,
                tls=server.transport.get_extra_info("ssl_object") is not None,
            )
        )
        return "250 Message accepted"
