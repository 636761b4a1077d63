"""Trello's board export (Board menu, Print and export, JSON).

`lists` become statuses (by their names), `cards` tasks (`closed` ones, or those of an
archived list, are cancelled; `dueComplete` ones done), card `labels` labels (by name, or
colour when unnamed), `checklists` items subtasks, `actions` of type `commentCard`
comments. Trello exports members with names and usernames but no email: cards and comments
keep no person, and the report says so.
"""

from __future__ import annotations

import re
from typing import Any

from smarttask.imports.formats.common import timestamp
from smarttask.imports.ir import FormatError, ImportedComment, ImportedProject, ImportedTask

NAME = "trello-json"
_DONE = re.compile(r"\b(done|complete[d]?|finished|shipped|closed)\b", re.IGNORECASE)
_DOING = re.compile(r"\b(doing|in progress|progress|review|wip|started|testing)\b", re.IGNORECASE)


def is_trello(document: Any) -> bool:
    """Whether a JSON document is a Trello board export."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("cards"), list)
        and isinstance(document.get("lists"), list)
        and "format" not in document
    )


def status_of_list(name: str) -> str:
    """The status a list's name suggests."""
    if _DONE.search(name):
        return "done"
    if _DOING.search(name):
        return "in_progress"
    return "todo"


def _objects(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = document.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _members(document: dict[str, Any]) -> dict[str, str]:
    return {
        str(m.get("id")): str(m.get("fullName") or m.get("username") or m.get("id"))
        for m in _objects(document, "members")
    }


class _Board:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.project = ImportedProject(
            format=NAME, name=document.get("name"), description=document.get("desc") or None
        )
        self.lists = {str(item.get("id")): item for item in _objects(document, "lists")}
        self.members = _members(document)
        self.cards: dict[str, ImportedTask] = {}

    def card(self, raw: dict[str, Any]) -> None:
        card_id = str(raw.get("id") or "")
        origin = f"card {raw.get('name') or card_id}"
        if not card_id or not isinstance(raw.get("name"), str):
            self.project.refuse(origin, "a card without an id or a name")
            return
        task = ImportedTask(
            ref=card_id,
            title=raw["name"],
            description=str(raw.get("desc") or ""),
            external_id=card_id,
            origin=origin,
        )
        trello_list = self.lists.get(str(raw.get("idList")))
        if trello_list is not None:
            name = str(trello_list.get("name") or "")
            task.state_name, task.status = name, status_of_list(name)
            self.project.map(f"list {name}", f"status {task.status}")
        if raw.get("dueComplete"):
            task.status = "done"
            self.project.map("dueComplete", "status done")
        if raw.get("closed") or (trello_list is not None and trello_list.get("closed")):
            task.status = "cancelled"
            self.project.map("archived card or list", "status cancelled")
        try:
            task.due_at = timestamp(raw.get("due"))
        except ValueError:
            self.project.refuse(f"{origin} due", f"{raw.get('due')!r} is not a timestamp")
        self._labels(task, raw.get("labels"))
        for member_id in raw.get("idMembers") or []:
            who = self.members.get(str(member_id), str(member_id))
            task.assignee_name = task.assignee_name or who
            self.project.map(f"member {who}", "unassigned (Trello exports no email to match)")
        self.project.add(task)
        self.cards[card_id] = task

    def _labels(self, task: ImportedTask, labels: Any) -> None:
        for label in labels if isinstance(labels, list) else []:
            if not isinstance(label, dict):
                continue
            name = str(label.get("name") or "").strip()
            if not name and label.get("color"):
                name = str(label["color"])
                self.project.map(f"unnamed {name} label", f"label {name}")
            if name:
                task.labels.append(name)

    def checklist(self, raw: dict[str, Any]) -> None:
        parent = self.cards.get(str(raw.get("idCard")))
        if parent is None:
            self.project.refuse(f"checklist {raw.get('name')}", "its card is not imported")
            return
        self.project.map("checklist item", "subtask")
        for index, item in enumerate(_objects(raw, "checkItems")):
            name = item.get("name")
            origin = f"checklist {raw.get('name')} item {index + 1}"
            if not isinstance(name, str):
                self.project.refuse(origin, "a checklist item without a name")
                continue
            self.project.add(
                ImportedTask(
                    ref=str(item.get("id") or f"{raw.get('id')}-{index}"),
                    title=name,
                    status="done" if item.get("state") == "complete" else "todo",
                    parent_ref=parent.ref,
                    origin=origin,
                )
            )

    def comment(self, raw: dict[str, Any]) -> None:
        data = _object(raw.get("data"))
        card = _object(data.get("card"))
        task = self.cards.get(str(card.get("id")))
        if task is None:
            self.project.refuse(f"comment {raw.get('id')}", "its card is not imported")
            return
        creator = _object(raw.get("memberCreator"))
        who = creator.get("fullName") or creator.get("username")
        try:
            created = timestamp(raw.get("date"))
        except ValueError:
            created = None
        task.comments.append(
            ImportedComment(body=str(data.get("text") or ""), author_name=who, created_at=created)
        )
        if who:
            self.project.map(f"member {who}", "the importing user (Trello exports no email)")


def parse(document: dict[str, Any]) -> ImportedProject:
    """The cards, checklists and comments of a Trello board export."""
    if not is_trello(document):
        raise FormatError("The JSON file is not a Trello board export (no cards and lists).")
    board = _Board(document)
    for card in _objects(document, "cards"):
        board.card(card)
    for checklist in _objects(document, "checklists"):
        board.checklist(checklist)
    # Trello lists actions newest first: comments are added oldest first.
    for action in reversed(_objects(document, "actions")):
        if action.get("type") == "commentCard":
            board.comment(action)
    return board.project
