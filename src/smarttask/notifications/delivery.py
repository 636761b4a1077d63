"""Mailing one notification at once (the `notifications.mail` job)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.mailing.service import send_later
from smarttask.notifications import mails, repository, visibility


async def mail_one(session: AsyncSession, notification_id: str, public_url: str) -> bool:
    """Queue the mail of a notification; False when there is no one to send it to now
    (the notification, the person or their address is gone, they left the workspace, or
    the task's private project is hidden from them now)."""
    notification = await repository.get(session, notification_id)
    if notification is None:
        return False
    project_id = None
    if notification.task_id is not None:
        task = (await repository.task_facts(session, [notification.task_id])).get(
            notification.task_id
        )
        project_id = task.project_id if task is not None else None
    people = await visibility.audience(
        session, notification.workspace_id, [project_id], [notification.user_id]
    )
    person = people.get(notification.user_id)
    if person is None or not person.email or not visibility.may_see(person, project_id):
        return False
    await send_later(
        session,
        mails.instant(public_url, person.email, notification),
        dedupe_key=f"notification-mail-send:{notification.id}",
    )
    return True
