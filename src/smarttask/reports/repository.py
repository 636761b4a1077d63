"""All SQL of saved reports and their deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.dialect import upsert
from smarttask.reports.models import ReportDelivery, SavedReport


async def get(session: AsyncSession, report_id: str) -> SavedReport | None:
    """A saved report by id."""
    return await session.get(SavedReport, report_id)


async def list_visible(
    session: AsyncSession,
    workspace_id: str,
    user_id: str,
    hidden_projects: Sequence[str],
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[SavedReport]:
    """The workspace's reports the user may see (theirs and shared ones, but those filtered
    on one of `hidden_projects`), oldest first."""
    position = tuple_(SavedReport.created_at, SavedReport.id)
    statement = (
        select(SavedReport)
        .where(
            SavedReport.workspace_id == workspace_id,
            or_(SavedReport.visibility == "workspace", SavedReport.owner_id == user_id),
        )
        .order_by(SavedReport.created_at, SavedReport.id)
        .limit(limit)
    )
    if hidden_projects:
        project = SavedReport.definition["project_id"].as_string()
        statement = statement.where(or_(project.is_(None), project.not_in(list(hidden_projects))))
    if after is not None:
        statement = statement.where(position > tuple_(*after))
    return list((await session.scalars(statement)).all())


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[SavedReport]:
    """Scheduled reports due at `now`, locked (rows another scheduler holds are skipped)."""
    statement = (
        select(SavedReport)
        .where(SavedReport.next_run_at <= now)
        .order_by(SavedReport.next_run_at, SavedReport.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(statement)).all())


async def insert_delivery(session: AsyncSession, values: dict[str, Any]) -> str | None:
    """Add a delivery; its id, or None when that run of the report already has one."""
    statement = (
        upsert(session, ReportDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["report_id", "scheduled_for"])
        .returning(ReportDelivery.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def get_delivery(session: AsyncSession, delivery_id: str) -> ReportDelivery | None:
    """A delivery by id."""
    return await session.get(ReportDelivery, delivery_id)


async def list_deliveries(
    session: AsyncSession, report_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[ReportDelivery]:
    """A report's deliveries, the latest scheduled first, after a keyset position."""
    position = tuple_(ReportDelivery.scheduled_for, ReportDelivery.id)
    statement = (
        select(ReportDelivery)
        .where(ReportDelivery.report_id == report_id)
        .order_by(ReportDelivery.scheduled_for.desc(), ReportDelivery.id.desc())
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(position < tuple_(*after))
    return list((await session.scalars(statement)).all())


async def last_deliveries(
    session: AsyncSession, report_ids: list[str]
) -> dict[str, ReportDelivery]:
    """Each report's latest scheduled delivery, for a whole page of reports in one query."""
    if not report_ids:
        return {}
    latest = (
        select(
            ReportDelivery.id,
            func.row_number()
            .over(
                partition_by=ReportDelivery.report_id,
                order_by=(ReportDelivery.scheduled_for.desc(), ReportDelivery.id.desc()),
            )
            .label("rank"),
        )
        .where(ReportDelivery.report_id.in_(report_ids))
        .subquery()
    )
    statement = select(ReportDelivery).join(latest, latest.c.id == ReportDelivery.id)
    found = await session.scalars(statement.where(latest.c.rank == 1))
    return {delivery.report_id: delivery for delivery in found}


async def record_attempt(
    session: AsyncSession, delivery_id: str, *, attempts: int, error: str, status: str
) -> None:
    """Write a failed attempt's count, reason and status onto a delivery not yet sent."""
    await session.execute(
        update(ReportDelivery)
        .where(ReportDelivery.id == delivery_id, ReportDelivery.status != "sent")
        .values(attempts=attempts, error=error, status=status)
        .execution_options(synchronize_session=False)
    )


async def storage_keys(session: AsyncSession, report_id: str) -> list[str]:
    """The stored files of a report's deliveries."""
    statement = select(ReportDelivery.storage_key).where(
        ReportDelivery.report_id == report_id, ReportDelivery.storage_key.is_not(None)
    )
    return [key for key in (await session.scalars(statement)).all() if key]


async def stored_before(
    session: AsyncSession, created_before: datetime, limit: int
) -> list[ReportDelivery]:
    """Deliveries to storage scheduled before `created_before` whose file is still kept."""
    statement = (
        select(ReportDelivery)
        .where(ReportDelivery.storage_key.is_not(None), ReportDelivery.created_at < created_before)
        .order_by(ReportDelivery.created_at)
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())
