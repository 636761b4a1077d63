"""One module per file format; each parses bytes into the neutral representation (ir.py)."""
