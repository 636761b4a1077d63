"""What the report pages share: the report and the caller's access, people's names, and the
refusals a form shows beside its fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import repository as accounts
from smarttask.kit.problems import ProblemError
from smarttask.reports import service
from smarttask.reports.models import SavedReport
from smarttask.web.signin import WebCaller
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import Role

ReportId = Annotated[str, Path(min_length=1, max_length=64)]
PEOPLE_LISTED = 100  # members named from the workspace's first page of them
# The refusals a form shows on the page itself; others are the error page (403, 404...).
SHOWN = (409, 422)
_NOT_AN_ADDRESS = "value is not a valid email address: "
# The API's words where a form field deserves plainer ones.
_PLAINER = {
    ("time", "string_pattern_mismatch"): "Enter a time as HH:MM, 24-hour, for example 09:00.",
    ("recipients", "too_short"): "Add at least one recipient.",
    ("timezone", "string_too_short"): "Enter a time zone, such as Europe/Paris or UTC.",
    ("name", "string_too_short"): "Give the report a name.",
}


@dataclass(frozen=True, slots=True)
class Opened:
    """A report the caller may see, and their access to its workspace."""

    report: SavedReport
    access: WorkspaceAccess

    @property
    def can_change(self) -> bool:
        """Whether to offer the change forms: the report's owner (a member at least) or an
        admin. A courtesy: `reports.service` refuses anyone else's change all the same."""
        role = self.access.role
        own = self.report.owner_id == self.access.user.id and role.at_least(Role.MEMBER)
        return own or role.at_least(Role.ADMIN)


async def open_report(session: AsyncSession, caller: WebCaller, report_id: str) -> Opened:
    """The report (the 404 page for another tenant's, a missing or someone's private one)."""
    report, _ = await service.load(session, caller.user, report_id)
    access = await require_role(
        session, caller.user, report.workspace_id, Role.VIEWER, missing=service.MISSING
    )
    return Opened(report, access)


async def people(session: AsyncSession, access: WorkspaceAccess) -> dict[str, str]:
    """Names of the workspace's first members by user id."""
    listed = await workspaces.list_members(session, access, None, PEOPLE_LISTED)
    return {member.user_id: member.name for member in listed.items}


async def owner_names(
    session: AsyncSession, known: Mapping[str, str], owner_ids: Iterable[str]
) -> dict[str, str]:
    """The names of reports' owners: members by the first page of them, anyone else (a
    later member, or one who left) by their account."""
    names = dict(known)
    for user_id in set(owner_ids) - names.keys():
        user = await accounts.get_user(session, user_id)
        names[user_id] = user.name if user is not None else "A deleted account"
    return names


def shown(problem: ProblemError) -> bool:
    """Whether the refusal belongs beside its form (else: the error page)."""
    return problem.status in SHOWN


def field_errors(problem: ProblemError, values: Mapping[str, Any] | None = None) -> dict[str, str]:
    """A refusal's message for each field of the form (the first one per field). A schedule's
    fields are named without their `schedule` prefix; a refused recipient is named."""
    found: dict[str, str] = {}
    for error in problem.errors or ():
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "schedule")]
        name = loc[0] if loc else "__all__"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        message = _PLAINER.get((name, str(error.get("type"))), message)
        if name == "recipients" and len(loc) > 1 and loc[1].isdigit() and values:
            listed = values.get("recipients_list") or []
            index = int(loc[1])
            if index < len(listed):
                address = listed[index]
                if message.startswith(_NOT_AN_ADDRESS):
                    reason = message.removeprefix(_NOT_AN_ADDRESS)
                    message = f"{address} is not a valid email address: {reason}"
                else:
                    message = f"{address}: {message}"
        found.setdefault(name, message)
    return found


def time_of_day(text: str) -> str:
    """A typed time with its hour padded ("9:30" is "09:30"); the schema checks the rest."""
    text = text.strip()
    return f"0{text}" if len(text) == 4 and text[1] == ":" and text[0].isdigit() else text


def recipients(text: str) -> list[str]:
    """Addresses typed one per line or separated by commas (or semicolons)."""
    return [
        part.strip()
        for part in text.replace(";", ",").replace("\n", ",").split(",")
        if part.strip()
    ]
