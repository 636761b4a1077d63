"""Saved-report rules: members save reports; owners and admins change them; a report runs as
its owner, with the owner's access, whoever asks for it.

Private projects (docs/reports.md): a report filtered on a private project does not exist
for those who cannot see that project (404, and it is left out of their lists); a run
leaves out the tasks of the private projects its owner cannot see, and, run by someone
else, those the reader cannot see either. A scheduled delivery runs as the owner alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import repository as accounts
from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.adapters.storage.base import Storage
from smarttask.analytics import service as analytics
from smarttask.analytics.schemas import ReportDefinition, ReportResult
from smarttask.db.hooks import after_commit
from smarttask.db.types import new_id, utcnow
from smarttask.kit.pagination import Page, by_creation, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, Forbidden, NotFound, ValidationFailed
from smarttask.projects import repository as projects
from smarttask.reports import repository
from smarttask.reports.models import SavedReport
from smarttask.reports.schedule import next_run
from smarttask.reports.schemas import (
    DeliveryRead,
    ReportCreate,
    ReportRead,
    ReportUpdate,
    ScheduleRead,
    ScheduleWrite,
)
from smarttask.workspaces import repository as workspaces
from smarttask.workspaces.access import (
    WorkspaceAccess,
    check_project,
    require_project_role,
    require_role,
)
from smarttask.workspaces.models import Workspace
from smarttask.workspaces.roles import Role

MISSING = "There is no such report."
OWNER_LEFT = "The report's owner left the workspace."
OWNER_DISABLED = "The report's owner account is disabled."
PROJECT_GONE = "The report's project no longer exists."
PROJECT_HIDDEN = "The report's owner can no longer see its project."
NO_PROJECT = "There is no such project in this workspace."
OWNER_CANNOT_SEE = "The report runs as its owner, who cannot see this project."
# Refusals that stop a schedule: no later run could succeed.
STOPPING = frozenset({OWNER_LEFT, OWNER_DISABLED, PROJECT_GONE, PROJECT_HIDDEN})
_SCHEDULE_COLUMNS = ("frequency", "run_time", "timezone", "file_format", "recipients", "delivery")


def to_read(report: SavedReport) -> ReportRead:
    """The body of a saved report, its schedule block included when it has one."""
    schedule = None
    if report.frequency is not None:
        schedule = ScheduleRead.model_validate(
            {
                "frequency": report.frequency,
                "time": report.run_time,
                "timezone": report.timezone,
                "format": report.file_format,
                "recipients": report.recipients or [],
                "delivery": report.delivery,
                "next_run_at": report.next_run_at,
                "stopped_reason": report.stopped_reason,
            }
        )
    return ReportRead.model_validate(
        {
            "id": report.id,
            "workspace_id": report.workspace_id,
            "owner_id": report.owner_id,
            "name": report.name,
            "definition": report.definition,
            "visibility": report.visibility,
            "schedule": schedule,
            "version": report.version,
            "created_at": report.created_at,
            "updated_at": report.updated_at,
        }
    )


def _stored_definition(definition: ReportDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json", by_alias=True, exclude_none=True)


def _project_of(report: SavedReport) -> str | None:
    """The project a saved definition is filtered on, if any."""
    found = report.definition.get("project_id") if isinstance(report.definition, dict) else None
    return str(found) if found else None


async def _check_project(
    session: AsyncSession,
    user: User,
    workspace_id: str,
    definition: ReportDefinition,
    message: str = NO_PROJECT,
) -> None:
    """A definition's project must be one of the workspace's that the user can see (422
    otherwise, a private project hidden from them reading exactly like a missing one)."""
    if definition.project_id is None:
        return
    project = await projects.get(session, definition.project_id)
    try:
        if project is None or project.workspace_id != workspace_id:
            raise NotFound(message)
        await require_project_role(
            session, user, workspace_id, project.id, Role.VIEWER, missing=message
        )
    except NotFound as missing:
        raise ValidationFailed(
            message,
            errors=[
                {"loc": ["body", "definition", "project_id"], "msg": message, "type": "value_error"}
            ],
        ) from missing


def _set_schedule(report: SavedReport, schedule: ScheduleWrite | None, now: datetime) -> None:
    """Write the schedule columns and the next run (a new schedule starts afresh)."""
    if schedule is None:
        for column in (*_SCHEDULE_COLUMNS, "next_run_at", "stopped_reason"):
            setattr(report, column, None)
        return
    report.frequency = schedule.frequency.value
    report.run_time = schedule.time
    report.timezone = schedule.timezone
    report.file_format = schedule.format.value
    report.recipients = list(schedule.recipients)
    report.delivery = schedule.delivery.value
    report.stopped_reason = None
    report.next_run_at = next_run(schedule.frequency.value, schedule.time, schedule.timezone, now)


def _trail_values(report: SavedReport) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": report.name,
        "visibility": report.visibility,
        "definition": report.definition,
    }
    values.update({column: getattr(report, column) for column in _SCHEDULE_COLUMNS})
    return values


async def create(session: AsyncSession, access: WorkspaceAccess, body: ReportCreate) -> SavedReport:
    """Save a report in the workspace, owned by the caller (members and above)."""
    await _check_project(session, access.user, access.workspace.id, body.definition)
    now = utcnow()
    report = SavedReport(
        id=new_id(),
        workspace_id=access.workspace.id,
        owner_id=access.user.id,
        name=body.name,
        definition=_stored_definition(body.definition),
        visibility=body.visibility.value,
        version=1,
        created_at=now,
        updated_at=now,
    )
    _set_schedule(report, body.schedule, now)
    session.add(report)
    await session.flush()
    activity.record(
        session,
        workspace_id=report.workspace_id,
        actor_id=access.user.id,
        action="created",
        entity_type="report",
        entity_id=report.id,
        changes=activity.snapshot(_trail_values(report)),
    )
    return report


async def list_visible(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[ReportRead]:
    """The caller's own reports and the shared ones, oldest first (but those filtered on a
    private project hidden from the caller)."""
    hidden = await analytics.hidden_from(session, access)
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_visible(
            session, access.workspace.id, access.user.id, hidden, after=after, limit=size
        ),
        by_creation,
    )
    return rows.read(to_read)


async def load(session: AsyncSession, user: User, report_id: str) -> tuple[SavedReport, Role]:
    """A report the caller may see, and their role (404 for anyone else)."""
    report = await repository.get(session, report_id)
    if report is None:
        raise NotFound(MISSING)
    access = await require_role(session, user, report.workspace_id, Role.VIEWER, missing=MISSING)
    if report.visibility == "private" and report.owner_id != user.id:
        raise NotFound(MISSING)
    project_id = _project_of(report)
    if project_id is not None:
        await check_project(session, access, project_id, missing=MISSING)
    return report, access.role


def _check_may_change(user: User, report: SavedReport, role: Role) -> None:
    own = report.owner_id == user.id and role.at_least(Role.MEMBER)
    if not own and not role.at_least(Role.ADMIN):
        raise Forbidden("Only the report's owner or a workspace admin may change or delete it.")


async def update(
    session: AsyncSession, user: User, report: SavedReport, role: Role, body: ReportUpdate
) -> SavedReport:
    """Change a report (its owner while a member, or an admin); a new schedule restarts."""
    _check_may_change(user, report, role)
    if body.definition is not None:
        await _check_project(session, user, report.workspace_id, body.definition)
        owner = await _owner(session, report)
        if owner.reason is None and owner.user is not None and owner.user.id != user.id:
            # It runs as its owner: a project they cannot see would only fail every run.
            await _check_project(
                session, owner.user, report.workspace_id, body.definition, OWNER_CANNOT_SEE
            )
    restarted = "schedule" in body.model_fields_set and body.schedule is not None
    # A schedule cannot restart while its owner cannot run it: it stays stopped.
    reason = await stop_reason(session, report) if restarted else None
    before = _trail_values(report)
    now = utcnow()
    if body.name is not None:
        report.name = body.name
    if body.visibility is not None:
        report.visibility = body.visibility.value
    if body.definition is not None:
        report.definition = _stored_definition(body.definition)
    if "schedule" in body.model_fields_set:
        _set_schedule(report, body.schedule, now)
    if reason is not None:
        report.stopped_reason, report.next_run_at = reason, None
    changes = activity.diff(before, _trail_values(report))
    if changes or restarted:
        report.updated_at = now
        await session.flush()
    if changes:
        activity.record(
            session,
            workspace_id=report.workspace_id,
            actor_id=user.id,
            action="updated",
            entity_type="report",
            entity_id=report.id,
            changes=changes,
        )
    return report


async def delete(
    session: AsyncSession, user: User, report: SavedReport, role: Role, storage: Storage
) -> None:
    """Delete a report, its deliveries and (once committed) its stored files."""
    _check_may_change(user, report, role)
    activity.record(
        session,
        workspace_id=report.workspace_id,
        actor_id=user.id,
        action="deleted",
        entity_type="report",
        entity_id=report.id,
        changes=activity.removal(_trail_values(report)),
    )
    for key in await repository.storage_keys(session, report.id):
        after_commit(session, functools.partial(storage.delete, key))
    await session.delete(report)
    await session.flush()


@dataclass(frozen=True, slots=True)
class _Owner:
    """The report's owner, their membership's workspace, and why they cannot run it."""

    user: User | None
    workspace: Workspace | None

    @property
    def reason(self) -> str | None:
        """Why the owner cannot run the report (None while they can)."""
        if self.workspace is None:
            return OWNER_LEFT
        if self.user is None or not self.user.is_active or self.user.deleted_at is not None:
            return OWNER_DISABLED
        return None


async def _owner(session: AsyncSession, report: SavedReport) -> _Owner:
    found = await workspaces.get_with_membership(session, report.workspace_id, report.owner_id)
    user = await accounts.get_user(session, report.owner_id)
    return _Owner(user, found[0] if found else None)


async def stop_reason(session: AsyncSession, report: SavedReport) -> str | None:
    """Why the report can no longer run as its owner (None while it can)."""
    return (await _owner(session, report)).reason


@dataclass(frozen=True, slots=True)
class Run:
    """A report's table as run on a day (the day names its files)."""

    result: ReportResult
    day: date


