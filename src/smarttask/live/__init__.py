"""Live events: a workspace's (or a user's own) event log, polled or streamed (SSE).

`service` decides who sees what and answers the polling call; `hub` is the one per-process
fan-out that wakes the streams (PostgreSQL LISTEN, or this process's commits on SQLite);
`routes` are the API's calls. docs/live-events.md describes the contract.
"""
