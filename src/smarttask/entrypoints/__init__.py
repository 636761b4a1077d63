"""The ways into smarttask: ASGI server, Lambda handlers, command line."""
