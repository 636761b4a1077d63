"""Writing one user's export: every file of the ZIP, streamed page by page (docs/export.md).

Each list is read in keyset pages of `PAGE` rows and written item by item; the files the
user uploaded are copied from the store a chunk at a time. Memory holds one page and one
chunk, whatever the user's data amounts to (bench/export_memory.py measures it).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.adapters.storage.base import Storage
from smarttask.adapters.storage.policy import sanitise_filename
from smarttask.exports import contents, trail
from smarttask.exports.archive import Archive, Entry, JsonArray, stored_as_is
from smarttask.tasks.schemas import Priority

PAGE = 500
FORMAT_VERSION = 1
README = """\
Your smarttask data
===================

This archive holds what your smarttask account holds, as of {made_at} (UTC).
Every file but this one is JSON (UTF-8); times are RFC 3339 in UTC; ids are opaque
strings. Other people appear only by their id (as an assignee, a reporter, who did
something), never by their email.

profile.json        your account: email, name, time zone, whether two-step sign-in is
                    on (never your password or its secret), notification choices
memberships.json    your workspaces and your role in each, and the private projects you
                    are a member of
tasks.json          the tasks you created and those assigned to you, with their labels,
                    the tasks they depend on, and "roles" (reporter, assignee)
comments.json       your comments
time_entries.json   the time you logged: an interval or minutes on a day, with its note
                    (a timer still running has no end yet)
activity.json       what you did (created, updated, deleted), with the values changed
notifications.json  your inbox
api_tokens.json     your personal API tokens: name and dates only (never the token)
attachments.json    the files you uploaded, and where each is in this archive
attachments/        those files, in one folder per task (its id), byte for byte

