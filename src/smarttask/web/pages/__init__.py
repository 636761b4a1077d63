"""The web app's page routes, one module per part of the app (wired in wiring.py)."""
