"""Invitations by email: an admin invites, a mail carries the link, the invitee accepts.

The invitation row is made by the request; its mail job (`send_invitation`) makes the
link's random token and stores its SHA-256 on the row, so the token exists only in the mail
(a new mail of the same invitation replaces it). Accepting needs a signed-in user whose
email is the invited one; it makes the membership, marks the email verified and spends the
invitation in one conditional UPDATE: it works once, within 7 days.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import repository as accounts_repository
from smarttask.accounts.mail_queue import MAIL_JOB_MAX_ATTEMPTS
from smarttask.accounts.models import User
from smarttask.accounts.service import normalize_email
from smarttask.accounts.tokens import hash_secret
from smarttask.activity import service as activity
from smarttask.adapters.mail.base import Message
from smarttask.db.types import new_id, utcnow
from smarttask.jobs.queue import enqueue
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.kit.problems import BadRequest, Conflict, Forbidden, NotFound
from smarttask.mailing.compose import compose, link
from smarttask.mailing.service import deliver
from smarttask.settings import MailSettings
from smarttask.workspaces import invitation_repository as repository
from smarttask.workspaces import repository as workspaces_repository
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.invitation_schemas import InvitationRead
from smarttask.workspaces.models import Invitation, Membership, Workspace
from smarttask.workspaces.roles import PRIVILEGED, Role

INVITATION_TTL = timedelta(days=7)
INVITATION_MAIL = "workspaces.invitation_mail"
MISSING = "There is no such invitation."


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What an invitation link shows: the invitation, its workspace and who invited."""

    invitation: Invitation
    workspace: Workspace
    inviter_name: str | None


def invalid_link() -> BadRequest:
    """The answer to a used, expired, revoked or unknown invitation token (all alike)."""
    return BadRequest(
        "This invitation is not valid any more: it was already accepted, has expired or was "
        "revoked. Ask the workspace's admins for a new one.",
        extra={"code": "token_invalid"},
    )


def _check_role(inviter: Role, role: Role) -> None:
    """Nobody invites above their own role; only owners invite admins and owners."""
    if role.rank > inviter.rank or (role in PRIVILEGED and inviter is not Role.OWNER):
        raise Forbidden("Only owners may invite admins and owners.")


