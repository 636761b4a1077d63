"""Notifications: the in-app inbox, watchers, mentions, reminders and mail (instant and a
daily digest), written in the transaction of the change that caused them (docs/notifications.md)."""
