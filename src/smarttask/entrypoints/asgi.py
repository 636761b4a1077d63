"""ASGI entry point for servers: `uvicorn smarttask.entrypoints.asgi:app`."""

import gc

from smarttask.app import create_app
from smarttask.kit.logging import configure_logging
from smarttask.settings import get_settings

_settings = get_settings()
configure_logging(_settings.log_level, json_lines=_settings.log_json)
# Each domain's routes are built on the first request under their path (as on Lambda): a
# worker holds the routes its traffic uses, not all of them (a worker serving the API's task
# writes holds about 60 MiB less). Routing and the OpenAPI document are the same either way.
app = create_app(_settings, background=True)

# A long-running server process: what start-up built (modules, routes, schemas, mappers)
# lives as long as the process, so the cyclic garbage collector need not
# walk it again on every full collection; and with concurrent requests in flight the
# default first threshold (700) ran a collection every few requests. Under load this
# lowers a worker's CPU per task read (figures in docs/benchmarks.md, "Task reads at
# scale"). Reference cycles are still collected, in larger batches.
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 10, 10)
