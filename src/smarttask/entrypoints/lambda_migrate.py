"""AWS Lambda entry point that migrates the database (`alembic upgrade head`).

Invoked by a CloudFormation custom resource on every deployment (template.yaml,
`DatabaseMigration`): Create and Update migrate, then the handler PUTs SUCCESS or FAILED
(with a reason that names no secret) to the request's ResponseURL, so the stack's update
waits for the schema and stops on a failed migration. Delete answers SUCCESS and touches
nothing: deleting a stack never drops data. A database already at a revision this code does
not know (a rollback to the previous release) is left as it is, and answers SUCCESS. Any
other event (`aws lambda invoke` with `{}`) migrates and returns the revision, or raises.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import urllib.request
from typing import Any

log = logging.getLogger("smarttask.migrate")

PHYSICAL_RESOURCE_ID = "smarttask-database-schema"
# Time kept back at the end of the invocation to answer CloudFormation if a migration hangs.
SAFETY_MARGIN_SECONDS = 20.0
DEFAULT_BUDGET_SECONDS = 600.0
RESPONSE_TIMEOUT_SECONDS = 10.0
MAX_REASON_CHARS = 1000
# userinfo of any URL (scheme://user:password@host): the password part is dropped.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")


class MigrationError(RuntimeError):
    """A migration failed; the message names no secret."""


class DatabaseAhead(Exception):
    """The database is at a revision this code does not know: a newer release migrated it."""

    def __init__(self, revision: str) -> None:
        super().__init__(revision)
        self.revision = revision


def _is_custom_resource(event: dict[str, Any]) -> bool:
    return "RequestType" in event and "ResponseURL" in event


def _secrets_of(settings: Any) -> list[str]:
    """Every configured secret value, to be cut out of a failure's reason."""
    values = [settings.database.url, settings.auth.secret_key, *settings.auth.previous_secret_keys]
    values += [settings.ai.api_key, settings.mail.smtp_password, settings.redis_url]
    return [v for v in values if v and len(v) >= 4]


def scrub(message: str, secrets: list[str]) -> str:
    """The message without URL passwords nor any of the secret values."""
    message = _URL_PASSWORD.sub(r"\g<head>:***@", message)
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


def migrate() -> str:
    """Bring the configured database to the newest schema; the revision it is at."""
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    from smarttask.db.migrate import head_revision, upgrade
    from smarttask.kit.logging import configure_logging
    from smarttask.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    try:
        upgrade(settings.database.url)
    except CommandError as error:
        if isinstance(error.__cause__, ResolutionError):
            raise DatabaseAhead(str(error.__cause__.argument)) from None
        raise
    revision = head_revision()
    log.info("database migrated", extra={"revision": revision})
    return revision


def _failure_reason(error: BaseException) -> str:
    from smarttask.settings import get_settings

    secrets: list[str] = []
    # Invalid settings raise an error that already hides the values it was given.
    with contextlib.suppress(Exception):
        secrets = _secrets_of(get_settings())
    text = f"{type(error).__name__}: {error}".strip()
    return scrub(text, secrets)[:MAX_REASON_CHARS]


def _migrate_within(seconds: float) -> tuple[str | None, str | None]:
    """Migrate in a thread for at most `seconds`: (revision, None) or (None, reason)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["revision"] = migrate()
        except DatabaseAhead as ahead:
            # A rollback to the previous release: its code runs on the newer schema, which
            # migrations keep compatible (they add before they remove). Nothing to undo.
            log.warning("database ahead of this code", extra={"revision": ahead.revision})
            outcome["revision"] = ahead.revision
        except BaseException as error:
            outcome["reason"] = _failure_reason(error)

    # A daemon thread: if it hangs, the answer still leaves before the function times out.
    worker = threading.Thread(target=run, name="smarttask-migrate", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return None, f"the migration did not finish within {seconds:.0f} s"
    return outcome.get("revision"), outcome.get("reason")


def _remaining_seconds(context: Any) -> float:
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        return float(context.get_remaining_time_in_millis()) / 1000
    return DEFAULT_BUDGET_SECONDS


def send_response(event: dict[str, Any], body: dict[str, Any]) -> None:
    """PUT the custom resource's answer to its presigned ResponseURL."""
    url = str(event["ResponseURL"])
    if not url.startswith(("https://", "http://")):
        raise ValueError("the ResponseURL is not an http(s) URL")
    data = json.dumps(body).encode()
    # The presigned URL was signed without a content type: sending one would break it.
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=data,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(data))},
    )
    with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_SECONDS) as answer:  # noqa: S310
        answer.read()


def _custom_resource(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_type = event.get("RequestType")
    physical_id = event.get("PhysicalResourceId") or PHYSICAL_RESOURCE_ID
    status, reason, data = "SUCCESS", "", {}
    if request_type in ("Create", "Update"):
        budget = max(1.0, _remaining_seconds(context) - SAFETY_MARGIN_SECONDS)
        revision, failure = _migrate_within(budget)
        if failure is not None or revision is None:
            status = "FAILED"
            stream = getattr(context, "log_stream_name", None)
            where = f" (log stream {stream})" if stream else ""
            reason = f"migration failed: {failure or 'no revision'}{where}"
            log.warning("database migration failed", extra={"reason": reason})
        else:
            data = {"Revision": revision}
    elif request_type != "Delete":
        status, reason = "FAILED", f"unsupported request type {request_type!r}"
    body = {
        "Status": status,
        "Reason": reason or f"{request_type} done",
        "PhysicalResourceId": physical_id,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
        "Data": data,
    }
    try:
        send_response(event, body)
    except Exception as error:
        log.error("could not answer CloudFormation", extra={"error_type": type(error).__name__})
    return body


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Migrate for a CloudFormation custom resource (answering it) or for a plain invoke."""
    if _is_custom_resource(event):
        return _custom_resource(event, context)
    try:
        revision = migrate()
    except DatabaseAhead as ahead:
        return {"status": "ahead", "revision": ahead.revision}
    except Exception as error:
        # The runtime prints this error: it must not carry the database URL's password.
        raise MigrationError(_failure_reason(error)) from None
    return {"status": "migrated", "revision": revision}
