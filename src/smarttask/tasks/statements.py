"""The statements of task reads, built once per shape, shared by the session and fast read paths.

Values are bound by name (`scope_id`, `status_0`, ..., `limit`), never inlined, so that a
statement of a given shape is built and compiled once and then only rebound: the fast
path (tasks/reads.py) runs them as prepared statements on the driver connection, the
session path (tasks/repository.py) through the ORM. Full-text search builds its
statement per call (its SQL depends on the database).

The fast path answers a request in one statement: the caller's role, the task (or the
page) and each task's labels and dependencies, aggregated in SQL by `OrderedList`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    table,
    true,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType

from smarttask.fields import sql as field_sql
from smarttask.projects.models import Project
from smarttask.tasks.bodies import BODY_COLUMNS
from smarttask.tasks.models import Label, Task, TaskDependency, TaskLabel
from smarttask.tasks.query import TaskQuery
from smarttask.workflow.models import WorkflowState
from smarttask.workspaces.access import project_role_sql, visible_project_sql, visible_to_sql
from smarttask.workspaces.models import Membership

AnySelect = Select[*tuple[Any, ...]]
SORT_COLUMNS: dict[str, Any] = {
    "created_at": Task.created_at,
    "updated_at": Task.updated_at,
    "due_at": Task.due_at,
    "priority": Task.priority,
    "rank": Task.rank,
}


def state_name(state_id: Any) -> Any:
    """The name of a task's workflow state, as the column `state_name`."""
    return (
        select(WorkflowState.name)
        .where(WorkflowState.id == state_id)
        .scalar_subquery()
        .label("state_name")
    )


# What a task body is made of (tasks/bodies.py), plus its project's key.
TASK_COLUMNS = (
    *(getattr(Task, name) for name in BODY_COLUMNS),
    Project.key.label("project_key"),
)
_FTS = table("task_fts")
# Keyed shapes: at most 4 statuses, 5 priorities, 3 risks, 100 ids; a bounded cache anyway.
_SHAPES = 512


def _typed(name: str, column: Any) -> Any:
    """A parameter of the column's type (a foreign key's own type is resolved late: text)."""
    kind = column.type
    return bindparam(name, type_=String() if kind._isnull else kind)


def _in(column: Any, name: str, count: int) -> ColumnElement[bool]:
    """`column IN (:name_0, ..., :name_{count-1})`."""
    return column.in_([_typed(f"{name}_{i}", column) for i in range(count)])  # type: ignore[no-any-return]


def relevance(dialect: str, q: str) -> tuple[ColumnElement[Any], ColumnElement[bool], bool]:
    """(score, match condition, higher-is-better) of a full-text query on this database."""
    if dialect == "postgresql":
        query = func.websearch_to_tsquery("simple", q)
        vector: ColumnElement[Any] = literal_column("task.search_vector")
        return func.ts_rank(vector, query), vector.op("@@")(query), True
    # FTS5: each word quoted (no operator injection); bm25 is lower-is-better.
    phrase = " ".join('"' + word.replace('"', '""') + '"' for word in q.split())
    matching: Any = (
        select(literal_column("rowid"))
        .select_from(_FTS)
        .where(literal_column("task_fts").op("MATCH")(phrase))
    )
    score = (
        select(func.bm25(literal_column("task_fts")))
        .select_from(_FTS)
        .where(
            literal_column("task_fts.rowid") == literal_column("task.rowid"),
            literal_column("task_fts").op("MATCH")(phrase),
        )
        .scalar_subquery()
    )
    return score, literal_column("task.rowid").in_(matching), False


def _after(column: Any, after_null: bool, descending: bool, nullable: bool) -> ColumnElement[bool]:
    """Rows after (:after_value, :after_id) in the order `column [desc] NULLS LAST, id [desc]`."""
    last_id = _typed("after_id", Task.id)
    id_after = (Task.id < last_id) if descending else (Task.id > last_id)
    if after_null:  # only on a nullable column: the remaining NULL rows, by id
        return and_(column.is_(None), id_after)
    value = bindparam("after_value", type_=column.type)
    if descending:
        keyset: ColumnElement[bool] = tuple_(column, Task.id) < tuple_(value, last_id)
    else:
        keyset = tuple_(column, Task.id) > tuple_(value, last_id)
    return or_(keyset, column.is_(None)) if nullable else keyset


