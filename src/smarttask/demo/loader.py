"""A realistic demo workspace: people, projects and tasks with histories.

Tasks are spread over the last months: some finished on time, some late, some overdue and
open, some blocked by others, some with subtasks, comments and time logged by their
assignees; the workspace has three saved views (a board, a calendar, a list). Rows are
written in bulk (with their audit entries), so `--tasks 100000` takes seconds, not hours;
once they are committed, `analyze_demo_tables` gives the planner the statistics of the
tables they filled.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import service as accounts
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.models import User
from smarttask.activity.models import Activity
from smarttask.comments.models import Comment
from smarttask.db.statistics import analyze_tables
from smarttask.db.types import new_id, utcnow
from smarttask.demo.content import (
    DEMO_PASSWORD,
    LABELS,
    PEOPLE,
    PROJECTS,
    THINGS,
    VERBS,
    VIEWS,
)
from smarttask.projects.models import Project
from smarttask.tasks import ranks
from smarttask.tasks.models import Label, Task, TaskDependency, TaskLabel
from smarttask.timetracking.models import TimeEntry
from smarttask.views.models import SavedView
from smarttask.workflow import service as workflow
from smarttask.workspaces.models import Membership, Workspace

BATCH = 2000
# Every table load_demo writes to.
FILLED_TABLES = tuple(
    model.__tablename__
    for model in (
        User,
        Workspace,
        Membership,
        Project,
        Label,
        Task,
        TaskLabel,
        TaskDependency,
        Comment,
        Activity,
        TimeEntry,
    )
)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What was created."""

    workspace_id: str
    tasks: int
    emails: list[str]


async def has_users(session: AsyncSession) -> bool:
    """Whether the database already holds any account."""
    return bool((await session.execute(select(func.count()).select_from(User))).scalar_one())


def _task_row(
    rng: random.Random,
    now: datetime,
    workspace_id: str,
    project_id: str,
    number: int,
    people: list[str],
) -> dict[str, Any]:
    created = now - timedelta(days=rng.uniform(1, 180), minutes=rng.randint(0, 1440))
    due = created + timedelta(days=rng.uniform(2, 45)) if rng.random() < 0.8 else None
    roll = rng.random()
    status, completed = "todo", None
    if roll < 0.45:
        status = "done"
        # Most finish on time; a third are late.
        late = rng.random() < 0.33
        target = due or created + timedelta(days=10)
        completed = (
            target + timedelta(days=rng.uniform(0.5, 12))
            if late
            else created + (target - created) * rng.uniform(0.3, 0.98)
        )
        completed = min(completed, now)
    elif roll < 0.65:
        status = "in_progress"
    elif roll < 0.7:
        status = "cancelled"
    verb, thing = rng.choice(VERBS), rng.choice(THINGS)
    steps = "\n".join(f"- [ ] step {i + 1}" for i in range(rng.randint(0, 4)))
    return {
        "id": new_id(),
        "workspace_id": workspace_id,
        "project_id": project_id,
        "number": number,
        "title": f"{verb} {thing}",
        "status": status,
        "priority": rng.choices(range(5), [3, 3, 4, 2, 1])[0],
        "description": f"{verb} the {thing}.\n{steps}".strip(),
        "assignee_id": rng.choice(people) if rng.random() < 0.8 else None,
        "reporter_id": rng.choice(people),
        "parent_id": None,
        "due_at": due,
        "estimate_minutes": rng.choice([None, 30, 60, 120, 240, 480]),
        "created_at": created,
        "updated_at": completed or created,
        "completed_at": completed,
        "version": 1,
    }