async def run(
    session: AsyncSession, report: SavedReport, at: datetime, *, reader: User | None
) -> Run:
    """The report's table as its owner sees it, for the run at `at` (409 if it cannot run);
    for a `reader` other than the owner, without what the reader cannot see either (a
    scheduled delivery has no reader: its recipients get the owner's figures).

    Without `from`/`to`, the range is the `days` (default 30) days up to the run's day in
    the workspace's time zone.
    """
    owner = await _owner(session, report)
    if owner.reason is not None or owner.user is None or owner.workspace is None:
        raise Conflict(owner.reason or OWNER_LEFT)
    definition = ReportDefinition.model_validate(report.definition)
    day = analytics.today_in(owner.workspace.timezone, at)
    try:
        where = await analytics.scope(
            session,
            owner.user,
            report.workspace_id,
            definition.from_,
            definition.to or day,
            definition.project_id,
            days=definition.days or analytics.DEFAULT_DAYS,
        )
    except NotFound as error:
        gone = definition.project_id is None or (
            await projects.get(session, definition.project_id) is None
        )
        raise Conflict(PROJECT_GONE if gone else PROJECT_HIDDEN) from error
    except ValidationFailed as error:
        raise Conflict(f"The report cannot run on {day.isoformat()}: {error.detail}") from error
    if reader is not None and reader.id != owner.user.id:
        access = await require_role(session, reader, report.workspace_id, Role.VIEWER)
        where = analytics.narrowed(where, await analytics.hidden_from(session, access))
    return Run(await analytics.custom_report(session, where, definition), day)


async def last_deliveries(session: AsyncSession, report_ids: list[str]) -> dict[str, DeliveryRead]:
    """The latest delivery of each of these reports (already checked visible), one query."""
    found = await repository.last_deliveries(session, report_ids)
    return {report_id: DeliveryRead.model_validate(d) for report_id, d in found.items()}


async def list_deliveries(
    session: AsyncSession, report: SavedReport, cursor: str | None, limit: int
) -> Page[DeliveryRead]:
    """A report's deliveries, the latest scheduled first."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_deliveries(session, report.id, after=after, limit=size),
        lambda delivery: created_cursor(delivery.scheduled_for, delivery.id),
    )
    return rows.read(DeliveryRead.model_validate)
