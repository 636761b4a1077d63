"""The calendar feed: a secret iCalendar URL of one's open, dated, assigned tasks."""
