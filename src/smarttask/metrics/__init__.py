"""GET /metrics for Prometheus: the request middleware, the scrape-time collectors, the route.

Installed by `create_app` only when SMARTTASK_METRICS_ENABLED=true; otherwise nothing here
is imported (docs/operations.md).
"""
