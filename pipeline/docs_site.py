"""The dbt docs of the marts: what the open-data release describes its columns with, and the analysts' docs site.

:func:`model_docs` returns each model's description, column descriptions and primary key. It reads the manifest
``dbt build`` wrote (``<warehouse>/dbt/target/manifest.json``: descriptions as dbt rendered them, the same text the
docs site shows); when there is none (a warehouse built elsewhere, or cleaned), it reads the models' yml files in
the dbt project, which hold the same text. The primary key is a column with both a ``unique`` and a ``not_null``
test, else the columns of a ``unique_combination_of_columns`` test.

:func:`build_docs_site` runs ``dbt docs generate`` against ``published.duckdb`` (attached read-only: the catalog
describes what readers see, and the working file's writer is never disturbed) and leaves the static site in
``<warehouse>/dbt-docs/``: ``index.html``, ``manifest.json``, ``catalog.json``, and ``static_index.html`` (one file
with both embedded, which also opens from disk without a server).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.settings import WORKING_DB_NAME, published_db_path, warehouse_dir
from pipeline.paths import dbt_project_dir

log = logging.getLogger(__name__)

DOCS_DIR = "dbt-docs"
SITE_FILES = ("index.html", "manifest.json", "catalog.json", "static_index.html")
PROFILE = "peru_monitoring"


@dataclass(frozen=True)
class ModelDoc:
    """A dbt model's documentation."""

    description: str
    columns: dict[str, str] = field(default_factory=dict)  # column -> description
    primary_key: tuple[str, ...] = ()


class DocsSiteError(RuntimeError):
    """``dbt docs generate`` failed; the message carries dbt's own error lines. The previous site stays."""


def manifest_path(warehouse: Path) -> Path:
    """Return where ``dbt build`` (pipeline/transform.py) writes the manifest of ``warehouse``."""
    return warehouse / "dbt" / "target" / "manifest.json"


def model_docs(warehouse: Path | None = None) -> dict[str, ModelDoc]:
    """Return model name -> :class:`ModelDoc`, from the build's manifest, else from the dbt project's yml files."""
    manifest = manifest_path(warehouse or warehouse_dir())
    if manifest.is_file():
        return _from_manifest(json.loads(manifest.read_text(encoding="utf-8")))
    log.info("no dbt manifest at %s: column descriptions read from the dbt project's yml files", manifest)
    return _from_yml(dbt_project_dir() / "models")


def _primary_key(unique: set[str], not_null: set[str], combinations: list[list[str]]) -> tuple[str, ...]:
    keys = sorted(unique & not_null)
    if keys:
        return (keys[0],)
    return tuple(combinations[0]) if combinations else ()


def _from_manifest(manifest: dict[str, Any]) -> dict[str, ModelDoc]:
    models = {uid: node for uid, node in manifest["nodes"].items() if node.get("resource_type") == "model"}
    tests: dict[str, dict[str, Any]] = {uid: {"unique": set(), "not_null": set(), "combos": []} for uid in models}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        attached = node.get("attached_node")
        if node.get("resource_type") != "test" or attached not in tests:
            continue
        kind, column = meta.get("name"), node.get("column_name")
        if kind in ("unique", "not_null") and column:
            tests[attached][kind].add(column)
        elif kind == "unique_combination_of_columns":
            tests[attached]["combos"].append(list(meta.get("kwargs", {}).get("combination_of_columns") or []))
    docs: dict[str, ModelDoc] = {}
    for uid, node in models.items():
        found = tests[uid]
        docs[node.get("alias") or node["name"]] = ModelDoc(
            description=(node.get("description") or "").strip(),
            columns={name: (c.get("description") or "").strip() for name, c in node.get("columns", {}).items()},
            primary_key=_primary_key(found["unique"], found["not_null"], sorted(found["combos"])),
        )
    return docs


