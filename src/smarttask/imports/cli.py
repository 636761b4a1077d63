"""`smarttask export --workspace ID` and `smarttask import FILE`: a whole workspace as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from smarttask.runtime import Runtime


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add `export` and `import` to the top-level parser."""
    export = commands.add_parser("export", help="write a whole workspace as JSON")
    export.add_argument("--workspace", required=True, help="the workspace's id")
    export.add_argument("--output", help="the file to write (default: standard output)")
    export.set_defaults(run=_export)
    load = commands.add_parser("import", help="load a workspace's JSON into a workspace")
    load.add_argument("file", help="a file written by `smarttask export`")
    where = load.add_mutually_exclusive_group(required=True)
    where.add_argument("--workspace", help="an empty workspace to load it into")
    where.add_argument("--owner", help="the email of the owner of a new workspace")
    load.set_defaults(run=_import)


def _export(args: argparse.Namespace, runtime: Runtime) -> int:
    from smarttask.imports import workspace
    from smarttask.workspaces.models import Workspace

    runtime.prepare()

    async def write(out: BinaryIO) -> bool:
        async with runtime.database.session(writes=False) as session:
            found = await session.get(Workspace, args.workspace)
            if found is None:
                return False
            async for chunk in workspace.chunks(session, found):
                out.write(chunk)
            return True

    if args.output:
        with open(args.output, "wb") as out:
            written = runtime.run(lambda: write(out))
    else:
        written = runtime.run(lambda: write(sys.stdout.buffer))
    if not written:
        print(f"smarttask: there is no workspace {args.workspace}", file=sys.stderr)
        return 1
    return 0


def _import(args: argparse.Namespace, runtime: Runtime) -> int:
    from smarttask.accounts.service import normalize_email
    from smarttask.imports import repository, workspace
    from smarttask.imports.ir import FormatError
    from smarttask.kit.problems import ProblemError

    try:
        document = json.loads(Path(args.file).read_bytes())
    except (OSError, ValueError) as error:
        print(f"smarttask: cannot read {args.file}: {error}", file=sys.stderr)
        return 1
    runtime.prepare()

    async def load() -> workspace.Loaded:
        async with runtime.database.session() as session:
            owner = None
            if args.owner:
                owner = await repository.user_by_email(session, normalize_email(args.owner))
                if owner is None:
                    raise FormatError(f"There is no user {args.owner}.")
            loaded = await workspace.load(
                session,
                document,
                workspace_id=args.workspace,
                owner=owner,
                max_workspaces=runtime.settings.max_workspaces_per_user,
            )
            await session.commit()
            return loaded

    try:
        loaded = runtime.run(load)
    except (FormatError, ProblemError, ValueError) as error:
        print(f"smarttask: nothing imported: {getattr(error, 'detail', error)}", file=sys.stderr)
        return 1
    tasks = sum(report.created.tasks for report in loaded.reports)
    refused = sum(len(report.refused) for report in loaded.reports)
    print(loaded.workspace_id)
    print(
        f"imported {loaded.projects} project(s), {tasks} task(s); {refused} refused",
        file=sys.stderr,
    )
    for report in loaded.reports:
        for refusal in report.refused:
            print(f"refused {refusal.item}: {refusal.reason}", file=sys.stderr)
    return 0
