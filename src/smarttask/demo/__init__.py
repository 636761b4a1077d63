"""The demo workspace (`smarttask demo`): its content and its loader."""

from smarttask.demo.content import DEMO_PASSWORD
from smarttask.demo.loader import DemoSummary, analyze_demo_tables, has_users, load_demo

__all__ = ["DEMO_PASSWORD", "DemoSummary", "analyze_demo_tables", "has_users", "load_demo"]