async def invite(
    session: AsyncSession, access: WorkspaceAccess, email: str, role: Role
) -> Invitation:
    """Invite an email with a role (admins); replaces its pending invitation; mails the link.

    409 when someone with this email is a member already.
    """
    if not access.role.at_least(Role.ADMIN):
        raise Forbidden("Only admins and owners may invite people.")
    _check_role(access.role, role)
    workspace_id = access.workspace.id
    address = normalize_email(email)
    user = await accounts_repository.get_user_by_email(session, address)
    if user is not None and await workspaces_repository.get_membership(
        session, workspace_id, user.id
    ):
        raise Conflict("Someone with this email is already a member of the workspace.")
    await repository.drop_pending(session, workspace_id, address)
    now = utcnow()
    invitation = Invitation(
        id=new_id(),
        workspace_id=workspace_id,
        email=address,
        role=role.value,
        invited_by=access.user.id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    try:
        await repository.add(session, invitation)
    except IntegrityError as error:  # a concurrent invitation of the same email won
        raise Conflict("This email was just invited by someone else; reload.") from error
    await enqueue(
        session,
        INVITATION_MAIL,
        {"invitation_id": invitation.id},
        dedupe_key=f"invitation:{invitation.id}",
        max_attempts=MAIL_JOB_MAX_ATTEMPTS,
    )
    return invitation


def to_read(invitation: Invitation) -> InvitationRead:
    """The body of an invitation."""
    return InvitationRead.model_validate(invitation)


async def list_pending(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[InvitationRead]:
    """The workspace's pending invitations, oldest first (admins; the route checks)."""
    now = utcnow()
    workspace_id = access.workspace.id
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_pending(
            session, workspace_id, now, after=after, limit=size
        ),
        by_creation,
    )
    return rows.read(to_read)


async def revoke(
    session: AsyncSession, user: User, invitation_id: str, *, workspace_id: str | None = None
) -> None:
    """Revoke a pending invitation (admins of its workspace; 404 for anyone else, and when
    it is not of `workspace_id`, if given)."""
    invitation = await repository.get(session, invitation_id)
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound(MISSING)
    if workspace_id is not None and invitation.workspace_id != workspace_id:
        raise NotFound(MISSING)
    access = await require_role(session, user, invitation.workspace_id, Role.ADMIN, missing=MISSING)
    _check_role(access.role, Role(invitation.role))
    await repository.delete_one(session, invitation.id)


async def _pending_by_token(session: AsyncSession, token: str) -> Invitation:
    invitation = await repository.by_token(session, hash_secret(token))
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise invalid_link()
    return invitation


async def view(session: AsyncSession, token: str) -> InvitationView:
    """The pending invitation of a link's token, with names to show (400 when not valid)."""
    invitation = await _pending_by_token(session, token)
    found = await repository.with_names(session, invitation.id)
    if found is None:
        raise invalid_link()
    invitation, workspace, inviter = found
    return InvitationView(invitation, workspace, inviter.name if inviter else None)


def is_for(invitation: Invitation, user: User) -> bool:
    """Whether the invitation was sent to the user's email (compared case-insensitively)."""
    return user.email is not None and normalize_email(user.email) == invitation.email


async def accept(session: AsyncSession, user: User, token: str) -> tuple[Membership, User]:
    """Join the workspace with the invited role (once); the user's email counts as verified.

    400 for a used, expired, revoked or unknown token; 403 when the signed-in user's email
    is not the invited one; 409 when they are a member already.
    """
    invitation = await _pending_by_token(session, token)
    if not is_for(invitation, user):
        raise Forbidden(
            "This invitation was sent to another email address: sign in with the account of "
            "that address to accept it.",
            extra={"code": "invitation_other_email"},
        )
    workspace_id = invitation.workspace_id
    already = "You are already a member of this workspace."
    if await workspaces_repository.get_membership(session, workspace_id, user.id) is not None:
        raise Conflict(already)
    now = utcnow()
    if not await repository.mark_accepted(session, invitation.id, user.id, now):
        raise invalid_link()  # accepted or revoked meanwhile
    membership = await workspaces.join(session, workspace_id, user.id, invitation.role, already)
    if not user.email_verified:
        user.email_verified = True
        user.updated_at = now
    activity.record(
        session,
        workspace_id=workspace_id,
        actor_id=user.id,
        action="created",
        entity_type="member",
        entity_id=user.id,
        changes=activity.snapshot({"role": invitation.role, "invitation_id": invitation.id}),
    )
    workspaces.log_member(
        session,
        "member.added",
        user.id,
        user.id,
        workspace_id,
        role=invitation.role,
        invitation_id=invitation.id,
    )
    await session.flush()
    return membership, user


def _one_line(text: str) -> str:
    return " ".join(text.split())


async def send_invitation(session: AsyncSession, mail: MailSettings, invitation_id: str) -> bool:
    """Mail the invitation's link with a fresh token (for the job); False if not pending.

    Raises RetryLater / PermanentFailure when sending fails; the job's transaction, with
    the new token, is then rolled back (the previous link, if any, keeps working).
    """
    found = await repository.with_names(session, invitation_id)
    if found is None:
        return False
    invitation, workspace, inviter = found
    if invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        return False
    secret = secrets.token_urlsafe(32)
    await repository.set_token(session, invitation.id, hash_secret(secret))
    inviter_name = _one_line(inviter.name) if inviter else "An admin"
    workspace_name = _one_line(workspace.name)
    subject = f"{inviter_name} invited you to {workspace_name} on smarttask"
    text, html = compose(
        "invitation",
        subject=subject,
        inviter=inviter_name,
        workspace=workspace_name,
        role=invitation.role,
        email=invitation.email,
        url=link(mail.public_url, "/invitations/accept", token=secret),
        days=INVITATION_TTL.days,
    )
    await deliver(mail, Message(to=(invitation.email,), subject=subject, text=text, html=html))
    return True


async def purge_expired(session: AsyncSession, *, keep: timedelta) -> int:
    """Delete pending invitations expired for longer than `keep`; how many."""
    return await repository.purge_expired(session, utcnow() - keep)
