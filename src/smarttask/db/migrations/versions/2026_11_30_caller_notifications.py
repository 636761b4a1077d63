"""caller notifications

Revision ID: 2026_11_30_caller_notifications
Revises: 2026_11_22_attachments
Create Date: 2026-11-30

On PostgreSQL, every change or deletion of a user, a refresh token or an API token sends
`NOTIFY smarttask_callers, '<user id>'` (on commit), and a TRUNCATE of those tables sends
'*': server workers forget what they cached about those callers (accounts/callers.py).
Nothing on SQLite, where no worker caches callers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2026_11_30_caller_notifications"
down_revision: str | None = "2026_11_22_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> the column holding the user id
_TABLES = {"user_account": "id", "refresh_token": "user_id", "api_token": "user_id"}


def upgrade() -> None:
    """Create the notifying functions and their triggers (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION smarttask_notify_caller() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('smarttask_callers', to_jsonb(OLD) ->> TG_ARGV[0]);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION smarttask_notify_callers() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('smarttask_callers', '*');
            RETURN NULL;
        END $$
        """
    )
    for table, column in _TABLES.items():
        op.execute(
            f"CREATE TRIGGER {table}_notify_caller AFTER UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION smarttask_notify_caller('{column}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_notify_callers AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION smarttask_notify_callers()"
        )


def downgrade() -> None:
    """Drop the triggers and their functions."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER {table}_notify_caller ON {table}")
        op.execute(f"DROP TRIGGER {table}_notify_callers ON {table}")
    op.execute("DROP FUNCTION smarttask_notify_caller()")
    op.execute("DROP FUNCTION smarttask_notify_callers()")
