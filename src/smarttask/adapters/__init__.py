"""Adapters to external systems: one small protocol each, one module per vendor."""
