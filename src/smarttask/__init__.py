"""smarttask: a self-hostable, AI-assisted task manager backend."""

__version__ = "0.1.0"
