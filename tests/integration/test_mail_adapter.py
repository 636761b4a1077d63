"""The mail adapter against a real SMTP server (aiosmtpd) and on disk; aiosmtplib is not mocked.

No database: these tests request none of the database fixtures.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import socket
import ssl
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from pydantic import ValidationError

from smarttask.adapters.mail.base import Attachment, MailError, Message
from smarttask.adapters.mail.factory import build_mailer
from smarttask.adapters.mail.files import FileMailer
from smarttask.adapters.mail.smtp import SmtpMailer
from smarttask.settings import Settings
from tests.support import TEST_SECRET_KEY, make_settings
from tests.support.log_scan import register_secret
from tests.support.mail import REFUSED_DOMAIN, Inbox

SENDER = "SmartTask <smarttask@example.org>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A zip signature, every byte value, and CR/LF/NUL runs a text round trip would damage.
XLSX_BYTES = b"PK\x03\x04" + bytes(range(256)) * 8 + b"\r\n.\r\n\x00\x00\n\r" + os.urandom(4096)
USERNAME = "mailer"
PASSWORD = "correct-horse-battery-staple"
NOT_THE_PASSWORD = "wrong-horse-battery-staple"


def authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    """Accept exactly USERNAME / PASSWORD."""
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Server:
    """A running test SMTP server."""

    port: int
    handler: Inbox


def start_server(**options: Any) -> tuple[Controller, Server]:
    """Start aiosmtpd on 127.0.0.1 in its own thread; AUTH is offered without TLS."""
    handler = Inbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="localhost",  # not socket.getfqdn(), which may wait for DNS
        authenticator=authenticate,
        auth_require_tls=False,
        **options,
    )
    controller.start()
    return controller, Server(controller.port, handler)


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    """A plain SMTP server that refuses REFUSED_DOMAIN and accepts USERNAME / PASSWORD."""
    register_secret(PASSWORD)
    register_secret(NOT_THE_PASSWORD)
    controller, server = start_server()
    yield server
    controller.stop()


def report_message(*to: str) -> Message:
    """A message with a text body, an HTML body and a binary spreadsheet."""
    return Message(
        to=to,
        subject="Weekly report — Überblick",
        text="Your report is attached.",
        html="<p>Your <b>report</b> is attached.</p>",
        attachments=(Attachment("report 2026-W49.xlsx", XLSX, XLSX_BYTES),),
    )


def assert_report(email: EmailMessage, *to: str) -> None:
    """The email is report_message(*to), every part intact."""
    assert email["Subject"] == "Weekly report — Überblick"
    assert email["From"] == SENDER
    assert [a.addr_spec for a in email["To"].addresses] == list(to)
    assert email["Message-ID"].endswith("@example.org>")
    assert email.get_content_type() == "multipart/mixed"
    text = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().strip() == "Your report is attached."
    assert html.get_content().strip() == "<p>Your <b>report</b> is attached.</p>"
    [attachment] = list(email.iter_attachments())
    assert attachment.get_content_type() == XLSX
    assert attachment.get_filename() == "report 2026-W49.xlsx"
    assert attachment.get_content() == XLSX_BYTES


def smtp_mailer(port: int, **options: Any) -> SmtpMailer:
    """A mailer for the test server."""
    return SmtpMailer("127.0.0.1", port, SENDER, **{"timeout": 5.0, **options})


async def test_smtp_delivers_text_html_and_attachment(smtp_server: Server) -> None:
    """Recipients, subject, both bodies and the attachment's bytes arrive intact."""
    await smtp_mailer(smtp_server.port).send(
        report_message("ada@example.org", "Bob <bob@example.net>")
    )

    [received] = smtp_server.handler.received
    assert received.sender == "smarttask@example.org"
    assert received.recipients == ["ada@example.org", "bob@example.net"]
    assert not received.tls
    assert_report(received.email, "ada@example.org", "bob@example.net")


async def test_smtp_refused_recipient_raises_with_the_reason(smtp_server: Server) -> None:
    """A 550 at RCPT is a MailError naming the server's reply; nothing is delivered."""
    with pytest.raises(MailError) as raised:
        await smtp_mailer(smtp_server.port).send(report_message(f"nobody@{REFUSED_DOMAIN}"))

    assert str(raised.value) == "recipient refused: 550 5.1.1 mailbox unavailable"
    assert not raised.value.retryable
    assert smtp_server.handler.received == []


