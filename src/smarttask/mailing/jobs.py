"""(Being built.)"""

from smarttask.jobs.registry import JobSet

registry = JobSet()
