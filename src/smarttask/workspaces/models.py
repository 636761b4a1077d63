"""Workspace tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class Workspace(Base):
    """A tenant: everything else belongs to exactly one workspace."""

    __tablename__ = "workspace"
    __table_args__ = (
        Index("ix_workspace_created_at_id", "created_at", "id"),
        Index("ix_workspace_created_by", "created_by"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The user whose per-user limits the workspace counts against (workspaces owned,
    # storage): its creator, for as long as it exists. Roles do not move it, so nobody is
    # charged for a workspace someone else made, and nobody sheds one by handing it over.
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Analytics count calendar days in this IANA zone (history/, analytics/).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Every UPDATE checks and bumps the version: concurrent writers never overwrite silently.
    __mapper_args__ = {"version_id_col": version}


class Membership(Base):
    """A user's role in a workspace."""

    __tablename__ = "membership"
    __table_args__ = (
        Index("ix_membership_user_id", "user_id", "workspace_id"),
        Index("ix_membership_workspace_id_created_at", "workspace_id", "created_at", "user_id"),
        CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name="role"),
    )

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Invitation(Base):
    """An invitation by email to join a workspace with a role, pending until accepted.

    Its mail job sets `token_hash` (the SHA-256 of the link's token; a new mail replaces
    it). Revoked or replaced invitations are deleted; an accepted one keeps its row.
    """

    __tablename__ = "invitation"
    __table_args__ = (
        Index("ix_invitation_workspace_id_created_at", "workspace_id", "created_at", "id"),
        # One pending invitation per workspace and email: a new one replaces the old.
        Index(
            "uq_invitation_pending_email",
            "workspace_id",
            "email",
            unique=True,
            sqlite_where=text("accepted_at IS NULL"),
            postgresql_where=text("accepted_at IS NULL"),
        ),
        Index("ix_invitation_expires_at", "expires_at"),
        CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name="role"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ProjectMember(Base):
    """A workspace member let into a private project (workspaces/access.py reads it).

    Kept beside the workspace membership because the access rule decides from both; the
    project table belongs to a layer above and is named by its table only.
    """

    __tablename__ = "project_member"
    __table_args__ = (
        Index("ix_project_member_user_id", "user_id", "project_id"),
        Index("ix_project_member_project_id_created_at", "project_id", "created_at", "user_id"),
    )

    project_id: Mapped[str] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]


class DeletedPrivateProject(Base):
    """A private project that was deleted: its trail (activity entries naming it) stays
    hidden from everyone but the workspace's admins and owners (workspaces/access.py)."""

    __tablename__ = "deleted_private_project"

    project_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    deleted_at: Mapped[datetime]
