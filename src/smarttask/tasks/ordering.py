"""Moving a card within and between the columns of a board, and rebalancing a column.

Moves in one column are serialised by a lock on its state row (PostgreSQL; SQLite
serialises writers), taken before the neighbours are read: two concurrent moves never read
the same neighbours and write the same rank. The order is total: (rank, id). A move writes
only the moved task (a status change goes through the tasks service's rules); a rank grown
longer than ranks.REBALANCE_LENGTH queues the column's rebalance.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.jobs.queue import enqueue
from smarttask.kit.problems import Conflict, NotFound, ValidationFailed
from smarttask.tasks import ordering_sql, ranks
from smarttask.tasks import service as tasks
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import TaskMove, TaskUpdate
from smarttask.workflow import repository as states
from smarttask.workflow.models import WorkflowState

REBALANCE = "tasks.rebalance_column"
# The board counts a column's cards exactly up to this many (beyond: "10,000+").
COUNT_CAP = 10_000


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


async def _neighbour(
    session: AsyncSession, task: Task, state_id: str, neighbour_id: str | None, field: str
) -> Task | None:
    if neighbour_id is None:
        return None
    if neighbour_id == task.id:
        raise _invalid(field, "A task cannot be its own neighbour.")
    found = await ordering_sql.get(session, neighbour_id)
    if found is None or found.project_id != task.project_id or found.state_id != state_id:
        raise _invalid(field, "The neighbour must be a task of the target column.")
    return found


async def _rank_between(
    session: AsyncSession, task: Task, state_id: str, after: Task | None, before: Task | None
) -> str:
    """A rank after `after` and before `before` (the moved task left out of the column)."""
    project_id = task.project_id
    low: str | None
    high: str | None
    if after is not None and before is None:
        following = await ordering_sql.next_in_column(session, project_id, state_id, after, task.id)
        low, high = after.rank, following
    elif before is not None and after is None:
        previous = await ordering_sql.previous_in_column(
            session, project_id, state_id, before, task.id
        )
        low, high = previous, before.rank
    elif after is not None and before is not None:
        if (after.rank, after.id) >= (before.rank, before.id):
            raise _invalid("before_id", "after_id must come before before_id in the column.")
        # Right after `after`: a card moved in between since the client read the column
        # keeps its own rank (never two cards on one rank).
        following = await ordering_sql.next_in_column(session, project_id, state_id, after, task.id)
        low, high = after.rank, following
    else:
        low, high = await ordering_sql.last_in_column(session, project_id, state_id, task.id), None
    if low is not None and high is not None and low >= high:
        # Equal neighbours (two cards created at once): spread the column, then place.
        await rebalance(session, project_id, state_id)
        return await _rank_between(
            session,
            task,
            state_id,
            None if after is None else await ordering_sql.get(session, after.id),
            None if before is None else await ordering_sql.get(session, before.id),
        )
    return ranks.between(low, high)


async def move(session: AsyncSession, user: User, task: Task, body: TaskMove) -> Task:
    """Place a task between two cards of a column (its own, or `state_id`'s)."""
    state_id = body.state_id or task.state_id
    state = await states.get(session, state_id)
    if state is None or state.project_id != task.project_id:
        raise _invalid("state_id", "The state must be one of the task's project.")
    await states.lock_state(session, state.id)
    # Read again under the lock: a concurrent move of this card has committed by now.
    fresh = await ordering_sql.get(session, task.id)
    if fresh is None:
        raise NotFound(tasks.MISSING)
    if fresh.project_id != state.project_id or (
        body.state_id is None and fresh.state_id != state.id
    ):
        raise Conflict("The task moved meanwhile; read the board again and retry.")
    task = fresh
    after = await _neighbour(session, task, state.id, body.after_id, "after_id")
    before = await _neighbour(session, task, state.id, body.before_id, "before_id")
    rank = await _rank_between(session, task, state.id, after, before)
    if len(rank) > ranks.MAX_LENGTH:  # the queued rebalance has not run yet: do it now
        await rebalance(session, task.project_id, state.id)
        after = None if after is None else await ordering_sql.get(session, after.id)
        before = None if before is None else await ordering_sql.get(session, before.id)
        rank = await _rank_between(session, task, state.id, after, before)
    old_rank = task.rank
    if state.id != task.state_id:
        task = await tasks.update(session, user, task, TaskUpdate(state_id=state.id))
        task.rank = rank
        await session.flush()
    elif rank != old_rank:
        task.rank = rank
        await session.flush()
        changes = {"rank": {"old": old_rank, "new": rank}}
        activity.record(
            session,
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            actor_id=user.id,
            action="updated",
            entity_type="task",
            entity_id=task.id,
            changes=changes,
        )
        tasks.publish_update(session, user, task, changes)
    if len(rank) > ranks.REBALANCE_LENGTH:
        payload = {"project_id": task.project_id, "state_id": state.id}
        await enqueue(session, REBALANCE, payload, dedupe_key=f"{REBALANCE}:{state.id}")
    return task


async def rebalance(session: AsyncSession, project_id: str, state_id: str) -> int:
    """Give a column's cards short, evenly spread ranks in their order, under the column's
    lock, without bumping their versions; how many cards it holds."""
    await states.lock_state(session, state_id)
    ids = await ordering_sql.column_ids(session, project_id, state_id)
    await ordering_sql.set_ranks(session, list(zip(ids, ranks.spread(len(ids)), strict=True)))
    return len(ids)


async def board_columns(session: AsyncSession, project_id: str) -> list[tuple[WorkflowState, int]]:
    """A project's states in board order with their task counts, exact up to COUNT_CAP (a
    larger count is COUNT_CAP + 1: "more than COUNT_CAP"); access is checked before."""
    return await ordering_sql.columns(session, project_id, COUNT_CAP)
