"""Comment endpoints (docs/api.md, Comments)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.comments import service
from smarttask.comments.models import Comment
from smarttask.comments.schemas import CommentCreate, CommentRead, CommentUpdate
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.responses import json_response
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["comments"])
_FIELDS = tuple(CommentRead.model_fields)
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)


@router.get(
    "/tasks/{task_id}/comments", response_model=Page[CommentRead], responses=problems(*_ERRORS, 422)
)
async def list_comments(
    task_id: Id,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    order: Annotated[Literal["oldest", "newest"], Query()] = "oldest",
) -> Page[CommentRead]:
    """A task's comments, oldest first (`order=newest`: the latest first)."""
    return await service.list_for_task(
        session, user, task_id, cursor, limit, newest_first=order == "newest"
    )


@router.post(
    "/tasks/{task_id}/comments",
    status_code=201,
    response_model=CommentRead,
    responses=problems(*_ERRORS, 403, 413, 415, 422),
)
async def create_comment(
    task_id: Id, body: CommentCreate, user: CurrentUser, session: SessionDep, response: Response
) -> Response:
    """Comment on a task (members)."""
    task, _ = await tasks.load(session, user, task_id, Role.MEMBER)
    comment = await service.create(session, user, task, body.body)
    response.headers["ETag"] = etag(comment.version)
    response.headers["Location"] = f"/api/v1/comments/{comment.id}"
    return _answer(comment, response, status_code=201)


@router.patch(
    "/comments/{comment_id}",
    response_model=CommentRead,
    responses=problems(*_ERRORS, 403, 409, 412, 413, 415, 422),
)
async def edit_comment(
    comment_id: Id,
    body: CommentUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Edit one's own comment."""
    comment, role = await service.load(session, user, comment_id)
    check_if_match(if_match, comment.version)
    comment = await service.edit(session, user, comment, role, body.body)
    response.headers["ETag"] = etag(comment.version)
    return _answer(comment, response)


def _answer(comment: Comment, response: Response, *, status_code: int = 200) -> Response:
    """A comment's body (CommentRead's fields), written once: the same bytes as the model's."""
    body = {field: getattr(comment, field) for field in _FIELDS}
    return json_response(body, status_code=status_code, dependency_response=response)


@router.delete(
    "/comments/{comment_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_comment(
    comment_id: Id, user: CurrentUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a comment (its author, or an admin)."""
    comment, role = await service.load(session, user, comment_id)
    check_if_match(if_match, comment.version)
    await service.delete(session, user, comment, role)
    return Response(status_code=204)
