"""The mail protocol: one message out, an `.eml`-ready email built the same way by every backend."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Protocol

# Lines end in CRLF and long headers are folded (RFC 5322), in files and on the wire alike.
POLICY = SMTP
_OWN_HEADERS = frozenset({"from", "to", "cc", "bcc", "subject", "date", "message-id"})


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent along with a message."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Message:
    """One email: recipients, subject, a text body, optionally HTML and attachments."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # Extra headers, e.g. ("List-Unsubscribe", "<https://...>"); never From/To/Subject.
    headers: tuple[tuple[str, str], ...] = ()


class MailError(Exception):
    """Sending failed; the message is a short reason, safe to log (never a password).

    `retryable` is true when another attempt later may succeed (the server was unreachable,
    timed out, or answered with a temporary 4xx code).
    """

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Mailer(Protocol):
    """A way to send mail."""

    name: str

    async def send(self, message: Message) -> None:
        """Hand the message over for delivery; raise MailError when that fails."""
        ...


def build_email(message: Message, sender: str) -> EmailMessage:
    """The RFC 5322 email of `message` from `sender`; MailError when it cannot be one.

    Text only is `text/plain`; with HTML it is `multipart/alternative`; attachments make it
    `multipart/mixed`, each part with its own type and filename.
    """
    if not message.to:
        raise MailError("the message has no recipient")
    email = EmailMessage(policy=POLICY)
    try:
        email["From"] = sender
        email["To"] = ", ".join(message.to)
        _check_addresses(email, "From", exactly_one=True)
        _check_addresses(email, "To")
        email["Subject"] = message.subject
        email["Date"] = formatdate(usegmt=True)
        # An explicit domain: make_msgid() would otherwise ask DNS for this host's name.
        email["Message-ID"] = make_msgid(domain=email["From"].addresses[0].domain)
        for name, value in message.headers:
            if name.lower() in _OWN_HEADERS or "\n" in value or "\r" in value:
                raise ValueError(f"header {name!r} cannot be set this way")
            email[name] = value
        email.set_content(message.text)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        for attachment in message.attachments:
            maintype, slash, subtype = attachment.content_type.partition("/")
            if not slash or not maintype or not subtype or maintype == "multipart":
                raise ValueError(f"attachment type {attachment.content_type!r} is not type/subtype")
            email.add_attachment(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
            )
    except (ValueError, TypeError) as error:
        raise MailError(f"invalid message: {error}") from error
    return email


def envelope(email: EmailMessage) -> tuple[str, list[str]]:
    """The bare addresses of the sender and of the recipients (for MAIL FROM and RCPT TO)."""
    sender = email["From"].addresses[0].addr_spec
    return sender, [address.addr_spec for address in email["To"].addresses]


def _check_addresses(email: EmailMessage, header: str, *, exactly_one: bool = False) -> None:
    """Raise ValueError unless the header holds only complete addresses (one, if asked)."""
    field = email[header]
    addresses = field.addresses
    if field.defects or not addresses or any(not a.username or not a.domain for a in addresses):
        raise ValueError(f"{header} {str(field)!r} is not a list of email addresses")
    if exactly_one and len(addresses) != 1:
        raise ValueError(f"{header} must be exactly one address")
