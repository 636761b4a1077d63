"""The analytics calls: the dashboard, team performance, project progress, own figures, reports."""