def page_shape(query: TaskQuery) -> tuple[Any, ...]:
    """What decides the text of a page statement (not the values bound to it)."""
    after = None if query.after is None else query.after[0] is None
    return (
        query.project_id is not None,
        len(query.statuses),
        len(query.priorities),
        bool(query.assignee_id),  # an empty value filters nothing
        bool(query.label),
        query.due_before is not None,
        query.due_after is not None,
        len(query.risks),
        query.sort,
        query.descending,
        after,
        query.private_filter_for is not None,
        query.state_id is not None,
        tuple(found.shape for found in query.fields),
        query.sort_column,
        query.sort_nulls,
        query.assigned_to is not None,
        query.page_size,
    )


def page_params(query: TaskQuery, limit: int) -> dict[str, Any]:
    """The values bound to a page statement."""
    params: dict[str, Any] = {"limit": limit}
    if query.assigned_to is None:
        params["scope_id"] = query.project_id or query.workspace_id
    for name, values in (
        ("status", query.statuses),
        ("priority", query.priorities),
        ("risk", query.risks),
    ):
        params.update((f"{name}_{i}", value) for i, value in enumerate(values))
    if query.assignee_id:
        params["assignee_id"] = query.assignee_id
    if query.label:
        params["label_key"] = query.label.casefold()
    if query.due_before is not None:
        params["due_before"] = query.due_before
    if query.due_after is not None:
        params["due_after"] = query.due_after
    if query.after is not None:
        value, params["after_id"] = query.after
        if value is not None:
            params["after_value"] = value
    if query.private_filter_for is not None:
        params["viewer_id"] = query.private_filter_for
    if query.state_id is not None:
        params["state_id"] = query.state_id
    params.update(field_sql.params(query.fields))
    if query.sort_field:
        params["sort_field"] = query.sort_field
    if query.assigned_to is not None:
        params["user_id"] = query.assigned_to
    return params


def _ordering(
    sort_value: Any, row_id: Any, descending: bool, nullable: bool
) -> list[ColumnElement[Any]]:
    """`sort_value [desc] NULLS LAST, id [desc]`, written the same way on both databases."""
    order: list[Any] = [sort_value.desc() if descending else sort_value.asc()]
    if nullable:
        order = [sort_value.is_(None), *order]
    order.append(row_id.desc() if descending else row_id.asc())
    return order


def page_statement(
    query: TaskQuery, columns: tuple[Any, ...], dialect: str = "", *, with_project: bool = True
) -> AnySelect:
    """One page of tasks (`columns`, then `sort_value`) in the query's order, `:limit` rows."""
    statement: Any = select(*columns).select_from(Task)
    if with_project:
        statement = statement.join(Project, Project.id == Task.project_id)
    if query.assigned_to is not None:
        # My tasks: assigned to `:user_id`, in their workspaces and the projects they see.
        assert with_project, "the project's visibility is on the joined project"
        statement = statement.join(Membership, _membership(Task.workspace_id)).where(
            Task.assignee_id == _typed("user_id", Task.assignee_id), visible_to_member()
        )
    else:
        scope = Task.project_id if query.project_id else Task.workspace_id
        statement = statement.where(scope == _typed("scope_id", Task.id))
    if query.statuses:
        statement = statement.where(_in(Task.status, "status", len(query.statuses)))
    if query.priorities:
        statement = statement.where(_in(Task.priority, "priority", len(query.priorities)))
    if query.assignee_id:
        statement = statement.where(Task.assignee_id == _typed("assignee_id", Task.assignee_id))
    if query.risks:
        statement = statement.where(_in(Task.risk_level, "risk", len(query.risks)))
    if query.state_id is not None:
        statement = statement.where(Task.state_id == _typed("state_id", Task.state_id))
    if query.label:
        statement = statement.where(
            exists().where(
                TaskLabel.task_id == Task.id,
                TaskLabel.label_id == Label.id,
                Label.workspace_id == Task.workspace_id,
                Label.name_key == _typed("label_key", Label.name_key),
            )
        )
    if query.private_filter_for is not None:
        assert with_project, "the project's visibility is on the joined project"
        viewer = _typed("viewer_id", Membership.user_id)
        statement = statement.where(visible_to_sql(viewer, Project.visibility, Project.id))
    if query.due_before is not None:
        statement = statement.where(Task.due_at < _typed("due_before", Task.due_at))
    if query.due_after is not None:
        statement = statement.where(Task.due_at > _typed("due_after", Task.due_at))
    # Sorted by a field, the filters test its value row's task: checked before the task is read.
    by_value = query.sort_column is not None and not query.sort_nulls
    filtered = field_sql.SORTED.task_id if by_value else Task.id
    for index, found in enumerate(query.fields):
        statement = statement.where(field_sql.condition(index, found, filtered))
    if query.q:
        score, matches, higher_better = relevance(dialect, query.q)
        statement = statement.where(matches)
    if query.by_relevance:
        descending, sort_value, nullable = higher_better, score, False
    elif query.sort_column:
        return _by_field(statement, query)
    else:
        descending, nullable = query.descending, query.sort == "due_at"
        sort_value = SORT_COLUMNS[query.sort]
    statement = statement.add_columns(sort_value.label("sort_value"))
    if query.after is not None:
        statement = statement.where(
            _after(sort_value, query.after[0] is None, descending, nullable)
        )
    limit = bindparam("limit", type_=Integer)
    order = _ordering(sort_value, Task.id, descending, nullable)
    return statement.order_by(*order).limit(limit)  # type: ignore[no-any-return]


