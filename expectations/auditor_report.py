"""The auditor's report of one gate run: a JSON document for machines and the same content as one static HTML page.

Both go to ``<warehouse>/quality/runs/<run_id>.json|html`` and are copied to ``latest.json|html``. The HTML has its
CSS inline and nothing external (no scripts, fonts or images), so it opens from a file or an e-mail attachment; labels
are in Spanish for the Peruvian institutions that read it. It is rendered by Jinja2 with autoescaping on, so every
value that comes from data is HTML-escaped. ``ops.rejects.raw_text`` (whole source lines, possibly with people's
names) is never read, so it cannot reach the report.

Sections: decision and summary (tables, rows, checks per severity and status), one section per table (each check
with its description, severity, result, observed value and up to 20 failing rows traced to ``_source_sha256`` and
``_source_row``), data freshness per source, and the source files whose rows are in the warehouse.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from expectations.freshness import FRESH, NEVER_LOADED, STALE, SourceFreshness
from expectations.report import (
    ERROR,
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    STATUSES,
    SuiteOutcome,
    condition_text,
    count_statuses,
    expectation_name,
    report_dict,
)
from expectations.settings import CRITICAL, SEVERITIES, WARNING

REPORT_VERSION = 2
TEMPLATE = Path(__file__).resolve().parent / "auditor_report.html.j2"

DECISION_LABELS = {
    True: "PUBLICADO",
    False: "NO PUBLICADO — se mantiene la última publicación válida",
}
SEVERITY_LABELS = {CRITICAL: "crítico", WARNING: "advertencia"}
STATUS_LABELS = {PASSED: "cumple", FAILED: "no cumple", NOT_APPLICABLE: "no aplica", ERROR: "error"}
FRESHNESS_LABELS = {FRESH: "al día", STALE: "desactualizada", NEVER_LOADED: "sin cargas"}
LINEAGE_COLUMNS = ("_source_sha256", "_source_row", "_source_rows")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def build_report(
    *,
    run_id: str,
    run_time: str,
    as_of: datetime,
    duration_seconds: float,
    database: Path,
    passed: bool,
    suites: Sequence[SuiteOutcome],
    data_docs: Path | None,
    paths: Mapping[str, Path],
    row_counts: Mapping[str, int | None],
    unchecked_tables: Sequence[str],
    freshness: Sequence[SourceFreshness],
    source_files: Sequence[Mapping[str, Any]],
    rejects: Mapping[str, Any],
    warehouse_error: str | None = None,
    gx_version: str | None = None,
) -> dict[str, Any]:
    """Return the JSON report of a run. ``paths`` holds ``html``, ``json``, ``latest_html``, ``latest_json``.

    The keys of the gate's first report (``run_id``, ``run_time``, ``warehouse``, ``passed``, ``data_docs``,
    ``suites`` with each expectation) are kept; every expectation also has ``status`` and ``table``.
    """
    report = report_dict(
        run_id=run_id, run_time=run_time, database=database, passed=passed, suites=suites, data_docs=data_docs
    )
    outcomes = [outcome for suite in suites for outcome in suite.outcomes]
    tables: dict[str, dict[str, Any]] = {}
    queries = {name: sql for suite in suites for name, sql in suite.queries.items()}
    for suite in suites:
        for outcome in suite.outcomes:
            name = outcome.table or suite.table or f"(suite {suite.suite})"
            entry = tables.setdefault(name, {"table": name, "suites": [], "outcomes": []})
            if suite.suite not in entry["suites"]:
                entry["suites"].append(suite.suite)
            entry["outcomes"].append(outcome)
    table_entries = []
    for name, entry in tables.items():
        counts = count_statuses(entry["outcomes"])
        audit = name.startswith("audit.")  # a cross-table check computed by dbt (dbt_project/models/audit)
        table_entries.append(
            {
                "table": name,
                "kind": "query" if name in queries else "audit" if audit else "table",
                "query": queries.get(name),
                "model": f"dbt_project/models/audit/{name.split('.', 1)[1]}.sql" if audit else None,
                "suites": entry["suites"],
                "rows": row_counts.get(name),
                "counts": counts,
                "passed": not any(counts[CRITICAL][status] for status in (FAILED, ERROR)),
            }
        )
    # in the data's order: raw tables, then marts, then the checks across tables (audit tables, query assets)
    schema_rank = {"raw": 0, "staging": 1, "intermediate": 2, "marts": 3}
    table_entries.sort(
        key=lambda t: (t["kind"] == "query", schema_rank.get(t["table"].split(".", 1)[0], 4), t["table"])
    )
    stale = [item.source.name for item in freshness if item.warning]
    report.update(
        {
            "report_version": REPORT_VERSION,
            "as_of": as_of.isoformat(),
            "duration_seconds": round(duration_seconds, 3),
            "decision": "passed" if passed else "failed",
            "decision_label": DECISION_LABELS[passed],
            "gx_version": gx_version,
            "reports": {key: str(path) for key, path in paths.items()},
            "summary": {
                "tables_checked": sum(1 for t in table_entries if t["kind"] == "table"),
                "queries_checked": sum(1 for t in table_entries if t["kind"] != "table"),
                "checks": count_statuses(outcomes),
                "stale_sources": stale,
                "unchecked_tables": list(unchecked_tables),
            },
            "tables": table_entries,
            "freshness": [item.as_dict() for item in freshness],
            "source_files": [dict(item) for item in source_files],
            "rejects": dict(rejects),
            "warehouse_error": warehouse_error,
            "history": {"saved": False, "tables": ["ops.validation_runs", "ops.validation_results"], "error": None},
        }
    )
    return report


def write_reports(report: Mapping[str, Any]) -> None:
    """Write the JSON and HTML of ``report`` to the run's files, then copy both to ``latest.*``."""
    from expectations.report import write_json_atomically

    paths = report["reports"]
    html = render_html(report)
    write_json_atomically(Path(paths["json"]), report)
    _write_text_atomically(Path(paths["html"]), html)
    write_json_atomically(Path(paths["latest_json"]), report)
    _write_text_atomically(Path(paths["latest_html"]), html)


