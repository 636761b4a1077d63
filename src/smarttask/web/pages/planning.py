"""The task page's "Time" and "Repeat" sections (docs/planning.md).

Each section loads itself on the task page (htmx) and has a small page of its own when
JavaScript is off; its forms go through the same services as the API (timetracking/,
tasks/service.py), answer the section again (htmx) or go back to the task page (303).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.db.types import utcnow
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.recurrence.schemas import RecurrenceWrite
from smarttask.tasks import recurring
from smarttask.tasks import service as tasks
from smarttask.tasks.schemas import TaskUpdate
from smarttask.timetracking import service as timetracking
from smarttask.timetracking import timers
from smarttask.timetracking.schemas import TimeEntryCreate
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
PRESETS = {
    "daily": ("Every day", "FREQ=DAILY"),
    "weekdays": ("Every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    "weekly": ("Every week", "FREQ=WEEKLY"),
    "monthly": ("Every month", "FREQ=MONTHLY"),
}
_ENTRIES_SHOWN = 20


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _time_context(
    session: AsyncSession, caller: WebCaller, task_id: str, error: str = ""
) -> dict[str, Any]:
    task, _, access = await tasks.load_with_access(session, caller.user, task_id, Role.VIEWER)
    running = await timers.running(session, caller.user)
    await session.refresh(task, ["time_spent_minutes"])  # moved by SQL increments
    return {
        "task_id": task.id,
        "total": task.time_spent_minutes,
        "entries": await timetracking.recent(session, task, _ENTRIES_SHOWN),
        "running_here": running is not None and running.task_id == task.id,
        "running_elsewhere": running is not None and running.task_id != task.id,
        "can_log": access.role.at_least(Role.MEMBER),
        "today": (await timetracking.local_today(session, task.workspace_id)).isoformat(),
        "time_error": error,
    }


def _preset_of(rule: str | None) -> str:
    if rule is None:
        return "none"
    return next((key for key, (_, value) in PRESETS.items() if value == rule), "custom")


async def _repeat_context(
    session: AsyncSession, caller: WebCaller, task_id: str, error: str = ""
) -> dict[str, Any]:
    task, _, access = await tasks.load_with_access(session, caller.user, task_id, Role.VIEWER)
    upcoming: datetime | None = None
    if task.recurrence_rule is not None:
        try:
            upcoming = await recurring.upcoming(session, task, utcnow())
        except ValueError:
            upcoming = None
    return {
        "task_id": task.id,
        "rule": task.recurrence_rule or "",
        "origin": task.recurrence_from or "due",
        "preset": _preset_of(task.recurrence_rule),
        "presets": PRESETS,
        "repeats": task.recurrence_rule is not None,
        "upcoming": upcoming,
        "has_due": task.due_at is not None,
        "can_edit": access.role.at_least(Role.MEMBER),
        "repeat_error": error,
    }


async def _answer(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    section: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    if _htmx(request):
        return render(request, f"planning/_{section}.html", context, status=status)
    return await page(request, session, caller, f"planning/{section}.html", context, status=status)


def _message(problem: ProblemError) -> str:
    errors = forms.field_errors(problem)
    return "; ".join(errors.values()) if errors else problem.detail


@router.get("/tasks/{task_id}/time")
async def time_section(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller
) -> Response:
    """The task's time: the caller's timer, the log form, the entries and the total."""
    context = await _time_context(session, caller, task_id)
    return await _answer(request, session, caller, "time", context)


@router.post("/tasks/{task_id}/time/timer")
async def timer(
    request: Request,
    task_id: Id,
    session: SessionDep,
    caller: PageCaller,
    action: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Start (action=start) or stop (action=stop) the caller's timer on the task."""
    error = ""
    try:
        if action == "stop":
            await timers.stop_timer(session, caller.user, task_id)
        else:
            await timers.start_timer(session, caller.user, task_id)
    except ProblemError as problem:
        if problem.status not in (404, 409):
            raise
        error = problem.detail
    if not _htmx(request) and not error:
        return RedirectResponse(f"/tasks/{task_id}/time", status_code=303)
    context = await _time_context(session, caller, task_id, error)
    return await _answer(request, session, caller, "time", context, 409 if error else 200)


@router.post("/tasks/{task_id}/time/entries")
async def log_time(
    request: Request,
    task_id: Id,
    session: SessionDep,
    caller: PageCaller,
    minutes: Annotated[str, Form(max_length=8)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Log minutes on a day."""
    try:
        body = forms.parse(
            TimeEntryCreate,
            {
                "minutes": int(minutes) if minutes.isdigit() else (minutes or None),
                "date": date or None,
                "note": note or None,
            },
        )
        await timetracking.log(session, caller.user, task_id, body)
    except ProblemError as problem:
        if problem.status != 422:
            raise
        context = await _time_context(session, caller, task_id, _message(problem))
        return await _answer(request, session, caller, "time", context, 422)
    if not _htmx(request):
        return RedirectResponse(f"/tasks/{task_id}/time", status_code=303)
    return await _answer(
        request, session, caller, "time", await _time_context(session, caller, task_id)
    )


@router.get("/tasks/{task_id}/repeat")
async def repeat_section(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller
) -> Response:
    """How the task repeats, and the due date of its next occurrence."""
    context = await _repeat_context(session, caller, task_id)
    return await _answer(request, session, caller, "repeat", context)


@router.post("/tasks/{task_id}/repeat")
async def set_repeat(
    request: Request,
    task_id: Id,
    session: SessionDep,
    caller: PageCaller,
    preset: Annotated[str, Form(max_length=16)] = "none",
    rrule: Annotated[str, Form(max_length=500)] = "",
    origin: Annotated[str, Form(max_length=16)] = "due",
) -> Response:
    """Set (a preset or a custom RRULE, from due or completion) or end the repetition."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    try:
        recurrence = None
        if preset != "none":
            rule = PRESETS[preset][1] if preset in PRESETS else rrule
            recurrence = forms.parse(RecurrenceWrite, {"rrule": rule, "from": origin})
        await tasks.update(session, caller.user, task, TaskUpdate(recurrence=recurrence))
    except ProblemError as problem:
        if problem.status != 422:
            raise
        context = await _repeat_context(session, caller, task_id, _message(problem))
        context |= {"preset": preset, "rule": rrule, "origin": origin}
        return await _answer(request, session, caller, "repeat", context, 422)
    if not _htmx(request):
        return RedirectResponse(f"/tasks/{task_id}/repeat", status_code=303)
    return await _answer(
        request, session, caller, "repeat", await _repeat_context(session, caller, task_id)
    )
