"""Throw-away servers for the deployment test: PostgreSQL and Redis from Debian's packages, and Airflow's own.

Everything listens on 127.0.0.1 on free ports and lives in temporary folders; :class:`Deployment` stops what it
started, by process id, however the test ends. The Debian packages come from ``scripts/ensure-system-packages.sh``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
LOG_TAIL_LINES = 25


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bin() -> Path:
    """Return the folder of Debian's PostgreSQL server programs (``initdb``, ``pg_ctl``), the newest installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise FileNotFoundError("PostgreSQL is not installed: run scripts/ensure-system-packages.sh (make test does)")
    return found[-1].parent


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a log file, headed by its name (or say it is missing)."""
    if not path.exists():
        return f"--- {path.name}: no log\n"
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- {path.name} (last {len(text)} lines)\n" + "\n".join(text) + "\n"


class ServerError(RuntimeError):
    """A server did not start or a command failed; the message ends with the tails of the servers' logs."""


@dataclass
class Deployment:
    """PostgreSQL, Redis and Airflow's processes of one test, with their logs in ``base / "logs"``."""

    base: Path
    logs: Path = field(init=False)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    pg_data: Path | None = None
    pg_port: int = 0
    redis_port: int = 0
    api_port: int = 0
    env: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per start-up and run step, for the report

    def __post_init__(self) -> None:
        self.logs = self.base / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    # --- logs and failures ------------------------------------------------------------------------------------
    def log_tails(self) -> str:
        """Return the tail of every server's log, for a failure message."""
        return "".join(tail(path) for path in sorted(self.logs.glob("*.log")))

    def fail(self, message: str) -> ServerError:
        return ServerError(f"{message}\n{self.log_tails()}")

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
        """Return ``check()``'s first truthy result; raise :class:`ServerError` after ``timeout`` seconds.

        Also fails early, naming it, when a server process of this deployment has exited.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise self.fail(f"{name} exited with {process.returncode} while waiting for {what}")
            if time.monotonic() > deadline:
                raise self.fail(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(every)

    # --- PostgreSQL -------------------------------------------------------------------------------------------
    def _as_postgres_user(self, command: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root (CI runs as root): run them as Debian's postgres user
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def start_postgres(self) -> str:
        """Create a cluster in a temporary folder, start it on 127.0.0.1 and create the ``airflow`` database.

        Returns the SQLAlchemy URL of that database (user ``airflow``, trust authentication, local only).
        fsync is off: the cluster is thrown away with the test.
        """
        pg = postgres_bin()
        # its own folder under /tmp, not under pytest's (root-only) tmp_path, so the postgres user can reach it
        folder = Path(tempfile.mkdtemp(prefix="airflow-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        self.pg_data = folder / "data"
        self.pg_port = free_port()
        log = self.logs / "postgres.log"
        initdb = [str(pg / "initdb"), "-D", str(self.pg_data), "-U", "airflow", "--auth=trust", "-E", "UTF8"]
        self._check([*self._as_postgres_user([*initdb, "--no-sync"])], "initdb")
        options = f"-h 127.0.0.1 -p {self.pg_port} -k {folder} -F -c synchronous_commit=off -c max_connections=200"
        start = [str(pg / "pg_ctl"), "-D", str(self.pg_data), "-o", options, "-l", str(folder / "server.log"), "-w"]
        try:
            self._check(self._as_postgres_user([*start, "start"]), "pg_ctl start")
        finally:
            with contextlib.suppress(OSError):
                shutil.copyfile(folder / "server.log", log)
        self._check([str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "airflow", "airflow"])
        return f"postgresql+psycopg2://airflow@127.0.0.1:{self.pg_port}/airflow"

    def stop_postgres(self) -> None:
        if self.pg_data is None or not self.pg_data.exists():
            return
        stop = [str(postgres_bin() / "pg_ctl"), "-D", str(self.pg_data), "-m", "immediate", "-w", "stop"]
        subprocess.run(self._as_postgres_user(stop), capture_output=True, check=False, timeout=60)
        with contextlib.suppress(OSError):
            shutil.copyfile(self.pg_data.parent / "server.log", self.logs / "postgres.log")
        shutil.rmtree(self.pg_data.parent, ignore_errors=True)

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        """Run one query on the metadata database and return its rows."""
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="airflow", dbname="airflow")
        try:
            with con, con.cursor() as cursor:
                cursor.execute(query, params)
                return list(cursor.fetchall()) if cursor.description else []
        finally:
            con.close()

    # --- Redis ------------------------------------------------------------------------------------------------
    def start_redis(self) -> str:
        """Start redis-server on 127.0.0.1 without persistence; return the Celery broker URL."""
        self.redis_port = free_port()
        folder = self.base / "redis"
        folder.mkdir()
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", ""]
        self.start("redis", [*command, "--appendonly", "no", "--dir", str(folder)])
        self.wait_for("redis", lambda: _accepts(self.redis_port), timeout=20, every=0.1)
        return f"redis://127.0.0.1:{self.redis_port}/0"

    # --- processes --------------------------------------------------------------------------------------------
    def start(self, name: str, command: list[str]) -> None:
        """Start a long-running process in its own session (so its children stop with it), logging to logs/."""
        with (self.logs / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=self.base, env=self.env or None, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    def airflow(self, *args: str, timeout: float = 180) -> str:
        """Run one ``airflow`` CLI command with the deployment's environment; return its output."""
        return self._check([str(VENV_BIN / "airflow"), *args], " ".join(args[:2]), timeout=timeout)

    def _check(self, command: list[str], what: str | None = None, timeout: float = 180) -> str:
        done = subprocess.run(
            command, cwd=self.base, env=self.env or None, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            output = (done.stdout + done.stderr).splitlines()[-LOG_TAIL_LINES:]
            raise self.fail(f"{what or command[0]} failed (exit {done.returncode}):\n" + "\n".join(output))
        return done.stdout

    def stop(self) -> None:
        """Stop every process this deployment started (SIGTERM to its session, SIGKILL after 2 s), then PostgreSQL.

        Nothing here needs a graceful end: every folder is thrown away, so the grace period is short.
        """
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 2
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # the whole session, also children that outlived their parent (task processes, dbt, uvicorn workers)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        self.stop_postgres()

    # --- Airflow's REST API -----------------------------------------------------------------------------------
    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call Airflow's REST API (``/api/v2/...``) on the api-server; return the decoded JSON answer."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.api_port}/api/v2/{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            raise self.fail(f"{method} /api/v2/{path}: HTTP {error.code} {error.read()[:500]!r}") from error

    def api_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health", timeout=5):
                return True
        except (OSError, urllib.error.URLError):
            return False


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