async def test_smtp_partly_refused_recipients_raise_after_delivering_to_the_others(
    smtp_server: Server,
) -> None:
    """One refused recipient of two: the other gets the message, and the caller is told."""
    with pytest.raises(MailError, match=r"^1 of 2 recipients refused .*: 550 5\.1\.1 mailbox"):
        await smtp_mailer(smtp_server.port).send(
            report_message("ada@example.org", f"nobody@{REFUSED_DOMAIN}")
        )

    [received] = smtp_server.handler.received
    assert received.recipients == ["ada@example.org"]


async def test_smtp_server_down_raises_quickly() -> None:
    """Nobody listening: a retryable MailError at once, not after the timeout."""
    port = free_port()
    started = time.monotonic()

    with pytest.raises(MailError) as raised:
        await smtp_mailer(port, timeout=10.0).send(report_message("ada@example.org"))

    assert time.monotonic() - started < 2.0
    assert str(raised.value) == f"SMTP server 127.0.0.1:{port} refused the connection"
    assert raised.value.retryable


async def test_smtp_silent_server_times_out() -> None:
    """A server that accepts the connection but never greets: MailError after the timeout."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(MailError) as raised:
            await smtp_mailer(port, timeout=0.5).send(report_message("ada@example.org"))
        assert time.monotonic() - started < 3.0
    finally:
        server.close()
        await server.wait_closed()

    assert str(raised.value) == f"SMTP server 127.0.0.1:{port} did not answer in time"
    assert raised.value.retryable


async def test_smtp_login(smtp_server: Server) -> None:
    """With the right credentials the message is delivered."""
    mailer = smtp_mailer(smtp_server.port, username=USERNAME, password=PASSWORD)

    await mailer.send(report_message("ada@example.org"))

    assert len(smtp_server.handler.received) == 1


async def test_smtp_wrong_password_raises_without_the_password(smtp_server: Server) -> None:
    """Refused credentials are a MailError that names the server, never the password."""
    mailer = smtp_mailer(smtp_server.port, username=USERNAME, password=NOT_THE_PASSWORD)

    with pytest.raises(MailError) as raised:
        await mailer.send(report_message("ada@example.org"))

    reason = str(raised.value)
    assert reason.startswith(f"SMTP server 127.0.0.1:{smtp_server.port} refused the credentials")
    assert "535" in reason
    assert NOT_THE_PASSWORD not in reason
    assert NOT_THE_PASSWORD not in repr(raised.value)
    assert not raised.value.retryable
    assert smtp_server.handler.received == []


async def test_invalid_recipient_is_a_mail_error(smtp_server: Server) -> None:
    """An address that is not one never reaches the server."""
    with pytest.raises(MailError, match="invalid message"):
        await smtp_mailer(smtp_server.port).send(report_message("not an address"))
    with pytest.raises(MailError, match="invalid message"):
        await smtp_mailer(smtp_server.port).send(
            report_message("ada@example.org\r\nBcc: eve@example.org")
        )
    assert smtp_server.handler.received == []


@dataclass(frozen=True)
class Certificates:
    """A self-signed certificate for 127.0.0.1 and the TLS contexts of both sides."""

    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway certificate (made with `cryptography`, which the dev tools bring)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return Certificates(server=server, client=client)


@pytest.fixture
def starttls_server(certificates: Certificates) -> Iterator[Server]:
    """A server that refuses everything but EHLO until STARTTLS."""
    controller, server = start_server(tls_context=certificates.server, require_starttls=True)
    yield server
    controller.stop()


@pytest.fixture
def tls_server(certificates: Certificates) -> Iterator[Server]:
    """A server speaking TLS from the first byte (implicit TLS, as on port 465)."""
    controller, server = start_server(ssl_context=certificates.server)
    yield server
    controller.stop()


async def test_starttls(starttls_server: Server, certificates: Certificates) -> None:
    """security="starttls" upgrades the connection before sending."""
    mailer = smtp_mailer(starttls_server.port, security="starttls", tls_context=certificates.client)

    await mailer.send(report_message("ada@example.org"))

    [received] = starttls_server.handler.received
    assert received.tls
    assert_report(received.email, "ada@example.org")


async def test_security_none_is_refused_by_a_server_requiring_starttls(
    starttls_server: Server,
) -> None:
    """security="none" never upgrades; such a server refuses the message."""
    with pytest.raises(MailError, match="530"):
        await smtp_mailer(starttls_server.port).send(report_message("ada@example.org"))


async def test_implicit_tls(tls_server: Server, certificates: Certificates) -> None:
    """security="tls" speaks TLS from the start."""
    mailer = smtp_mailer(tls_server.port, security="tls", tls_context=certificates.client)

    await mailer.send(report_message("ada@example.org"))

    [received] = tls_server.handler.received
    assert received.tls


async def test_untrusted_certificate_is_refused(
    tls_server: Server, starttls_server: Server
) -> None:
    """The system's trust store does not know the self-signed certificate: nothing is sent."""
    for server, security in ((tls_server, "tls"), (starttls_server, "starttls")):
        with pytest.raises(MailError, match=r"^TLS with SMTP server 127\.0\.0\.1:\d+ failed"):
            await smtp_mailer(server.port, security=security).send(report_message("a@example.org"))
        assert server.handler.received == []