def _by_field(statement: Any, query: TaskQuery) -> AnySelect:
    """A page sorted by a custom field, in two phases (tasks/field_lists.py, `phased`).

    First the tasks with a value, walked in the order of the index (field_id, value_<kind>,
    task_id); then (`sort_nulls`) those without one, by id: a page never sorts every task.
    """
    assert query.sort_column is not None
    descending = query.descending
    last_id = _typed("after_id", Task.id)
    if query.sort_nulls:
        statement = statement.where(~field_sql.has_sort_value(Task.id))
        statement = statement.add_columns(null().label("sort_value"))
        if query.after is not None:
            statement = statement.where(Task.id < last_id if descending else Task.id > last_id)
        order = [Task.id.desc() if descending else Task.id.asc()]
    else:
        statement = statement.join(field_sql.SORTED, field_sql.sort_join(Task.id))
        value, key = field_sql.sort_column(query.sort_column), field_sql.SORTED.task_id
        statement = statement.add_columns(value.label("sort_value"))
        if query.after is not None:
            after = tuple_(bindparam("after_value", type_=value.type), last_id)
            statement = statement.where(
                tuple_(value, key) < after if descending else tuple_(value, key) > after
            )
        order = [value.desc(), key.desc()] if descending else [value.asc(), key.asc()]
    size = query.page_size
    limit = bindparam("limit", type_=Integer) if size is None else literal_column(str(int(size)))
    return statement.order_by(*order).limit(limit)  # type: ignore[no-any-return]


class OrderedList(ColumnElement[Any]):
    """The values of a one-column SELECT (labelled `item`), in its order, as one list.

    PostgreSQL: `ARRAY(SELECT ...)`, a text[] (a list from asyncpg, `{}` for no row).
    SQLite: `json_group_array` over the ordered SELECT, JSON text (`[]` for no row); SQLite
    aggregates the rows of a FROM subquery in the subquery's order.
    """

    inherit_cache = True
    type = NullType()
    _traverse_internals = [("values", InternalTraversal.dp_clauseelement)]

    def __init__(self, values: AnySelect) -> None:
        self.values: ScalarSelect[Any] = values.scalar_subquery()


@compiles(OrderedList)
def _json_list(element: OrderedList, compiler: SQLCompiler, **kw: Any) -> str:
    values = compiler.process(element.values, **kw)
    return f"(SELECT json_group_array(item) FROM {values})"  # noqa: S608 (compiled SQL)


