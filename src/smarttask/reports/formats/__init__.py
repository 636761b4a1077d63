"""A report's table as a file: CSV (streamed), Excel and PDF; pure, data in and bytes out."""
