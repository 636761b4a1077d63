"""Job handlers of workspaces (registered on import): invitation mails and the purge of
expired invitations."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.accounts.mail_queue import attempt
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.workspaces import invitations

log = logging.getLogger("smarttask.workspaces")
registry = JobSet()

PURGE_INVITATIONS = "workspaces.purge_invitations"
KEEP_EXPIRED = timedelta(days=1)


@registry.handler(invitations.INVITATION_MAIL)
async def invitation_mail(context: JobContext, payload: dict[str, Any]) -> None:
    """Mail an invitation's link; retried with backoff, dead after SMARTTASK_MAIL_MAX_ATTEMPTS."""
    invitation_id = str(payload["invitation_id"])
    mail = context.settings.mail
    await attempt(context, invitations.send_invitation(context.session, mail, invitation_id))


@registry.handler(PURGE_INVITATIONS)
async def purge_invitations(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete pending invitations that expired more than a day ago."""
    purged = await invitations.purge_expired(context.session, keep=KEEP_EXPIRED)
    if purged:
        log.info("expired invitations purged", extra={"purged": purged})


registry.every(timedelta(hours=6), PURGE_INVITATIONS)