@compiles(OrderedList, "postgresql")
def _array(element: OrderedList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"ARRAY{compiler.process(element.values, **kw)}"


def labels_list(task_id: Any) -> OrderedList:
    """The names of a task's labels, ordered by name (case-folded), as one value."""
    return OrderedList(
        select(Label.name.label("item"))
        .join_from(TaskLabel, Label, Label.id == TaskLabel.label_id)
        .where(TaskLabel.task_id == task_id)
        .order_by(Label.name_key)
    )


def dependencies_list(task_id: Any) -> OrderedList:
    """The ids a task depends on, oldest dependency first, as one value."""
    return OrderedList(
        select(TaskDependency.depends_on_id.label("item"))
        .where(TaskDependency.task_id == task_id)
        .order_by(TaskDependency.created_at, TaskDependency.depends_on_id)
    )


def fields_list(task_id: Any) -> OrderedList:
    """A task's custom field values, one JSON row each (fields/values.py decodes them)."""
    return OrderedList(field_sql.values_select(task_id))


def _membership(workspace_id: Any) -> ColumnElement[bool]:
    """The caller's (`:user_id`) membership row in that workspace."""
    return and_(
        Membership.workspace_id == workspace_id,
        Membership.user_id == _typed("user_id", Membership.user_id),
    )


def _caller() -> Any:
    """The caller, `:user_id`."""
    return _typed("user_id", Membership.user_id)


def member_role() -> ColumnElement[Any]:
    """The caller's role for the joined project's resources, NULL where it is hidden from them.

    The access rule's SQL form (workspaces/access.py) over the joined membership and project.
    """
    return project_role_sql(Membership.role, Project.visibility, Project.id, _caller())


def visible_to_member() -> ColumnElement[bool]:
    """Whether the joined project is visible to the caller, given the joined membership."""
    return visible_project_sql(Membership.role, Project.visibility, Project.id, _caller())


def project_page(query: TaskQuery) -> AnySelect:
    """A project's page with the caller's role, labels and dependencies: one statement.

    One row per task of the page (at most `:limit`), each with `member_role` and the
    project's `project_key`; one row of NULL task columns when the page is empty; no row
    when the project does not exist or the caller is not a member of its workspace.
    """
    assert query.project_id, "a project's page"
    assert not query.q, "full-text pages are built per call"
    rows = page_statement(
        query, tuple(getattr(Task, name) for name in BODY_COLUMNS), with_project=False
    ).subquery("page")
    nullable = query.sort == "due_at" or query.sort_column is not None
    return (
        select(
            member_role().label("member_role"),
            Project.key.label("project_key"),
            *(rows.c[name] for name in BODY_COLUMNS),
            rows.c.sort_value,
            labels_list(rows.c.id).label("labels"),
            dependencies_list(rows.c.id).label("depends_on"),
            state_name(rows.c.state_id),
            fields_list(rows.c.id).label("fields"),
        )
        .select_from(Project)
        .join(Membership, _membership(Project.workspace_id))
        .outerjoin(rows, true())
        .where(Project.id == _typed("scope_id", Project.id))
        .order_by(*_ordering(rows.c.sort_value, rows.c.id, query.descending, nullable))
    )


_pages: dict[tuple[Any, ...], AnySelect] = {}


def core_page(query: TaskQuery) -> AnySelect:
    """The `project_page` statement of the query's shape, built once; not for `q`."""
    shape = page_shape(query)
    statement = _pages.get(shape)
    if statement is None:
        if len(_pages) >= _SHAPES:
            _pages.clear()
        statement = _pages[shape] = project_page(query)
    return statement


# (status, number of tasks) of the project `:project_id`, one row per status used.
COUNTS_BY_STATUS = (
    select(Task.status, func.count().label("tasks"))
    .where(Task.project_id == _typed("project_id", Task.project_id))
    .group_by(Task.status)
)


@lru_cache(maxsize=128)
def labels_of(count: int) -> AnySelect:
    """(task_id, name) of the labels of `count` tasks (`:id_0`...), ordered by name."""
    return (
        select(TaskLabel.task_id, Label.name)
        .join(Label, Label.id == TaskLabel.label_id)
        .where(_in(TaskLabel.task_id, "id", count))
        .order_by(Label.name_key)
    )


@lru_cache(maxsize=128)
def dependencies_of(count: int) -> AnySelect:
    """(task_id, depends_on_id) of `count` tasks (`:id_0`...), oldest dependency first."""
    return (
        select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .where(_in(TaskDependency.task_id, "id", count))
        .order_by(TaskDependency.created_at, TaskDependency.depends_on_id)
    )


def ids_params(ids: list[str]) -> dict[str, str]:
    """The values bound to `labels_of(len(ids))` and `dependencies_of(len(ids))`."""
    return {f"id_{i}": task_id for i, task_id in enumerate(ids)}


# A task with its project's key, the caller's role in its workspace, its labels and its
# dependencies: no row when the task does not exist or the caller is not a member (both
# are the same 404).
TASK_READ = (
    select(
        *TASK_COLUMNS,
        member_role().label("member_role"),
        labels_list(Task.id).label("labels"),
        dependencies_list(Task.id).label("depends_on"),
        state_name(Task.state_id),
        fields_list(Task.id).label("fields"),
    )
    .join(Project, Project.id == Task.project_id)
    .join(Membership, _membership(Task.workspace_id))
    .where(Task.id == _typed("task_id", Task.id))
)
# A project with the caller's role in its workspace, the same way (full-text search, and
# the 404 that comes before a list's invalid parameters).
PROJECT_FOR_MEMBER = (
    select(
        Project.id,
        Project.workspace_id,
        Project.key,
        member_role().label("member_role"),
    )
    .join(Membership, _membership(Project.workspace_id))
    .where(Project.id == _typed("project_id", Project.id))
)