Only what you can still see is here: tasks, comments, time, files and activity of projects
you may read today (not of workspaces you left or private projects you are no longer a
member of).
"""


Fetch = Callable[[AsyncSession, str, Any, int], Awaitable[Sequence[Row[Any]]]]


def _row(row: Row[Any]) -> dict[str, Any]:
    return dict(row._mapping)


def _key(row: Row[Any]) -> str:
    return f"{row.project_key}-{row.number}"


def _by_time(row: Row[Any]) -> tuple[datetime, str]:
    return row.created_at, row.id


class _Names:
    """The path of each file in the archive: `attachments/<task id>/<its name>`, made unique
    within its task (files come task by task, so only the current task's names are kept)."""

    def __init__(self) -> None:
        self._task: str | None = None
        self._used: set[str] = set()

    def path(self, task_id: str, attachment_id: str, filename: str) -> str:
        """The path of the next file of the list (its id when its name has nothing left)."""
        if task_id != self._task:
            self._task, self._used = task_id, set()
        try:
            name = sanitise_filename(filename)
        except ValueError:
            name = attachment_id
        stem, dot, extension = name.rpartition(".")
        if not dot or not stem:
            stem, extension = name, ""
        number = 1
        while name.casefold() in self._used:
            number += 1
            name = f"{stem} ({number}){'.' + extension if extension else ''}"
        self._used.add(name.casefold())
        return f"attachments/{task_id}/{name}"


class ExportWriter:
    """Writes one user's export into an archive, reading through a read-only session."""

    def __init__(
        self, session: AsyncSession, storage: Storage, user_id: str, made_at: datetime
    ) -> None:
        self.session = session
        self.storage = storage
        self.user_id = user_id
        self.made_at = made_at

    async def _pages(
        self, fetch: Fetch, position: Callable[[Row[Any]], Any]
    ) -> AsyncIterator[Sequence[Row[Any]]]:
        """Every page of one of the user's keyset lists (`fetch(session, user_id, after,
        limit)`), until a short one."""
        after = None
        while True:
            rows = await fetch(self.session, self.user_id, after, PAGE)
            if rows:
                yield rows
            if len(rows) < PAGE:
                return
            after = position(rows[-1])

    async def write(self, archive: Archive) -> None:
        """Every file of the export, README.txt first."""
        made_at = self.made_at.strftime("%Y-%m-%d %H:%M")
        async with archive.entry("README.txt") as readme:
            await readme.write(README.format(made_at=made_at).encode())
        await self._profile(archive)
        await self._memberships(archive)
        await self._tasks(archive)
        await self._list(archive, "comments.json", contents.comments, self._on_task)
        await self._list(archive, "time_entries.json", contents.time_entries, self._on_task)
        await self._list(archive, "activity.json", trail.activity, _row)
        await self._list(archive, "notifications.json", contents.notifications, _row)
        await self._list(archive, "api_tokens.json", contents.api_tokens, _row)
        await self._attachments(archive)

    async def _profile(self, archive: Archive) -> None:
        user = _row(await contents.profile(self.session, self.user_id))
        choices = await contents.preferences(self.session, self.user_id)
        user["notification_preferences"] = [_row(choice) for choice in choices]
        document = {"format_version": FORMAT_VERSION, "exported_at": self.made_at, "user": user}
        await archive.json("profile.json", document)

    async def _memberships(self, archive: Archive) -> None:
        async with archive.entry("memberships.json") as entry:
            await entry.write(b'{"workspaces": ')
            await self._array(entry, contents.memberships, lambda row: row.workspace_id)
            await entry.write(b', "private_projects": ')
            await self._array(entry, contents.project_memberships, lambda row: row.project_id)
            await entry.write(b"}\n")

    async def _array(
        self,
        entry: Entry,
        fetch: Fetch,
        position: Callable[[Row[Any]], Any],
    ) -> None:
        """Every row of a keyset list as a JSON array, written into `entry`."""
        array = JsonArray(entry)
        async for rows in self._pages(fetch, position):
            for row in rows:
                await array.add(_row(row))
        await array.close()

    async def _tasks(self, archive: Archive) -> None:
        async with archive.json_array("tasks.json") as array:
            for fetch in (contents.tasks_created, contents.tasks_assigned):
                async for rows in self._pages(fetch, lambda row: row.id):
                    await self._task_page(array, rows)

    async def _task_page(self, array: JsonArray, rows: Sequence[Row[Any]]) -> None:
        """One page of tasks, with their labels and dependencies (two statements a page)."""
        ids = [row.id for row in rows]
        labels: dict[str, list[str]] = defaultdict(list)
        for label in await contents.labels_of(self.session, ids):
            labels[label.task_id].append(label.name)
        depends_on: dict[str, list[str]] = defaultdict(list)
        for dependency in await contents.dependencies_of(self.session, ids):
            depends_on[dependency.task_id].append(dependency.depends_on_id)
        for row in rows:
            task = _row(row)
            roles = [
                role
                for role, who in (("reporter", row.reporter_id), ("assignee", row.assignee_id))
                if who == self.user_id
            ]
            task.update(
                key=_key(row),
                priority=Priority.of_rank(row.priority).value,
                labels=labels[row.id],
                depends_on=depends_on[row.id],
                roles=roles,
            )
            await array.add(task)

    @staticmethod
    def _on_task(row: Row[Any]) -> dict[str, Any]:
        """A row about a task (a comment, a time entry), its task named by key."""
        item = _row(row)
        item["task_key"] = _key(row)
        del item["project_key"], item["number"]
        return item

    async def _list(
        self,
        archive: Archive,
        name: str,
        fetch: Fetch,
        shape: Callable[[Row[Any]], dict[str, Any]],
    ) -> None:
        async with archive.json_array(name) as array:
            async for rows in self._pages(fetch, _by_time):
                for row in rows:
                    await array.add(shape(row))

    async def _attachments(self, archive: Archive) -> None:
        """The user's files under attachments/, then attachments.json listing them.

        The list is spooled to a temporary file while the files are copied (one entry of
        the archive is written at a time), then copied into attachments.json.
        """
        names = _Names()
        with tempfile.TemporaryFile() as spool:
            async for rows in self._pages(
                contents.attachments, lambda row: (row.task_id, row.created_at, row.id)
            ):
                for row in rows:
                    path = names.path(row.task_id, row.id, row.filename)
                    copied = await self._copy(archive, path, row)
                    item = {
                        "id": row.id,
                        "task_id": row.task_id,
                        "task_key": _key(row),
                        "filename": row.filename,
                        "content_type": row.content_type,
                        "size": row.size,
                        "created_at": row.created_at,
                        "path": path if copied else None,
                    }
                    spool.write(orjson.dumps(item, option=orjson.OPT_UTC_Z) + b"\n")
            spool.seek(0)
            async with archive.json_array("attachments.json") as array:
                for line in spool:
                    await array.add(orjson.loads(line))

    async def _copy(self, archive: Archive, path: str, row: Row[Any]) -> bool:
        """Copy one stored file into the archive, chunk by chunk; False when it is gone."""
        if await self.storage.stat(row.storage_key) is None:
            return False
        compress = not stored_as_is(row.content_type)
        async with archive.entry(path, size=row.size, compress=compress) as entry:
            # Deleted between the check and the read: MissingObject, and the job runs again.
            async for chunk in self.storage.read_chunks(row.storage_key):
                await entry.write(chunk)
        return True
