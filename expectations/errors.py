"""Errors that stop the gate before any expectation runs (the CLI exits 2 on them)."""

from __future__ import annotations


class GateError(Exception):
    """The gate could not be run as asked."""


class WarehouseNotFoundError(GateError, FileNotFoundError):
    """The warehouse DuckDB file does not exist (the gate never creates one)."""


class UnknownSuiteError(GateError, ValueError):
    """A suite was asked for that has no checkpoint in the GX context."""
