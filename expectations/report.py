"""Turn GX validation results into the gate's outcomes, its JSON report and its console summary."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from expectations.settings import CRITICAL, MAX_EXAMPLES, SEVERITIES

logger = logging.getLogger(__name__)

SUITE_RUN = "suite_run"
MAX_ERROR_CHARS = 2000

# An outcome's status. A passed expectation that had no rows to check (an empty table, or a row condition no row
# meets: element_count 0) is "not applicable"; a failed one that raised instead of measuring is an "error". Only
# failed and error outcomes count against the gate (critical ones block it).
PASSED = "passed"
FAILED = "failed"
NOT_APPLICABLE = "not_applicable"
ERROR = "error"
STATUSES = (PASSED, FAILED, NOT_APPLICABLE, ERROR)


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result, flattened for reports."""

    suite: str
    name: str
    type: str
    severity: str
    success: bool
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    expectation_id: str | None = None
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None
    table: str | None = None  # schema.table of the validated asset

    @property
    def status(self) -> str:
        """Return passed, failed, not_applicable (passed with no rows to check) or error (could not be measured)."""
        if not self.success:
            return ERROR if self.error else FAILED
        return NOT_APPLICABLE if self.element_count == 0 else PASSED


@dataclass(frozen=True)
class SuiteOutcome:
    """All outcomes of one suite (one checkpoint run)."""

    suite: str
    outcomes: tuple[ExpectationOutcome, ...]
    table: str | None = None  # schema.table the suite validates (None when the suite could not be resolved)
    queries: dict[str, str] = field(default_factory=dict)  # query assets (checks across tables): name -> SQL

    @property
    def passed(self) -> bool:
        """True when no critical expectation failed (warnings may have)."""
        return not any(not o.success and o.severity == CRITICAL for o in self.outcomes)

    @property
    def status(self) -> str:
        if not self.passed:
            return "FAILED"
        return "PASSED" if all(o.success for o in self.outcomes) else "PASSED with warnings"

    def counts(self) -> dict[str, dict[str, int]]:
        """Return ``{severity: {status: n}}`` for every severity and status (see :data:`STATUSES`)."""
        return count_statuses(self.outcomes)


def count_statuses(outcomes: Iterable[ExpectationOutcome]) -> dict[str, dict[str, int]]:
    """Return ``{severity: {"passed": n, "failed": n, "not_applicable": n, "error": n}}`` over ``outcomes``."""
    counts = {severity: dict.fromkeys(STATUSES, 0) for severity in SEVERITIES}
    for outcome in outcomes:
        counts[outcome.severity][outcome.status] += 1
    return counts


def expectation_name(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    """Return a short readable name such as ``expect_column_values_to_be_between(mes_eje)``.

    The columns come from the kwargs; a row condition is appended (``... where pim == 0``) so that two expectations
    of one type on one column stay distinguishable.
    """
    if "column" in kwargs:
        name = f"{expectation_type}({kwargs['column']})"
    elif "column_list" in kwargs:
        name = f"{expectation_type}({', '.join(kwargs['column_list'])})"
    elif "column_A" in kwargs:
        name = f"{expectation_type}({kwargs['column_A']}, {kwargs['column_B']})"
    elif "column_set" in kwargs:
        exact = ", exact" if kwargs.get("exact_match") else ""
        name = f"{expectation_type}({len(kwargs['column_set'])} columns{exact})"
    else:
        name = expectation_type
    condition = kwargs.get("row_condition")
    return f"{name} where {condition_text(condition)}" if condition else name


def condition_text(condition: Any) -> str:
    """Render a serialized GX row condition (``{"column": {"name": "pim"}, "operator": "==", ...}``) as text."""
    if isinstance(condition, Mapping):
        if condition.get("type") == "comparison":
            return f"{condition['column']['name']} {condition['operator']} {condition['parameter']!r}"
        if condition.get("type") in ("and", "or"):
            joiner = f" {condition['type']} "
            return "(" + joiner.join(condition_text(part) for part in condition.get("conditions", [])) + ")"
    return str(condition)


def read_severity(meta: Mapping[str, Any] | None, name: str) -> str:
    """Return ``meta["severity"]``; a missing or unknown severity counts as critical (the gate fails closed)."""
    severity = (meta or {}).get("severity")
    if severity in SEVERITIES:
        return str(severity)
    logger.warning("expectation %s has no valid meta.severity (%r): treated as critical", name, severity)
    return CRITICAL


def suite_error_outcome(suite: str, error: BaseException, table: str | None = None) -> ExpectationOutcome:
    """Return the critical failure that stands for a suite that could not run (missing table, locked file...)."""
    return ExpectationOutcome(
        suite=suite,
        name=SUITE_RUN,
        type=SUITE_RUN,
        severity=CRITICAL,
        success=False,
        description="La suite no pudo ejecutarse sobre el almacén (tabla ausente, archivo bloqueado...)",
        error=f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS],
        table=table,
    )


def outcomes_from_suite_result(
    suite: str, suite_result: Any, table: str | None = None
) -> tuple[ExpectationOutcome, ...]:
    """Flatten a GX ``ExpectationSuiteValidationResult`` into outcomes, in the suite's order."""
    return tuple(_outcome(suite, result, table) for result in suite_result.results)


