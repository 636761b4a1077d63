"""The import's parsers and ordering, without a database (tests/integration/test_imports.py
imports the same files end to end)."""

from __future__ import annotations

import json

import pytest

from smarttask.imports.applier import Report, _ordered
from smarttask.imports.formats import todoist, trello
from smarttask.imports.formats.detect import detect, parse
from smarttask.imports.ir import FormatError, ImportedProject, ImportedTask
from tests.support.imports import FIXTURES


def test_the_fixtures_are_detected_by_their_content() -> None:
    assert detect((FIXTURES / "todoist_full_test_project.csv").read_bytes()) == "todoist-csv"
    for name in (
        "trello_one_column_two_cards.json",
        "trello_board_with_checklists_and_comments.json",
    ):
        assert detect((FIXTURES / name).read_bytes()) == "trello-json"
    for bad in (b"a,b\n1,2\n", b"[1, 2]", b'{"format": "smarttask/2", "tasks": []}', b"\xff"):
        with pytest.raises(FormatError):
            detect(bad)


def test_todoist_priorities_indents_and_notes() -> None:
    text = (
        "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,"
        "DURATION,DURATION_UNIT\n"
        "section,Home,,,,,,,,,,\n"
        "task,Buy milk @errands,Two cartons,1,1,Alice (100),Bob (200),2026-08-13 18:30,en,"
        "Europe/Berlin,30,minute\n"
        "note,Organic if any,,,,Alice (100),,,,,,\n"
        "task,Check the fridge,,4,2,Alice (100),,2026-08-14,en,,1,day\n"
        "task,Too deep,,3,4,Alice (100),,,en,,,\n"
        "task,Odd priority,,7,1,,,,,,,\n"
    )
    parsed = todoist.parse(text)
    milk, fridge, odd = parsed.tasks
    assert (milk.title, milk.priority, milk.labels) == ("Buy milk", "urgent", ["errands", "Home"])
    assert milk.due_at is not None
    assert milk.due_at.isoformat() == "2026-08-13T16:30:00+00:00"
    assert (milk.estimate_minutes, fridge.estimate_minutes) == (30, 1440)
    assert [c.body for c in milk.comments] == ["Organic if any"]
    assert (fridge.parent_ref, fridge.priority) == (milk.ref, "none")
    assert odd.priority == "none"
    reasons = {r.item: r.reason for r in parsed.refused}
    assert reasons["row 6"] == "INDENT 4 has no task at INDENT 3 above"
    assert reasons["row 7"] == "PRIORITY '7' is not 1-4: imported without"
    assert ("RESPONSIBLE Bob (200)", "unassigned (Todoist exports no email to match)") in {
        (m.source, m.target) for m in parsed.mapped
    }


def test_trello_list_names_become_statuses() -> None:
    assert trello.status_of_list("Done") == "done"
    assert trello.status_of_list("In Progress") == "in_progress"
    assert trello.status_of_list("Code review") == "in_progress"
    assert trello.status_of_list("Backlog") == "todo"
    board = json.loads((FIXTURES / "trello_one_column_two_cards.json").read_text())
    parsed = parse(json.dumps(board).encode())
    assert [t.title for t in parsed.tasks] == ["Card One", "Card Two"]
    assert parsed.tasks[0].labels == ["temp-label-1", "temp-label-2"]


def _tasks(*pairs: tuple[str, str | None]) -> ImportedProject:
    project = ImportedProject(format="test")
    for ref, parent in pairs:
        project.tasks.append(ImportedTask(ref=ref, title=ref, parent_ref=parent, origin=ref))
    return project


def test_parents_come_first_and_cycles_and_orphans_are_refused() -> None:
    report = Report()
    ordered = _ordered(
        _tasks(
            ("c", "b"), ("b", "a"), ("a", None), ("x", "y"), ("y", "x"), ("o", "gone"), ("k", "o")
        ),
        report,
    )
    assert [t.ref for t in ordered] == ["a", "b", "c"]
    assert {(r.item, r.reason) for r in report.refused} == {
        ("x", "its parents form a cycle"),
        ("y", "its parents form a cycle"),
        ("o", "its parent 'gone' is not in the file"),
        ("k", "its parent is not imported"),
    }


def test_a_very_deep_chain_is_ordered_without_recursion() -> None:
    depth = 20_000
    pairs = [(f"t{i}", f"t{i - 1}" if i else None) for i in reversed(range(depth))]
    ordered = _ordered(_tasks(*pairs), Report())
    assert [t.ref for t in ordered] == [f"t{i}" for i in range(depth)]