def _test_names(items: list[Any]) -> list[tuple[str, Any]]:
    """Return (test name, its arguments) of a yml ``data_tests`` / ``tests`` list."""
    named: list[tuple[str, Any]] = []
    for item in items or []:
        if isinstance(item, str):
            named.append((item, {}))
        elif isinstance(item, dict):
            named.extend(item.items())
    return named


def _from_yml(models_dir: Path) -> dict[str, ModelDoc]:
    import yaml

    docs: dict[str, ModelDoc] = {}
    for path in sorted(models_dir.rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in content.get("models") or []:
            unique: set[str] = set()
            not_null: set[str] = set()
            combos: list[list[str]] = []
            for name, arguments in _test_names(model.get("data_tests") or model.get("tests") or []):
                if name == "unique_combination_of_columns" and isinstance(arguments, dict):
                    combos.append(list((arguments.get("arguments") or arguments).get("combination_of_columns") or []))
            columns: dict[str, str] = {}
            for column in model.get("columns") or []:
                columns[column["name"]] = str(column.get("description") or "").strip()
                for name, _ in _test_names(column.get("data_tests") or column.get("tests") or []):
                    (unique if name == "unique" else not_null if name == "not_null" else set()).add(column["name"])
            docs[model["name"]] = ModelDoc(
                description=str(model.get("description") or "").strip(),
                columns=columns,
                primary_key=_primary_key(unique, not_null, sorted(combos)),
            )
    return docs


def _profiles(published: Path, folder: Path) -> None:
    """Write a profile that reads ``published`` read-only, named like the project's database (``monitoring``), so
    the catalog matches the manifest's nodes."""
    import yaml

    database = Path(WORKING_DB_NAME).stem
    profile = {
        PROFILE: {
            "target": "published",
            "outputs": {
                "published": {
                    "type": "duckdb",
                    "path": ":memory:",
                    "database": database,
                    "attach": [{"path": str(published), "alias": database, "read_only": True}],
                    "schema": "main",
                    "threads": 1,
                }
            },
        }
    }
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")


def build_docs_site(warehouse: Path | None = None) -> Path:
    """Run ``dbt docs generate`` against the published marts; return the site folder ``<warehouse>/dbt-docs``.

    The site replaces the previous one only when dbt succeeded (written beside it, then renamed). Raises
    :class:`DocsSiteError` when nothing is published or dbt fails.
    """
    from pipeline.transform import dbt_executable

    base = warehouse or warehouse_dir()
    published = published_db_path(base)
    if not published.exists():
        raise DocsSiteError(f"nothing published in {base}: run the pipeline first ({published} is missing)")
    site = base / DOCS_DIR
    project = dbt_project_dir()
    with tempfile.TemporaryDirectory(prefix="dbt-docs-", dir=base) as scratch:
        work = Path(scratch)
        _profiles(published, work)
        command = [
            dbt_executable(), "--no-use-colors", "docs", "generate", "--static",
            "--project-dir", str(project), "--profiles-dir", str(work),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ]  # fmt: skip
        env = {**os.environ, "WAREHOUSE_DIR": str(base), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        log.info("running %s", " ".join(command))
        process = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        lines = process.stdout.splitlines()
        if process.returncode != 0:
            detail = "\n".join([line for line in lines if "rror" in line][-20:] or lines[-20:])
            raise DocsSiteError(f"dbt docs generate failed (exit {process.returncode}) on {published}:\n{detail}")
        staging = base / f".{DOCS_DIR}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for name in SITE_FILES:
            shutil.copy2(work / "target" / name, staging / name)
    old = base / f".{DOCS_DIR}.{os.getpid()}.old"
    if site.exists():
        os.rename(site, old)
    os.rename(staging, site)
    shutil.rmtree(old, ignore_errors=True)
    log.info("dbt docs site written to %s", site)
    return site


def main() -> int:
    """``python -m pipeline.docs_site``: build the docs site of ``$WAREHOUSE_DIR`` and print its folder."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        site = build_docs_site()
    except DocsSiteError as exc:
        print(f"error: {exc}")
        return 1
    print(f"dbt docs: {site / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
