"""Memory of a data export: the streaming export against the simplest code making the same ZIP.

For each size (default: 1,000 tasks with 10 MiB of attachments, and 10,000 tasks with 100
MiB) a fresh database is migrated and seeded straight through SQLAlchemy: one user who
created half the tasks and is assigned the other half, with labels, dependencies, a comment
on every other task, an activity entry per task, a notification per ten tasks, and 1 MiB
files of random bytes (they do not compress) uploaded by the user, in the local store.

Each export then runs in a process of its own, so that its peaks are its own:

- `streaming`: what the `exports.build` job runs (exports/building.py `write_file`): keyset
  pages, JSON written item by item, files copied chunk by chunk into a ZIP on disk;
- `reference`: the simplest code producing the same ZIP: every list read in one query,
  each JSON file made in memory, each file read whole, the ZIP built in a BytesIO.

Measured in two runs per export: the peak resident set size above the process's resident
set just before the export (Linux VmHWM, reset through /proc/self/clear_refs) and the
time, then, with tracemalloc on, the peak of Python's allocations. Both ZIPs are checked to
hold the same files with the same bytes.

    .venv/bin/python bench/export_memory.py [--sizes 1000:10,10000:100] [--postgres DSN]

With --postgres the database is a fresh PostgreSQL database on that server (dropped
afterwards); by default a SQLite file in a temporary folder. It prints figures; it never
passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

MIB = 1024 * 1024
SECRET_KEY = "bench-export-signing-key-0123456789-abcdefghij"
BATCH = 1000


def _settings(database_url: str, storage: str) -> Any:
    from smarttask.settings import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        secret_key=SECRET_KEY,
        storage_path=storage,
        log_level="WARNING",
    )


async def seed(database_url: str, storage: Path, tasks: int, mib: int) -> str:
    """A user with `tasks` tasks and `mib` files of 1 MiB; the user's id."""
    from sqlalchemy import insert

    from smarttask.accounts.models import User
    from smarttask.activity.models import Activity
    from smarttask.attachments.models import Attachment
    from smarttask.comments.models import Comment
    from smarttask.db.engine import Database
    from smarttask.notifications.models import Notification
    from smarttask.projects.models import Project
    from smarttask.tasks.models import Label, Task, TaskDependency, TaskLabel
    from smarttask.tasks.ranks import spread
    from smarttask.workflow.service import create_defaults
    from smarttask.workspaces.models import Membership, Workspace

    database = Database(_settings(database_url, str(storage)).database)
    now = datetime.now(UTC)
    user_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
    workspace_id, project_id, label_id = (str(uuid.uuid4()) for _ in range(3))
    people = [
        {"id": who, "email": f"{who}@example.com", "name": name, "password_hash": "x"}
        for who, name in ((user_id, "Export Bench"), (other_id, "Co Worker"))
    ]
    async with database.session() as session:
        await session.execute(
            insert(User), [p | {"created_at": now, "updated_at": now} for p in people]
        )
        await session.execute(
            insert(Workspace).values(
                id=workspace_id, name="Bench", created_by=user_id, created_at=now, updated_at=now
            )
        )
        await session.execute(
            insert(Membership),
            [
                {"workspace_id": workspace_id, "user_id": who, "role": role, "created_at": now}
                | {"updated_at": now}
                for who, role in ((user_id, "owner"), (other_id, "member"))
            ],
        )
        await session.execute(
            insert(Project).values(
                id=project_id,
                workspace_id=workspace_id,
                key="BEN",
                name="Bench",
                task_counter=tasks,
                created_at=now,
                updated_at=now,
            )
        )
        states = await create_defaults(session, workspace_id, project_id, now)
        state_of = {state.category: state.id for state in states}
        ranks = spread(tasks)
        await session.execute(
            insert(Label).values(
                id=label_id,
                workspace_id=workspace_id,
                name="bench",
                name_key="bench",
                created_at=now,
            )
        )
        ids = [str(uuid.uuid4()) for _ in range(tasks)]
        for start in range(0, tasks, BATCH):
            rows, labels, deps, comments, trail, inbox = [], [], [], [], [], []
            for n in range(start, min(start + BATCH, tasks)):
                mine = n % 2 == 0
                created = now - timedelta(minutes=tasks - n)
                rows.append(
                    {
                        "id": ids[n],
                        "workspace_id": workspace_id,
                        "project_id": project_id,
                        "number": n + 1,
                        "title": f"Benchmark task {n + 1}: make the export stream",
                        "description": "A description of some length. " * 8,
                        "status": ("todo", "in_progress", "done", "cancelled")[n % 4],
                        "priority": n % 5,
                        "assignee_id": other_id if mine else user_id,
                        "reporter_id": user_id if mine else other_id,
                        "due_at": created + timedelta(days=14) if n % 2 else None,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                rows[-1]["state_id"] = state_of[rows[-1]["status"]]
                rows[-1]["rank"] = ranks[n]
                if n % 5 == 0:
                    labels.append({"task_id": ids[n], "label_id": label_id})
                if n % 10 == 0 and n:
                    deps.append({"task_id": ids[n], "depends_on_id": ids[n - 1]})
                    deps[-1]["created_at"] = created
                if n % 2 == 0:
                    comments.append(
                        {
                            "id": str(uuid.uuid4()),
                            "task_id": ids[n],
                            "workspace_id": workspace_id,
                            "author_id": user_id,
                            "body": "A comment of the user's own. " * 4,
                            "created_at": created,
                            "updated_at": created,
                        }
                    )
                trail.append(
                    {
                        "id": str(uuid.uuid4()),
                        "workspace_id": workspace_id,
                        "actor_id": user_id,
                        "action": "created",
                        "entity_type": "task",
                        "entity_id": ids[n],
                        "changes": {"title": {"old": None, "new": rows[-1]["title"]}},
                        "created_at": created,
                    }
                )
                if n % 10 == 5:
                    inbox.append(
                        {
                            "id": str(uuid.uuid4()),
                            "user_id": user_id,
                            "workspace_id": workspace_id,
                            "task_id": ids[n],
                            "actor_id": other_id,
                            "type": "task_assigned",
                            "summary": f"Co Worker assigned you BEN-{n + 1}",
                            "in_app": True,
                            "digest_pending": False,
                            "created_at": created,
                        }
                    )
            await session.execute(insert(Task), rows)
            for table, values in (
                (TaskLabel, labels),
                (TaskDependency, deps),
                (Comment, comments),
                (Activity, trail),
                (Notification, inbox),
            ):
                if values:
                    await session.execute(insert(table), values)
        files = []
        for n in range(mib):
            attachment_id = str(uuid.uuid4())
            key = f"{workspace_id}/{attachment_id}"
            path = storage / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(MIB))
            files.append(
                {
                    "id": attachment_id,
                    "workspace_id": workspace_id,
                    "task_id": ids[(n * 7) % tasks],
                    "uploader_id": user_id,
                    "filename": f"file-{n}.bin",
                    "content_type": "application/octet-stream",
                    "size": MIB,
                    "status": "ready",
                    "storage_key": key,
                    "upload_expires_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "completed_at": now,
                }
            )
        if files:
            await session.execute(insert(Attachment), files)
        await session.commit()
    if not database.settings.is_sqlite:  # statistics, as a database in use has them
        from sqlalchemy import text

        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    await database.dispose()
    return user_id


async def reference(database: Any, storage: Any, user_id: str, path: str, now: datetime) -> None:
    """The simplest code making the same ZIP: whole lists in memory, the ZIP in a BytesIO."""
    import orjson

    from smarttask.exports import contents, trail
    from smarttask.exports.builder import FORMAT_VERSION, README, _Names
    from smarttask.tasks.schemas import Priority

    options = orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z
    everything = 10**9

    def array(items: list[dict[str, Any]]) -> bytes:
        if not items:
            return b"[]\n"
        return b"[\n" + b",\n".join(orjson.dumps(i, option=options) for i in items) + b"\n]\n"

    def plain(rows: Any) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in rows]

    async with database.session(writes=False) as s:
        user = dict((await contents.profile(s, user_id))._mapping)
        user["notification_preferences"] = plain(await contents.preferences(s, user_id))
        spaces = plain(await contents.memberships(s, user_id, None, everything))
        private = plain(await contents.project_memberships(s, user_id, None, everything))
        tasks = [
            *await contents.tasks_created(s, user_id, None, everything),
            *await contents.tasks_assigned(s, user_id, None, everything),
        ]
        ids = [t.id for t in tasks]
        labels: dict[str, list[str]] = defaultdict(list)
        depends: dict[str, list[str]] = defaultdict(list)
        for start in range(0, len(ids), 5000):  # bound parameters per statement
            for row in await contents.labels_of(s, ids[start : start + 5000]):
                labels[row.task_id].append(row.name)
            for row in await contents.dependencies_of(s, ids[start : start + 5000]):
                depends[row.task_id].append(row.depends_on_id)
        comments = await contents.comments(s, user_id, None, everything)
        logged = await contents.time_entries(s, user_id, None, everything)
        activity = plain(await trail.activity(s, user_id, None, everything))
        inbox = plain(await contents.notifications(s, user_id, None, everything))
        tokens = plain(await contents.api_tokens(s, user_id, None, everything))
        files = await contents.attachments(s, user_id, None, everything)
    shaped_tasks = []
    for t in tasks:
        item = dict(t._mapping)
        item.update(
            key=f"{t.project_key}-{t.number}",
            priority=Priority.of_rank(t.priority).value,
            labels=labels[t.id],
            depends_on=depends[t.id],
            roles=[
                role
                for role, who in (("reporter", t.reporter_id), ("assignee", t.assignee_id))
                if who == user_id
            ],
        )
        shaped_tasks.append(item)

    def on_task(rows: Any) -> list[dict[str, Any]]:
        shaped = []
        for row in rows:
            item = dict(row._mapping)
            item["task_key"] = f"{item.pop('project_key')}-{item.pop('number')}"
            shaped.append(item)
        return shaped

    buffer = io.BytesIO()
    stamp = time.gmtime()[:6]

    def put(archive: zipfile.ZipFile, name: str, data: bytes, compress: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        archive.writestr(info, data)

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        put(archive, "README.txt", README.format(made_at=now.strftime("%Y-%m-%d %H:%M")).encode())
        document = {"format_version": FORMAT_VERSION, "exported_at": now, "user": user}
        put(archive, "profile.json", orjson.dumps(document, option=options) + b"\n")
        put(
            archive,
            "memberships.json",
            b'{"workspaces": '
            + array(spaces)
            + b', "private_projects": '
            + array(private)
            + b"}\n",
        )
        put(archive, "tasks.json", array(shaped_tasks))
        put(archive, "comments.json", array(on_task(comments)))
        put(archive, "time_entries.json", array(on_task(logged)))
        put(archive, "activity.json", array(activity))
        put(archive, "notifications.json", array(inbox))
        put(archive, "api_tokens.json", array(tokens))
        names, listed = _Names(), []
        for f in files:
            name = names.path(f.task_id, f.id, f.filename)
            put(archive, name, storage.path(f.storage_key).read_bytes())
            listed.append(
                {
                    "id": f.id,
                    "task_id": f.task_id,
                    "task_key": f"{f.project_key}-{f.number}",
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "size": f.size,
                    "created_at": f.created_at,
                    "path": name,
                }
            )
        put(archive, "attachments.json", array(orjson.loads(orjson.dumps(listed, option=options))))
    Path(path).write_bytes(buffer.getvalue())


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


async def child(args: argparse.Namespace) -> dict[str, Any]:
    """One export in this process; its figures."""
    from smarttask.adapters.storage.local import LocalStorage
    from smarttask.db.engine import Database
    from smarttask.exports.building import write_file

    settings = _settings(args.database, args.storage)
    database = Database(settings.database)
    storage = LocalStorage(args.storage, SECRET_KEY, "http://127.0.0.1:8000")
    async with database.session(writes=False) as session:  # the pool's connection, warmed up
        from sqlalchemy import text

        await session.execute(text("SELECT 1"))
    now = datetime.now(UTC)
    if args.trace:
        tracemalloc.start()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here on
    before = _kib("VmRSS")
    started = time.perf_counter()
    if args.mode == "streaming":
        await write_file(database, storage, args.user, args.out, now)
    else:
        await reference(database, storage, args.user, args.out, now)
    seconds = time.perf_counter() - started
    figures: dict[str, Any] = {"seconds": seconds, "zip_bytes": os.path.getsize(args.out)}
    if args.trace:
        figures["traced_peak_bytes"] = tracemalloc.get_traced_memory()[1]
    else:
        figures["rss_before_kib"] = before
        figures["rss_peak_above_kib"] = _kib("VmHWM") - before
    await database.dispose()
    return figures


def run_child(database_url: str, storage: Path, user: str, mode: str, out: str, trace: bool) -> Any:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--database",
        database_url,
        "--storage",
        str(storage),
        "--user",
        user,
        "--mode",
        mode,
        "--out",
        out,
    ] + (["--trace"] if trace else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_contents(first: str, second: str) -> bool:
    """Whether two ZIPs hold the same files with the same bytes (profile's time aside)."""
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        if sorted(a.namelist()) != sorted(b.namelist()):
            return False
        return all(
            a.read(name) == b.read(name)
            for name in a.namelist()
            if name not in ("profile.json", "README.txt")
        )


async def prepare(url: str | None, folder: Path, tasks: int, mib: int) -> tuple[str, str | None]:
    """A migrated, empty database: its URL and, on PostgreSQL, its name (to drop)."""
    from smarttask.db.migrate import upgrade_async

    if url is None:
        database_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        name = None
    else:
        import asyncpg

        name = f"smarttask_bench_export_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(url.rstrip("/") + "/postgres")
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        database_url = url.replace("postgresql://", "postgresql+asyncpg://", 1).rstrip("/")
        database_url += f"/{name}"
    await upgrade_async(database_url)
    return database_url, name


async def drop(url: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(url.rstrip("/") + "/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def main(args: argparse.Namespace) -> None:
    sizes = [tuple(int(part) for part in size.split(":")) for size in args.sizes.split(",")]
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"data export memory, {backend}, Python {sys.version.split()[0]}")
    header = "| tasks | files | code | time | peak RSS above start | tracemalloc peak | ZIP |"
    print(header)
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for tasks, mib in sizes:
        with tempfile.TemporaryDirectory(prefix="smarttask-bench-export-") as temp:
            folder = Path(temp)
            storage = folder / "objects"
            database_url, name = await prepare(args.postgres, folder, tasks, mib)
            try:
                user = await seed(database_url, storage, tasks, mib)
                outputs = {}
                for mode in ("streaming", "reference"):
                    out = str(folder / f"{mode}.zip")
                    plain = run_child(database_url, storage, user, mode, out, trace=False)
                    traced = run_child(database_url, storage, user, mode, out, trace=True)
                    outputs[mode] = out
                    print(
                        f"| {tasks:,} | {mib} MiB | {mode} | {plain['seconds']:.2f} s "
                        f"| {plain['rss_peak_above_kib'] / 1024:.1f} MiB "
                        f"| {traced['traced_peak_bytes'] / MIB:.1f} MiB "
                        f"| {plain['zip_bytes'] / MIB:.1f} MiB |",
                        flush=True,
                    )
                same = same_contents(outputs["streaming"], outputs["reference"])
                print(f"|  |  | same files, same bytes: {'yes' if same else 'NO'} |  |  |  |  |")
            finally:
                if name is not None and args.postgres:
                    await drop(args.postgres, name)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000:10,10000:100", help="tasks:MiB,...")
    parser.add_argument("--postgres", help="postgresql://user@host:port of a server to use")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--storage", help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("streaming", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.child:
        print(json.dumps(asyncio.run(child(arguments))))
    else:
        asyncio.run(main(arguments))
