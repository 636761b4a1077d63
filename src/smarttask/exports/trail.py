"""What an export reads of the user's activity: the one list that joins what it is about.

An entry is exported on `contents.readable_projects`' rule, like everything else: only
while the user may read the project the entry's entity belongs to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, not_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from smarttask.activity.models import Activity
from smarttask.attachments.models import Attachment
from smarttask.comments.models import Comment
from smarttask.exports.contents import Rows, fetch_all, member_of, readable_projects
from smarttask.tasks.models import Task

# Activity entries about these entities are exported only while the user may read the
# project they belong to (a dependency's entity is its task).
_ABOUT_TASKS = ("task", "dependency")
# The task an activity entry is about, directly or through its comment or file (made once:
# an alias made per statement would be kept by the ORM's caches, page after page).
_ENTRY_TASK = aliased(Task, name="entry_task")
_COMMENT_TASK = aliased(Task, name="comment_task")
_FILE_TASK = aliased(Task, name="file_task")


async def activity(
    session: AsyncSession, user_id: str, after: tuple[datetime, str] | None, limit: int
) -> Rows:
    """What the user did, oldest first: in workspaces they are still a member of, about
    things they may still read.

    An entry about a task, dependency, comment, attachment or project is kept when the
    project it belongs to is readable; each entry finds its task by primary key (outer
    joins), so a page costs its own rows, whatever the size of the user's projects. Any
    other entry that names its project (a time entry, a workflow state) is kept on the
    same rule.
    """
    on_task, on_comment, on_file = _ENTRY_TASK, _COMMENT_TASK, _FILE_TASK
    typed = ("project", "comment", "attachment", *_ABOUT_TASKS)
    project_of_entry = func.coalesce(
        on_task.project_id,
        on_comment.project_id,
        on_file.project_id,
        case((Activity.entity_type == "project", Activity.entity_id)),
    )
    statement = (
        select(
            Activity.id,
            Activity.workspace_id,
            Activity.action,
            Activity.entity_type,
            Activity.entity_id,
            Activity.changes,
            Activity.created_at,
        )
        .outerjoin(
            on_task,
            (Activity.entity_type.in_(_ABOUT_TASKS)) & (on_task.id == Activity.entity_id),
        )
        .outerjoin(
            Comment, (Activity.entity_type == "comment") & (Comment.id == Activity.entity_id)
        )
        .outerjoin(on_comment, on_comment.id == Comment.task_id)
        .outerjoin(
            Attachment,
            (Activity.entity_type == "attachment") & (Attachment.id == Activity.entity_id),
        )
        .outerjoin(on_file, on_file.id == Attachment.task_id)
        .where(
            Activity.actor_id == user_id,
            Activity.workspace_id.in_(member_of(user_id)),
            or_(
                not_(Activity.entity_type.in_(typed)),
                project_of_entry.in_(readable_projects(user_id)),
            ),
            # Any other entry of a project (a time entry, a state, an import) likewise.
            or_(Activity.project_id.is_(None), Activity.project_id.in_(readable_projects(user_id))),
        )
        .order_by(Activity.created_at, Activity.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(Activity.created_at, Activity.id) > tuple_(*after))
    return await fetch_all(session, statement)