async def test_files_backend_writes_a_parseable_eml(tmp_path: Path) -> None:
    """Each message is one owner-only .eml file, in time order, CRLF line ends, all parts."""
    folder = tmp_path / "not" / "yet" / "there"
    mailer = FileMailer(str(folder), SENDER)

    await mailer.send(report_message("ada@example.org"))
    await mailer.send(Message(to=("bob@example.net",), subject="second", text="2"))

    files = sorted(folder.iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]
    first, second = (path.read_bytes() for path in files)
    assert b"\r\n" in first
    assert b"\n" not in first.replace(b"\r\n", b"")
    parsed = message_from_bytes(first, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert_report(parsed, "ada@example.org")
    assert message_from_bytes(second, policy=default)["Subject"] == "second"
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


async def test_files_backend_unwritable_folder_is_a_mail_error(tmp_path: Path) -> None:
    """A folder that cannot be created is a MailError, not an OSError."""
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    with pytest.raises(MailError, match="cannot write mail to"):
        await FileMailer(str(blocker / "mail"), SENDER).send(report_message("a@example.org"))


def test_settings_build_the_configured_mailer(monkeypatch: pytest.MonkeyPatch) -> None:
    """SMARTTASK_MAIL_* and SMARTTASK_SMTP_* become the mail group, password unwrapped."""
    register_secret("env-smtp-password")
    for name, value in {
        "SMARTTASK_MAIL_BACKEND": "smtp",
        "SMARTTASK_MAIL_SENDER": SENDER,
        "SMARTTASK_SMTP_HOST": "mail.example.org",
        "SMARTTASK_SMTP_PORT": "587",
        "SMARTTASK_SMTP_USERNAME": USERNAME,
        "SMARTTASK_SMTP_PASSWORD": "env-smtp-password",
        "SMARTTASK_SMTP_SECURITY": "starttls",
        "SMARTTASK_SMTP_TIMEOUT": "2.5",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None, secret_key=TEST_SECRET_KEY)  # type: ignore[call-arg]

    mail = settings.mail
    assert mail.smtp_password == "env-smtp-password"
    assert "env-smtp-password" not in repr(mail)
    assert "env-smtp-password" not in repr(settings)
    mailer = build_mailer(mail)
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.security, mailer.timeout) == (
        "mail.example.org",
        587,
        "starttls",
        2.5,
    )
    assert build_mailer(settings.mail) is mailer


def test_settings_default_to_files() -> None:
    """Out of the box mail goes to ./data/mail as files."""
    mail = make_settings("sqlite+aiosqlite:///unused.db").mail
    assert (mail.backend, mail.files_path, mail.sender) == (
        "files",
        "./data/mail",
        "smarttask@localhost",
    )
    assert (mail.smtp_host, mail.smtp_port, mail.smtp_security, mail.smtp_timeout) == (
        "127.0.0.1",
        25,
        "none",
        10.0,
    )
    assert isinstance(build_mailer(mail), FileMailer)