def _write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_html(report: Mapping[str, Any]) -> str:
    """Return the report as one self-contained HTML page (autoescaped: data never becomes markup)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["num"] = format_number
    environment.filters["when"] = format_time
    environment.filters["short_hash"] = short_hash
    return environment.get_template(TEMPLATE.name).render(r=report, v=_view(report))


def _view(report: Mapping[str, Any]) -> dict[str, Any]:
    """Presentation of the report for the template: labels, grouped checks, example tables."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for suite in report["suites"]:
        for position, outcome in enumerate(suite["expectations"], start=1):
            name = outcome.get("table") or suite.get("table") or f"(suite {suite['suite']})"
            by_table.setdefault(name, []).append(_check_view(suite["suite"], position, outcome))
    order = {ERROR: 0, FAILED: 1, NOT_APPLICABLE: 2, PASSED: 3}
    tables = []
    for index, entry in enumerate(report["tables"], start=1):
        checks = by_table.get(entry["table"], [])
        # problems first (critical before warning), then the rest in the suite's order
        checks = sorted(checks, key=lambda c: (order[c["status"]], c["severity"] != CRITICAL, c["position"]))
        tables.append({**entry, "anchor": f"tabla-{index}", "checks": checks})
    return {
        "tables": tables,
        "severities": [(severity, SEVERITY_LABELS[severity]) for severity in SEVERITIES],
        "statuses": [(status, STATUS_LABELS[status]) for status in STATUSES],
        "freshness": [_freshness_view(item) for item in report["freshness"]],
        "stale_count": len(report["summary"]["stale_sources"]),
        "table_count": sum(1 for t in report["tables"] if t.get("kind", "table") == "table"),
        "query_count": sum(1 for t in report["tables"] if t.get("kind", "table") != "table"),
        "rejects_by_load": _group_rejects(report["rejects"].get("shown", [])),
    }