async def load_demo(
    session: AsyncSession,
    auth: AuthComponents,
    *,
    tasks: int = 300,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Create the demo workspace with `tasks` tasks; the caller commits."""
    rng = random.Random(seed)
    now = utcnow()
    users = []
    for email, name, _role in PEOPLE:
        user = await accounts.register(
            session,
            auth,
            email=email,
            password=DEMO_PASSWORD,
            name=name,
            is_admin=email.startswith("ada"),
            send_verification=False,  # demo addresses receive no mail
        )
        user.email_verified = True
        users.append(user)
    people = [u.id for u in users]
    owner = next(u.id for u, (_e, _n, role) in zip(users, PEOPLE, strict=True) if role == "owner")
    workspace = Workspace(
        id=new_id(), name="Acme Inc.", created_by=owner, version=1, created_at=now, updated_at=now
    )
    session.add(workspace)
    await session.flush()
    session.add_all(
        [
            Membership(
                workspace_id=workspace.id, user_id=u.id, role=role, created_at=now, updated_at=now
            )
            for u, (_e, _n, role) in zip(users, PEOPLE, strict=True)
        ]
    )
    projects = [
        Project(
            id=new_id(),
            workspace_id=workspace.id,
            key=key,
            name=name,
            description=None,
            task_counter=0,
            version=1,
            created_at=now,
            updated_at=now,
        )
        for key, name in PROJECTS
    ]
    session.add_all(projects)
    labels = [
        Label(id=new_id(), workspace_id=workspace.id, name=n, name_key=n, created_at=now)
        for n in LABELS
    ]
    session.add_all(labels)
    await session.flush()
    # Each project's default states; cards go to the end of their column, in creation order.
    columns: dict[tuple[str, str], list[str | None]] = {}
    for project in projects:
        for state in await workflow.create_defaults(session, workspace.id, project.id, now):
            columns[(project.id, state.category)] = [state.id, None]
    counters = {p.id: 0 for p in projects}
    done = 0
    previous: list[dict[str, Any]] = []
    while done < tasks:
        rows = []
        for _ in range(min(BATCH, tasks - done)):
            project = rng.choice(projects)
            counters[project.id] += 1
            row = _task_row(rng, now, workspace.id, project.id, counters[project.id], people)
            column = columns[(project.id, row["status"])]
            column[1] = ranks.between(column[1], None)
            row["state_id"], row["rank"] = column
            rows.append(row)
        await _insert_batch(session, rng, rows, previous, [label.id for label in labels], people)
        previous = rows
        done += len(rows)
        if progress:
            progress(done)
    for project in projects:
        await session.execute(
            update(Project)
            .where(Project.id == project.id)
            .values(task_counter=counters[project.id])
            .execution_options(synchronize_session=False)
        )
    session.add_all(_saved_views(workspace.id, owner, now))
    await session.flush()
    # Bulk-inserted rows carry no risk score yet: score them now, as a write would have.
    from smarttask.tasks.scoring.service import rescore_all

    await rescore_all(session, workspace_id=workspace.id)
    # And no history: give them one, so that the dashboards have something to show.
    from smarttask.history.service import adopt

    await adopt(session, workspace.id)
    return DemoSummary(workspace.id, tasks, [email for email, _n, _r in PEOPLE])


async def analyze_demo_tables(session: AsyncSession) -> None:
    """Refresh the planner's statistics of the tables the demo filled (after its commit)."""
    await analyze_tables(session, FILLED_TABLES)


def _time_entries(rng: random.Random, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time logged by the assignees of some started tasks: minutes on days of their work."""
    entries = []
    for row in rows:
        started = row["status"] in ("in_progress", "done") and row["assignee_id"]
        if not started or rng.random() < 0.4:
            continue
        last = row["completed_at"] or row["updated_at"]
        for _ in range(rng.randint(1, 3)):
            at = row["created_at"] + (last - row["created_at"]) * rng.random()
            entries.append(
                {
                    "id": new_id(),
                    "workspace_id": row["workspace_id"],
                    "project_id": row["project_id"],
                    "task_id": row["id"],
                    "user_id": row["assignee_id"],
                    "started_at": None,
                    "ended_at": None,
                    "minutes": rng.choice([15, 30, 45, 60, 90, 120, 180]),
                    "date": at.date(),
                    "note": rng.choice([None, None, "pairing", "review", "investigation"]),
                    "created_at": at,
                    "updated_at": at,
                    "version": 1,
                }
            )
    return entries


def _saved_views(workspace_id: str, owner: str, now: datetime) -> list[SavedView]:
    """The demo's views (VIEWS), listed oldest first in their order."""
    return [
        SavedView(
            id=new_id(),
            workspace_id=workspace_id,
            owner_id=owner,
            name=name,
            layout=layout,
            shared=shared,
            filters=filters,
            sort=sort,
            version=1,
            created_at=now - timedelta(seconds=len(VIEWS) - number),
            updated_at=now - timedelta(seconds=len(VIEWS) - number),
        )
        for number, (name, layout, shared, filters, sort) in enumerate(VIEWS)
    ]


async def _insert_batch(
    session: AsyncSession,
    rng: random.Random,
    rows: list[dict[str, Any]],
    previous: list[dict[str, Any]],
    label_ids: list[str],
    people: list[str],
) -> None:
    for i, row in enumerate(rows):  # a few subtasks of earlier tasks of the same project
        earlier = previous[-50:] + rows[max(0, i - 50) : i]
        parents = [p for p in earlier if p["project_id"] == row["project_id"]]
        if parents and rng.random() < 0.1:
            row["parent_id"] = rng.choice(parents)["id"]
    entries = _time_entries(rng, rows)
    for row in rows:
        row["time_spent_minutes"] = sum(e["minutes"] for e in entries if e["task_id"] == row["id"])
    await session.execute(insert(Task), rows)
    if entries:
        await session.execute(insert(TimeEntry), entries)
    links = [
        {"task_id": r["id"], "label_id": lid}
        for r in rows
        for lid in rng.sample(label_ids, rng.choice([0, 1, 1, 2]))
    ]
    if links:
        await session.execute(insert(TaskLabel), links)
    # Some open tasks are blocked by an earlier task of the batch: edges only point backwards,
    # so there is no cycle.
    blockers = [
        {
            "task_id": r["id"],
            "depends_on_id": rows[rng.randrange(i)]["id"],
            "created_at": r["created_at"],
        }
        for i, r in enumerate(rows)
        if i > 0 and r["status"] in ("todo", "in_progress") and rng.random() < 0.15
    ]
    if blockers:
        await session.execute(insert(TaskDependency), blockers)
    comments = [
        {
            "id": new_id(),
            "task_id": r["id"],
            "workspace_id": r["workspace_id"],
            "author_id": rng.choice(people),
            "body": rng.choice(
                [
                    "Looks good to me.",
                    "Can we split this?",
                    "Blocked on review.",
                    "Done on staging.",
                    "Needs a test.",
                ]
            ),
            "version": 1,
            "created_at": r["updated_at"],
            "updated_at": r["updated_at"],
        }
        for r in rows
        if rng.random() < 0.3
    ]
    if comments:
        await session.execute(insert(Comment), comments)
    await session.execute(
        insert(Activity),
        [
            {
                "id": new_id(),
                "workspace_id": r["workspace_id"],
                "actor_id": r["reporter_id"],
                "action": "created",
                "entity_type": "task",
                "entity_id": r["id"],
                "changes": {"title": {"old": None, "new": r["title"]}},
                "request_id": None,
                "created_at": r["created_at"],
            }
            for r in rows
        ],
    )