def test_settings_refuse_a_password_without_a_username() -> None:
    """A password alone would be silently unused; the settings say so instead."""
    with pytest.raises(ValidationError, match="SMARTTASK_SMTP_PASSWORD needs"):
        make_settings("sqlite+aiosqlite:///unused.db", smtp_password="some-password")


async def test_starttls_when_offered_upgrades(
    starttls_server: Server, certificates: Certificates
) -> None:
    """smtp:// of SMARTTASK_MAIL_URL upgrades with STARTTLS when the server offers it."""
    mailer = smtp_mailer(
        starttls_server.port, security="starttls_if_offered", tls_context=certificates.client
    )

    await mailer.send(report_message("ada@example.org"))

    [received] = starttls_server.handler.received
    assert received.tls


async def test_starttls_when_offered_sends_plain_to_a_server_without_it(
    smtp_server: Server,
) -> None:
    """A server that offers no STARTTLS still gets the message (a relay on the same host)."""
    await smtp_mailer(smtp_server.port, security="starttls_if_offered").send(
        report_message("ada@example.org")
    )

    [received] = smtp_server.handler.received
    assert not received.tls


async def test_extra_headers_arrive(smtp_server: Server) -> None:
    """A message's extra headers (List-Unsubscribe) arrive as sent."""
    link = "<https://tasks.example.org/profile/notifications>"
    message = Message(
        to=("ada@example.org",),
        subject="hello",
        text="hi",
        headers=(("List-Unsubscribe", link),),
    )
    await smtp_mailer(smtp_server.port).send(message)

    [received] = smtp_server.handler.received
    assert received.email["List-Unsubscribe"] == link
    assert received.email["Message-ID"]


@pytest.mark.parametrize(
    "headers",
    [
        (("Bcc", "eve@example.org"),),
        (("Subject", "another"),),
        (("X-Note", "one\r\nBcc: eve@example.org"),),
    ],
)
async def test_extra_headers_cannot_add_recipients_or_replace_ours(
    smtp_server: Server, headers: tuple[tuple[str, str], ...]
) -> None:
    """A header that would add a recipient, replace ours or inject a line is a MailError."""
    message = Message(to=("ada@example.org",), subject="hello", text="hi", headers=headers)
    with pytest.raises(MailError, match="cannot be set"):
        await smtp_mailer(smtp_server.port).send(message)
    assert smtp_server.handler.received == []


def test_mail_url_sets_the_smtp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """SMARTTASK_MAIL_URL wins over the SMTP settings; user and password are unquoted."""
    register_secret("p@ss:word/1")
    monkeypatch.setenv(
        "SMARTTASK_MAIL_URL", "smtp://mailer:p%40ss%3Aword%2F1@relay.example.org:587"
    )
    monkeypatch.setenv("SMARTTASK_MAIL_FROM", "Tasks <tasks@example.org>")
    monkeypatch.setenv("SMARTTASK_SMTP_HOST", "ignored.example.org")
    settings = Settings(_env_file=None, secret_key=TEST_SECRET_KEY)  # type: ignore[call-arg]

    mail = settings.mail
    assert (mail.backend, mail.smtp_host, mail.smtp_port) == ("smtp", "relay.example.org", 587)
    assert (mail.smtp_username, mail.smtp_password) == ("mailer", "p@ss:word/1")
    assert mail.smtp_security == "starttls_if_offered"
    assert mail.sender == "Tasks <tasks@example.org>"
    assert "p@ss" not in repr(settings)
    assert "p@ss" not in repr(mail)


def test_mail_url_smtps_is_implicit_tls_on_465() -> None:
    """smtps:// without a port is TLS from the first byte on port 465."""
    mail = make_settings("sqlite+aiosqlite:///unused.db", mail_url="smtps://relay.example.org").mail
    assert (mail.smtp_security, mail.smtp_port, mail.smtp_username) == ("tls", 465, None)
    assert isinstance(build_mailer(mail), SmtpMailer)


@pytest.mark.parametrize("url", ["http://relay.example.org", "smtp://", "relay.example.org:25"])
def test_mail_url_malformed_stops_the_start(url: str) -> None:
    """A malformed SMARTTASK_MAIL_URL is refused when the settings load, not at the first mail."""
    with pytest.raises(ValidationError, match="SMARTTASK_MAIL_URL"):
        make_settings("sqlite+aiosqlite:///unused.db", mail_url=url)
