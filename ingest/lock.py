"""One writer command at a time on a warehouse folder: ``<warehouse>/.pipeline.lock``.

``python -m pipeline run`` holds it for its whole chain and ``python -m ingest load`` for its load. Without it a
load started by hand could take DuckDB's single-writer lock between two steps of a pipeline run (between its loads
and dbt, or during its gate), and the run would fail in whichever step came next. The lock is ``fcntl.flock``,
taken without waiting: a second command stops at once with one clear line naming the holder. The kernel drops it
when the process ends, even on SIGKILL, so a killed run never leaves the warehouse locked. Airflow tasks don't take
it: they are serialised by the ``warehouse_writer`` pool, and DuckDB's own "in use" error
(:class:`~ingest.errors.WarehouseBusyError`) covers a command started beside them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.errors import WarehouseBusyError

LOCK_FILE = ".pipeline.lock"


@contextmanager
def warehouse_lock(warehouse: Path, holder: str) -> Iterator[None]:
    """Hold ``<warehouse>/.pipeline.lock`` for the block, recording ``holder`` (e.g. "pipeline run") and the pid.

    Raises :class:`WarehouseBusyError` naming the other holder when it is taken.
    """
    import fcntl

    warehouse.mkdir(parents=True, exist_ok=True)
    fd = os.open(warehouse / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by subprocesses (PEP 446)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another command (pid unknown)"
            raise WarehouseBusyError(f"warehouse {warehouse} is in use by {other}; wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder} (pid {os.getpid()})\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
