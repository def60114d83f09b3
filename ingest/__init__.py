"""Ingest stage: land public source files in the DuckDB warehouse with lineage, rejects and a load log.

Entry point: ``python -m ingest load <source> <path-or-url>``; ``python -m ingest sources`` lists what can be loaded.
"""
