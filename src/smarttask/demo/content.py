"""What the demo workspace is made of: its people, projects, labels, task titles and views."""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "demo-harbour-lantern-2026"  # noqa: S105 - printed to the user on purpose
PEOPLE = [
    ("ada@demo.smarttask.dev", "Ada Lovelace", "owner"),
    ("grace@demo.smarttask.dev", "Grace Hopper", "admin"),
    ("linus@demo.smarttask.dev", "Linus Torvalds", "member"),
    ("margaret@demo.smarttask.dev", "Margaret Hamilton", "member"),
    ("ken@demo.smarttask.dev", "Ken Thompson", "viewer"),
]
PROJECTS = [("WEB", "Website"), ("MOB", "Mobile app"), ("OPS", "Operations")]
LABELS = ["bug", "feature", "ux", "backend", "frontend", "security", "performance", "docs"]
VERBS = [
    "Fix",
    "Add",
    "Refactor",
    "Document",
    "Investigate",
    "Design",
    "Migrate",
    "Speed up",
    "Test",
    "Review",
]
THINGS = [
    "login flow",
    "checkout page",
    "search results",
    "push notifications",
    "billing export",
    "onboarding emails",
    "dark mode",
    "password reset",
    "CSV import",
    "audit log",
    "API rate limits",
    "release pipeline",
    "error pages",
    "settings screen",
    "backups",
]

# Views of the demo workspace, Ada's: (name, layout, shared, filters, sort).
VIEWS: list[tuple[str, str, bool, dict[str, Any], str | None]] = [
    ("My open work", "board", True, {"assignee_id": "me", "status": ["todo", "in_progress"]}, None),
    ("Due dates", "calendar", True, {"status": ["todo", "in_progress"]}, "due_at"),
    (
        "Urgent and high",
        "list",
        False,
        {"priority": ["urgent", "high"], "status": ["todo", "in_progress"]},
        "due_at",
    ),
]

__all__ = ["DEMO_PASSWORD", "LABELS", "PEOPLE", "PROJECTS", "THINGS", "VERBS", "VIEWS"]
