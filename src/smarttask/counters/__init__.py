"""Named counters that stay exact under any concurrency."""
