"""The one wiring point: every domain listed once, with everything it plugs in.

A domain plugs in up to four things, each named by module so that nothing is imported
before it is needed (a Lambda cold start imports only what its first request touches):

- `routers`: its API routers under `/api/v1`, with the leading path segments their routes
  start with (`*` for a path parameter; see `speed/lazy_routes.py`), in routing order;
- `models`: the module that defines its tables (the migrations' metadata, `db/registry.py`);
- `jobs`: the module that declares its job handlers and periodic jobs (`jobs/registry.py`);
- `cli`: the module whose `add_commands(commands)` adds its `smarttask` sub-commands;
- `pages`: routers of the web app's pages (outside the API prefix), each with the leading
  path segments of its pages, as routers are given;
- `reacts`: the module whose `react(session, events)` runs before every commit that
  published events (`events/outbox.py`): notifications and webhook deliveries are written in
  the transaction of the change that caused them.

The app (`app.py`), the metadata registry, the job registry (`runtime.py`) and the command
line (`entrypoints/cli.py`) read this table; adding a domain is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from smarttask.speed.lazy_routes import LazyRouter


@dataclass(frozen=True, slots=True)
class Domain:
    """What one domain plugs into the application (modules by their full names)."""

    package: str
    # API routers, then page routers (prefix ""), in routing order.
    routers: tuple[LazyRouter, ...] = ()
    models: str | None = None
    jobs: str | None = None
    cli: str | None = None
    reactions: str | None = None


def _module(package: str, part: str | bool, default: str) -> str | None:
    if part is False:
        return None
    return f"smarttask.{package}.{default if part is True else part}"


def domain(
    package: str,
    *routers: tuple[str, ...],
    models: bool = True,
    jobs: str | bool = False,
    cli: str | bool = False,
    pages: tuple[tuple[str, ...], ...] = (),
    reacts: str | bool = False,
) -> Domain:
    """A domain of `smarttask.<package>`; each router is (module, *leading path segments).

    By convention its tables are in `models`, its job handlers in `jobs` and its commands in
    `cli`; a string names another module of the package.
    """
    return Domain(
        package,
        (
            *(LazyRouter(f"smarttask.{package}.{r[0]}", tuple(r[1:])) for r in routers),
            *(LazyRouter(f"smarttask.{package}.{p[0]}", tuple(p[1:]), prefix="") for p in pages),
        ),
        _module(package, models, "models"),
        _module(package, jobs, "jobs"),
        _module(package, cli, "cli"),
        _module(package, reacts, "reactions"),
    )


# One entry per domain; API routes are matched in this order.
DOMAINS: tuple[Domain, ...] = (
    domain("jobs", jobs="builtin", cli=True),
    domain("kit.idempotency"),
    domain("events", jobs=True),
    domain("mailing", models=False, jobs=True),
    domain("securitylog", jobs=True),
    domain(
        "accounts",
        ("routes", "auth"),
        ("recovery_routes", "auth/password-reset", "auth/verify-email", "auth/verification"),
        ("users_routes", "users"),
        ("security_log_routes", "audit-log"),
        jobs=True,
    ),
    domain(
        "workspaces",
        ("routes", "workspaces"),
        ("invitation_routes", "workspaces/*/invitations", "invitations"),
        jobs=True,
    ),
    domain("history", jobs=True, cli=True),
    domain("sso", jobs=True),
    domain(
        "projects",
        ("routes", "workspaces/*/projects", "projects"),
        ("member_routes", "projects/*/members"),
    ),
    domain("workflow", ("routes", "projects/*/states", "states")),
    domain(
        "tasks",
        ("move_routes", "tasks/*/move"),
        ("recurring_routes", "tasks/*/recurrence"),
        ("collection_routes", "projects/*/tasks", "workspaces/*/tasks", "users/me/tasks"),
        ("routes", "tasks"),
        ("state_routes", "states"),
        jobs=True,
    ),
    domain("tasks.bulk", ("routes", "tasks/bulk", "tasks/bulk-delete"), models=False),
    domain("tasks.trash", ("routes", "workspaces/*/trash", "tasks/*/restore", "trash"), jobs=True),
    domain("risk"),
    domain("fields", ("routes", "workspaces/*/fields", "fields")),
    domain("views", ("routes", "workspaces/*/views", "views")),
    domain(
        "analysis",
        ("routes", "tasks/*/analysis"),
        ("summary_routes", "analytics/summary"),
        jobs=True,
        cli=True,
    ),
    domain("analysis.risk", models=False, jobs=True),
    domain("comments", ("routes", "tasks/*/comments", "comments")),
    domain(
        "timetracking",
        ("routes", "tasks/*/time-entries", "tasks/*/timer", "time-entries", "users/me/timer"),
    ),
    domain("activity"),
    domain("analytics", ("routes", "analytics"), models=False),
    domain("reports", ("routes", "workspaces/*/reports", "reports"), jobs=True),
    domain(
        "notifications",
        ("routes", "notifications", "users/me/notification-preferences", "tasks/*/watch"),
        jobs=True,
        reacts=True,
    ),
    domain("live", ("routes", "workspaces/*/events", "users/me/events"), models=False),
    domain("webhooks", ("routes", "workspaces/*/webhooks", "webhooks"), jobs=True, reacts=True),
    domain("calendar", ("routes", "users/me/calendar-feed"), pages=(("feed_routes", "calendar"),)),
    domain("exports", ("routes", "users/me/export"), jobs=True),
    domain(
        "imports",
        ("routes", "projects/*/export", "projects/*/import", "projects/*/imports", "imports"),
        jobs=True,
        cli=True,
    ),
    domain("counters", ("routes", "counters")),
    domain("attachments", ("routes", "tasks/*/attachments", "attachments", "storage"), jobs=True),
    domain(
        "web",
        models=False,
        pages=(
            ("pages.static", "static"),
            ("pages.auth", "", "login", "register", "logout"),
            (
                "pages.account_links",
                "forgot-password",
                "reset-password",
                "verify-email",
                "invitations",
            ),
            ("pages.notifications", "notifications", "profile/notifications"),
            ("pages.live", "live", "workspaces/*/live"),
            ("pages.webhooks", "workspaces/*/webhooks", "webhooks"),
            ("pages.fields", "workspaces/*/fields", "fields", "tasks/*/fields"),
            ("pages.calendar", "profile/calendar"),
            ("pages.sso", "auth/oidc", "profile/sign-in-methods"),
            ("pages.export", "profile/export"),
            ("pages.home", "my-tasks"),
            (
                "pages.analytics",
                "workspaces/*/dashboard",
                "workspaces/*/reports/new",
                "workspaces/*/reports/preview",
            ),
            ("pages.reports", "workspaces/*/reports", "reports"),
            ("pages.trash", "workspaces/*/trash", "trash"),
            ("pages.views", "workspaces/*/views", "views"),
            ("pages.workspaces", "workspaces"),
            ("pages.imports", "projects/*/import", "projects/*/export"),
            ("pages.projects", "projects", "tasks/*/move"),
            ("pages.planning", "tasks/*/time", "tasks/*/repeat"),
            ("pages.tasks", "tasks"),
            ("pages.profile", "profile"),
            ("pages.security_log", "admin"),
        ),
    ),
)


def app_routers() -> tuple[LazyRouter, ...]:
    """Every router, those under the API prefix and the web app's pages, in routing order."""
    return tuple(router for domain in DOMAINS for router in domain.routers)


def model_modules() -> tuple[str, ...]:
    """The modules whose import defines every table."""
    return tuple(domain.models for domain in DOMAINS if domain.models)


def job_modules() -> tuple[str, ...]:
    """The modules that declare job handlers."""
    return tuple(domain.jobs for domain in DOMAINS if domain.jobs)


def reaction_modules() -> tuple[str, ...]:
    """The modules whose `react` runs before a commit that published events."""
    return tuple(domain.reactions for domain in DOMAINS if domain.reactions)


def cli_modules() -> tuple[str, ...]:
    """The modules that add `smarttask` sub-commands."""
    return tuple(domain.cli for domain in DOMAINS if domain.cli)
