"""The feed as an RFC 5545 iCalendar document, built with the `icalendar` library.

Each task is an all-day event on its due day (docs/calendar.md says why): `DTSTART` and
`DTEND` are dates, so calendars show it in the day's all-day row, on every device, and it
never marks the person busy (`TRANSP:TRANSPARENT`). The document depends only on the rows
and the public URL (`DTSTAMP` is the task's last change, as RFC 5545 asks of a calendar
without `METHOD`), so its ETag can be computed from the rows without building it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smarttask.tasks.schemas import Priority, Status

# Bumped whenever the document's shape changes, so that old ETags stop matching.
FORMAT = "1"
CALENDAR_NAME = "smarttask: my tasks"
# A hint to the apps that honour it (Apple Calendar, Thunderbird; Google and Outlook
# choose their own interval, docs/calendar.md).
REFRESH = timedelta(hours=1)
# The web app stores a day chosen in its date field as that day's 23:59:59 UTC.
_END_OF_UTC_DAY = time(23, 59, 59)
# Control characters RFC 5545 does not allow in TEXT (tab and line feed are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_STATUS_WORDS = {Status.TODO.value: "To do", Status.IN_PROGRESS.value: "In progress"}


@dataclass(frozen=True, slots=True)
class FeedTask:
    """What one event shows of a task."""

    id: str
    key: str
    title: str
    status: str
    priority: int
    due_at: datetime
    updated_at: datetime
    version: int
    project_name: str
    workspace_name: str


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; UTC when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_whole_day(due_at: datetime) -> bool:
    """Whether the due date is a day picked in the web app (stored at 23:59:59 UTC)."""
    return due_at.astimezone(UTC).time() == _END_OF_UTC_DAY


def due_day(due_at: datetime, tz: ZoneInfo) -> date:
    """The calendar day a due date falls on for the person.

    A day picked in the web app is that day, as the app shows it; any other due time is
    converted to the person's zone and its day taken.
    """
    if is_whole_day(due_at):
        return due_at.astimezone(UTC).date()
    return due_at.astimezone(tz).date()


def text(value: str) -> str:
    """Text safe for an iCalendar TEXT value: one newline style, no control characters
    (the library escapes commas, semicolons, backslashes and newlines)."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def task_url(public_url: str, task_id: str) -> str:
    """The task's page in the web app."""
    return f"{public_url}/tasks/{task_id}"


def etag(tasks: Sequence[FeedTask], public_url: str, timezone: str) -> str:
    """A strong ETag of the document these rows make: any change to a task shown, a task
    appearing or leaving, a renamed project or workspace, another time zone changes it."""
    digest = hashlib.sha256(f"{FORMAT}\x1f{public_url}\x1f{timezone}".encode())
    for task in tasks:
        fields = (
            task.id,
            task.key,
            task.title,
            task.status,
            str(task.priority),
            task.due_at.isoformat(),
            task.updated_at.isoformat(),
            str(task.version),
            task.project_name,
            task.workspace_name,
        )
        digest.update(("\x1e" + "\x1f".join(fields)).encode())
    return f'"{digest.hexdigest()[:40]}"'


def _description(task: FeedTask, url: str, tz: ZoneInfo) -> str:
    status = _STATUS_WORDS.get(task.status, task.status)
    priority = Priority.of_rank(task.priority).value
    if is_whole_day(task.due_at):
        due = f"{task.due_at.astimezone(UTC):%Y-%m-%d} (end of the day, UTC)"
    else:
        due = f"{task.due_at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})"
    lines = [
        f"{task.key} in {task.project_name} ({task.workspace_name})",
        f"Status: {status}. Priority: {priority}.",
        f"Due: {due}",
        f"Open the task: {url}",
    ]
    return text("\n".join(lines))


def build(tasks: Sequence[FeedTask], public_url: str, timezone: str) -> bytes:
    """The iCalendar document: one all-day VEVENT per task."""
    # Imported on first use: only the feed needs the library.
    from icalendar import Calendar, Event, vDuration

    tz = zone(timezone)
    host = urlsplit(public_url).hostname or "smarttask"
    calendar = Calendar()
    calendar.add("prodid", "-//smarttask//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", CALENDAR_NAME)
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-caldesc", "Your open smarttask tasks that have a due date.")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for task in tasks:
        url = task_url(public_url, task.id)
        day = due_day(task.due_at, tz)
        event = Event()
        event.add("uid", f"{task.id}@{host}")
        event.add("summary", text(f"{task.key} {task.title}"))
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("dtstamp", task.updated_at.astimezone(UTC))
        event.add("last-modified", task.updated_at.astimezone(UTC))
        event.add("sequence", task.version)
        event.add("url", url)
        event.add("description", _description(task, url, tz))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