def _check_view(suite: str, position: int, outcome: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "suite": suite,
        "position": position,
        "status": outcome["status"],
        "status_label": STATUS_LABELS[outcome["status"]],
        "severity": outcome["severity"],
        "severity_label": SEVERITY_LABELS.get(outcome["severity"], outcome["severity"]),
        "label": outcome.get("description") or describe(outcome["type"], outcome.get("kwargs") or {}),
        "technical": outcome["name"],
        "observed": observed_text(outcome),
        "observed_list": _observed_list(outcome),
        "error": outcome.get("error"),
        "examples": _examples_view(outcome) if outcome["status"] in (FAILED, ERROR) else None,
        "examples_total": outcome.get("unexpected_count"),
    }


def _freshness_view(item: Mapping[str, Any]) -> dict[str, Any]:
    label = FRESHNESS_LABELS.get(item["status"], item["status"])
    if item["status"] == NEVER_LOADED and not item["loadable"]:
        label += " (fuente prevista, aún sin cargador)"
    return {**item, "label": label, "cadence": cadence_label(item["expected_every_seconds"])}


def _group_rejects(shown: Sequence[Mapping[str, Any]]) -> dict[int, list[Mapping[str, Any]]]:
    grouped: dict[int, list[Mapping[str, Any]]] = {}
    for item in shown:
        grouped.setdefault(int(item["load_id"]), []).append(item)
    return grouped


# -- readable forms -------------------------------------------------------------------------------------------------


