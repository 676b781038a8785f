"""Maintainers' tools, each `python -m workshop_lib.dev.NAME`: parameters cells, cleaner, solutions, data."""