def _outcome(suite: str, result: Any, table: str | None = None) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = _jsonable({key: value for key, value in dict(config.kwargs).items() if key != "batch_id"})
    name = expectation_name(config.type, kwargs)
    details: dict[str, Any] = dict(result.result or {})
    meta = dict(config.meta or {})
    return ExpectationOutcome(
        suite=suite,
        name=name,
        type=config.type,
        severity=read_severity(meta, name),
        success=bool(result.success),
        kwargs=kwargs,
        description=meta.get("description") or config.description,
        expectation_id=config.id,
        observed_value=_jsonable(details.get("observed_value")),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        examples=_jsonable(_examples(details)),
        error=_error_message(result.exception_info),
        table=table,
    )


def _examples(details: Mapping[str, Any]) -> list[Any]:
    """Up to MAX_EXAMPLES unexpected rows, with their index columns (_source_row...) when GX returned them; for a
    table's column set, the missing and unexpected columns."""
    for key in ("partial_unexpected_index_list", "partial_unexpected_list"):
        if details.get(key):
            return list(details[key])[:MAX_EXAMPLES]
    extra = details.get("details") or {}
    if extra.get("mismatched"):  # table column sets: {"unexpected": [...], "missing": [...]}
        return [extra["mismatched"]]
    return list(extra.get("unexpected_rows") or [])[:MAX_EXAMPLES]


def _error_message(exception_info: Any) -> str | None:
    """Return the exception message(s) GX recorded for an expectation, if any."""
    if not exception_info:
        return None
    infos: Iterable[Any] = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    messages = [
        str(info.get("exception_message"))
        for info in infos
        if isinstance(info, Mapping) and info.get("raised_exception", True) and info.get("exception_message")
    ]
    return "; ".join(dict.fromkeys(messages))[:MAX_ERROR_CHARS] or None


def _jsonable(value: Any) -> Any:
    """Make a value JSON-serializable (GX returns Decimal, datetime, tuples and GX objects)."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    for method in ("to_json_dict", "dict"):  # GX objects, pydantic models (row conditions)
        if callable(getattr(value, method, None)):
            return getattr(value, method)()
    return str(value)


def report_dict(
    *,
    run_id: str,
    run_time: str,
    database: Path,
    passed: bool,
    suites: Sequence[SuiteOutcome],
    data_docs: Path | None,
) -> dict[str, Any]:
    """Return the JSON report: run id, time, overall result and every expectation's outcome per suite."""
    return {
        "run_id": run_id,
        "run_time": run_time,
        "warehouse": str(database),
        "passed": passed,
        "data_docs": str(data_docs) if data_docs else None,
        "suites": [
            {
                "suite": suite.suite,
                "table": suite.table,
                "passed": suite.passed,
                "counts": suite.counts(),
                "expectations": [{**asdict(outcome), "status": outcome.status} for outcome in suite.outcomes],
            }
            for suite in suites
        ],
    }


def write_json_atomically(path: Path, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` as indented JSON to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def format_summary(suites: Sequence[SuiteOutcome], *, max_examples: int = 3) -> str:
    """Return the console summary: per suite passed/failed per severity, then each failing expectation."""
    lines: list[str] = []
    for suite in suites:
        counts = suite.counts()
        tally = ", ".join(_tally(severity, counts[severity]) for severity in SEVERITIES)
        lines.append(f"{suite.suite}: {suite.status} ({tally})")
        for outcome in suite.outcomes:
            if not outcome.success:
                lines.append(f"  [{outcome.severity}] {outcome.name}: {_failure_detail(outcome, max_examples)}")
    return "\n".join(lines)


def _tally(severity: str, counts: Mapping[str, int]) -> str:
    text = f"{severity} {counts[PASSED]} passed / {counts[FAILED]} failed"
    if counts[NOT_APPLICABLE]:
        text += f" / {counts[NOT_APPLICABLE]} not applicable"
    if counts[ERROR]:
        text += f" / {counts[ERROR]} error"
    return text


def _failure_detail(outcome: ExpectationOutcome, max_examples: int) -> str:
    if outcome.error:
        return f"error: {first_line(outcome.error)}"
    parts = []
    if outcome.unexpected_count is not None:
        total = f" of {outcome.element_count}" if outcome.element_count is not None else ""
        parts.append(f"{outcome.unexpected_count} unexpected{total}")
    elif outcome.observed_value is not None and not outcome.examples:
        parts.append(f"observed {_short(outcome.observed_value)}")
    if outcome.examples:
        shown = "; ".join(_short(example) for example in outcome.examples[:max_examples])
        parts.append(f"e.g. {shown}")
    return ", ".join(parts) or "failed"


def first_line(text: str, limit: int = 300) -> str:
    """Return the first line of an error message, cut to ``limit`` characters (full text stays in the JSON)."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _short(value: Any, limit: int = 160) -> str:
    if isinstance(value, Mapping):
        text = ", ".join(f"{key}={_shorten_hash(item)}" for key, item in value.items())
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shorten_hash(value: Any) -> str:
    text = str(value)
    return text[:12] + "..." if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text