def describe(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    """Return a plain Spanish description of an expectation from its type and arguments (used when the suite has no
    ``meta.description``); unknown types fall back to the technical name."""
    column = f"«{kwargs.get('column')}»"
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    texts = {
        "expect_column_to_exist": lambda: f"existe la columna {column}",
        "expect_column_values_to_not_be_null": lambda: f"{column} nunca está vacío (nulo)",
        "expect_column_values_to_be_null": lambda: f"{column} está vacío (nulo)",
        "expect_column_values_to_be_unique": lambda: f"{column} no se repite entre filas",
        "expect_column_values_to_be_between": lambda: f"{column} está {_range(low, high)}",
        "expect_column_values_to_match_regex": lambda: f"{column} sigue el patrón {kwargs.get('regex')}",
        "expect_column_values_to_not_match_regex": lambda: f"{column} no sigue el patrón {kwargs.get('regex')}",
        "expect_column_values_to_be_in_set": lambda: f"{column} es uno de: {_values(kwargs.get('value_set'))}",
        "expect_column_values_to_not_be_in_set": lambda: (
            f"{column} no es ninguno de: {_values(kwargs.get('value_set'))}"
        ),
        "expect_column_values_to_be_of_type": lambda: f"{column} es de tipo {kwargs.get('type_')}",
        "expect_column_values_to_be_in_type_list": lambda: f"{column} es de tipo {_values(kwargs.get('type_list'))}",
        "expect_column_value_lengths_to_equal": lambda: f"{column} tiene {kwargs.get('value')} caracteres",
        "expect_column_value_lengths_to_be_between": lambda: f"{column} tiene {_range(low, high)} caracteres",
        "expect_column_sum_to_be_between": lambda: f"la suma de {column} está {_range(low, high)}",
        "expect_column_min_to_be_between": lambda: f"el mínimo de {column} está {_range(low, high)}",
        "expect_column_max_to_be_between": lambda: f"el máximo de {column} está {_range(low, high)}",
        "expect_column_mean_to_be_between": lambda: f"el promedio de {column} está {_range(low, high)}",
        "expect_column_unique_value_count_to_be_between": lambda: (
            f"{column} tiene {_range(low, high)} valores distintos"
        ),
        "expect_column_distinct_values_to_be_in_set": lambda: (
            f"los valores distintos de {column} están en: {_values(kwargs.get('value_set'))}"
        ),
        "expect_compound_columns_to_be_unique": lambda: (
            f"la combinación ({', '.join(kwargs.get('column_list') or [])}) no se repite"
        ),
        "expect_select_column_values_to_be_unique_within_record": lambda: (
            f"({', '.join(kwargs.get('column_list') or [])}) difieren entre sí en cada fila"
        ),
        "expect_multicolumn_sum_to_equal": lambda: (
            f"la suma de ({', '.join(kwargs.get('column_list') or [])}) es {kwargs.get('sum_total')} en cada fila"
        ),
        "expect_column_pair_values_a_to_be_greater_than_b": lambda: (
            f"«{kwargs.get('column_A')}» es mayor {'o igual ' if kwargs.get('or_equal') else ''}"
            f"que «{kwargs.get('column_B')}»"
        ),
        "expect_column_pair_values_to_be_equal": lambda: (
            f"«{kwargs.get('column_A')}» es igual a «{kwargs.get('column_B')}»"
        ),
        "expect_table_row_count_to_be_between": lambda: (
            f"la tabla tiene al menos {_bound(low)} fila(s)"
            if high is None and low is not None
            else f"la tabla tiene {_range(low, high)} filas"
        ),
        "expect_table_row_count_to_equal": lambda: f"la tabla tiene exactamente {kwargs.get('value')} filas",
        "expect_table_column_count_to_equal": lambda: f"la tabla tiene exactamente {kwargs.get('value')} columnas",
        "expect_table_columns_to_match_set": lambda: (
            f"la tabla tiene las {len(kwargs.get('column_set') or [])} columnas esperadas"
            + (" y ninguna otra" if kwargs.get("exact_match") else "")
        ),
        "expect_table_columns_to_match_ordered_list": lambda: (
            f"la tabla tiene las {len(kwargs.get('column_list') or [])} columnas esperadas, en ese orden"
        ),
        "unexpected_rows_expectation": lambda: "una consulta SQL de control no encuentra filas inesperadas",
    }
    text = texts[expectation_type]() if expectation_type in texts else expectation_name(expectation_type, kwargs)
    mostly = kwargs.get("mostly")
    if isinstance(mostly, int | float) and mostly < 1:
        text += f" (en al menos el {mostly * 100:g} % de las filas)"
    condition = kwargs.get("row_condition")
    if condition and expectation_type in texts:
        text += f" (solo filas donde {condition_text(condition)})"
    return text


def _range(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"entre {_bound(low)} y {_bound(high)}"
    if low is not None:
        return f"≥ {_bound(low)}"
    if high is not None:
        return f"≤ {_bound(high)}"
    return "en cualquier rango"


def _bound(value: Any) -> str:
    """A bound as written in the suite (2000.0 -> 2000), without thousands separators: years stay years."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _values(values: Any, limit: int = 12) -> str:
    items = [str(value) for value in (values or [])]
    shown = ", ".join(items[:limit])
    return shown + (f" … ({len(items)} en total)" if len(items) > limit else "")


def observed_text(outcome: Mapping[str, Any]) -> str:
    """Return the observed value in one line: failing rows of all rows for row checks, else the measured value."""
    if outcome.get("error"):
        return "no se pudo medir (ver error)"
    unexpected, total = outcome.get("unexpected_count"), outcome.get("element_count")
    if total == 0:
        return "0 filas a verificar"
    if unexpected is not None:
        text = f"{format_number(unexpected)} de {format_number(total)} filas no cumplen"
        percent = outcome.get("unexpected_percent")
        return text + (f" ({percent:.2f} %)" if unexpected and isinstance(percent, int | float) else "")
    observed = outcome.get("observed_value")
    if observed is None:
        return "—"
    if isinstance(observed, list):
        noun = "columnas" if outcome["type"].startswith("expect_table_columns") else "valores"
        return f"{len(observed)} {noun}"
    if isinstance(observed, int | float):
        return format_number(observed)
    text = observed if isinstance(observed, str) else json.dumps(observed, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _observed_list(outcome: Mapping[str, Any]) -> list[str] | None:
    observed = outcome.get("observed_value")
    if isinstance(observed, list) and not outcome.get("error"):
        return [str(value) for value in observed]
    return None


def _examples_view(outcome: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return failing examples as a table (rows with lineage columns first and the file line), a column-set
    difference, or a plain list of values."""
    examples = list(outcome.get("examples") or [])
    if not examples:
        return None
    if outcome["type"].startswith("expect_table_columns_to_match") and isinstance(examples[0], Mapping):
        mismatch = examples[0]
        return {
            "kind": "columns",
            "missing": [str(c) for c in mismatch.get("missing") or []],
            "unexpected": [str(c) for c in mismatch.get("unexpected") or []],
        }
    if all(isinstance(example, Mapping) for example in examples):
        keys: list[str] = []
        for example in examples:
            keys.extend(key for key in example if key not in keys)
        lineage = [key for key in LINEAGE_COLUMNS if key in keys]
        other = [key for key in keys if key not in LINEAGE_COLUMNS]
        line_column = {"_source_row": "línea del archivo", "_source_rows": "líneas del archivo"}
        header = [
            *(h for key in lineage for h in ([key, line_column[key]] if key in line_column else [key])),
            *other,
        ]
        rows = []
        for example in examples:
            cells = []
            for key in lineage:
                cells.append(_cell(key, example.get(key)))
                if key in line_column:
                    cells.append({"text": _file_lines(example.get(key)), "title": None, "mono": False})
            cells.extend(_cell(key, example.get(key)) for key in other)
            rows.append(cells)
        return {"kind": "rows", "header": header, "rows": rows, "has_lineage": bool(lineage)}
    return {"kind": "values", "values": [_plain(example) for example in examples]}


def _file_lines(rows: Any) -> str:
    """The file line(s) of ``_source_row`` (one int) or ``_source_rows`` (a list): row + 1, the header is line 1."""
    if isinstance(rows, int):
        return str(rows + 1)
    if isinstance(rows, list) and all(isinstance(row, int) for row in rows):
        return ", ".join(str(row + 1) for row in rows)
    return "—"


def _cell(key: str, value: Any) -> dict[str, Any]:
    text = _plain(value)
    if key == "_source_sha256" or (isinstance(value, str) and SHA256_RE.match(value)):
        return {"text": short_hash(text), "title": text, "mono": True}
    return {"text": text, "title": None, "mono": key.startswith("_")}


def _plain(value: Any) -> str:
    if value is None:
        return "(nulo)"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return ", ".join(str(item) for item in value)  # e.g. _source_rows
    return json.dumps(value, ensure_ascii=False, default=str)


def short_hash(value: Any, length: int = 12) -> str:
    """Return the first characters of a SHA-256 followed by an ellipsis."""
    text = str(value or "")
    return text[:length] + "…" if len(text) > length else text


def format_number(value: Any) -> str:
    """Return a number with thousands separators; integral floats without decimals."""
    if isinstance(value, bool) or value is None:
        return str(value) if value is not None else "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.2f}"
    return str(value)


def format_time(value: str | None) -> str:
    """Return an ISO timestamp as ``YYYY-MM-DD HH:MM:SS UTC`` (timestamps here are UTC)."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def cadence_label(seconds: int) -> str:
    """Return a cadence in words: diaria, semanal, mensual, anual, or ``cada N días``."""
    days = seconds / 86400
    names = {1: "diaria", 7: "semanal", 30: "mensual", 31: "mensual", 365: "anual", 366: "anual"}
    if days in names:
        return f"{names[int(days)]} (cada {days:g} día{'s' if days != 1 else ''})"
    return f"cada {days:g} días" if days >= 1 else f"cada {seconds // 3600} h"
