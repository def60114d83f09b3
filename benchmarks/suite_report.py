"""The pure part of the benchmark suite (``benchmarks/suite.py``): its figures, the targets and the Markdown report.

Nothing here runs or times anything: the suite measures, this module judges and renders, and the tests check it on
figures they make up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

START_MARKER = "<!-- bench-suite:start -->"
END_MARKER = "<!-- bench-suite:end -->"

# The stages of one full daily run, in order; their sum is "end to end".
E2E_STAGES = ("download", "reference", "load", "dbt", "gate", "publish", "export")
# What `python -m pipeline run` does of those (it does not export): the no-op share's denominator without a
# separate pipeline run.
RUN_STAGES = ("download", "reference", "load", "dbt", "gate", "publish")
STAGE_LABELS = {
    "download": "download from a loopback HTTP server",
    "reference": "load INEI ubigeo (reference)",
    "load": "load SIAF gasto",
    "bare": "bare DuckDB `read_csv`, same file",
    "dbt": "dbt build (every model and test)",
    "gate": "quality gate (every suite)",
    "publish": "publish",
    "export": "open-data export",
    "e2e": "**end to end** (sum of the stages)",
    "pipeline-run": "`python -m pipeline run`, one process",
    "noop": "no-op re-run, same URL",
}

LOAD_OVER_BARE_MAX = 1.25
PEAK_GROWTH_MAX = 1.5  # "flat": peak RSS of a stage grows at most 1.5x while its input grows 4x
LINEARITY_SLACK = 1.1  # 4x the input in at most 4.4x the time
NOOP_SHARE_MAX = 0.05


@dataclass(frozen=True)
class Measure:
    """One stage run in its own process: seconds (imports included), peak RSS in MiB, and what the stage reported."""

    seconds: float
    peak_mib: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SizeRun:
    """Every stage measured on one generated file."""

    label: str  # "1x", "2x", "4x", "national year"
    multiplier: float
    file_mib: float
    rows: int
    stages: dict[str, Measure] = field(default_factory=dict)

    def e2e(self) -> Measure | None:
        """Return the sum of the end-to-end stages (seconds; the largest peak), or None when one is missing."""
        if any(name not in self.stages for name in E2E_STAGES):
            return None
        parts = [self.stages[name] for name in E2E_STAGES]
        return Measure(sum(m.seconds for m in parts), max(m.peak_mib for m in parts))

    def load_over_bare(self) -> float | None:
        if "load" not in self.stages or "bare" not in self.stages:
            return None
        return self.stages["load"].seconds / self.stages["bare"].seconds

    def full_run_seconds(self) -> tuple[float, str] | None:
        """Return the full run the no-op re-run is compared with: the one-process pipeline run when measured, else
        the sum of the stages that run does."""
        if "pipeline-run" in self.stages:
            return self.stages["pipeline-run"].seconds, "`python -m pipeline run`"
        if all(name in self.stages for name in RUN_STAGES):
            return sum(self.stages[name].seconds for name in RUN_STAGES), "the sum of its stages"
        return None

    def noop_share(self) -> float | None:
        full = self.full_run_seconds()
        if "noop" not in self.stages or full is None:
            return None
        return self.stages["noop"].seconds / full[0]

    def dominant_stage(self) -> tuple[str, float] | None:
        """Return the end-to-end stage that took longest and its share of the end-to-end time."""
        total = self.e2e()
        if total is None or total.seconds <= 0:
            return None
        name = max(E2E_STAGES, key=lambda n: self.stages[n].seconds)
        return name, self.stages[name].seconds / total.seconds


@dataclass(frozen=True)
class Target:
    """One target of the suite: what was measured and whether it is met (None: reported only, or not measured)."""

    name: str
    measured: str
    met: bool | None


def _scaled(runs: list[SizeRun]) -> tuple[SizeRun, SizeRun] | None:
    ordered = sorted(runs, key=lambda r: r.multiplier)
    if len(ordered) < 2 or ordered[0].multiplier == ordered[-1].multiplier:
        return None
    return ordered[0], ordered[-1]


def evaluate_targets(runs: list[SizeRun], national: SizeRun | None = None) -> list[Target]:
    """Judge the measured runs against the suite's targets (see ``docs/benchmarks.md``)."""
    targets: list[Target] = []
    ratios = [(r.label, ratio) for r in runs if (ratio := r.load_over_bare()) is not None]
    if ratios:
        label, worst = max(ratios, key=lambda item: item[1])
        targets.append(
            Target(
                f"load ≤ {LOAD_OVER_BARE_MAX}x bare DuckDB",
                f"worst {worst:.2f}x ({label})",
                worst <= LOAD_OVER_BARE_MAX,
            )
        )
    else:
        targets.append(Target(f"load ≤ {LOAD_OVER_BARE_MAX}x bare DuckDB", "not measured", None))

    pair = _scaled(runs)
    growth_name = f"peak memory flat (≤ {PEAK_GROWTH_MAX}x while the input grows)"
    linear_name = "cost linear (time ratio ≤ 1.1 x input ratio)"
    if pair is None:
        targets += [Target(growth_name, "needs two sizes", None), Target(linear_name, "needs two sizes", None)]
    else:
        small, large = pair
        growth = [
            (name, large.stages[name].peak_mib / small.stages[name].peak_mib)
            for name in (*E2E_STAGES, "bare")
            if name in small.stages and name in large.stages and small.stages[name].peak_mib > 0
        ]
        if growth:
            name, worst = max(growth, key=lambda item: item[1])
            targets.append(
                Target(
                    growth_name,
                    f"worst {worst:.2f}x ({STAGE_LABELS[name]}, {large.label} over {small.label})",
                    worst <= PEAK_GROWTH_MAX,
                )
            )
        else:
            targets.append(Target(growth_name, "not measured", None))
        small_e2e, large_e2e = small.e2e(), large.e2e()
        input_ratio = large.multiplier / small.multiplier
        if small_e2e is None or large_e2e is None or small_e2e.seconds <= 0:
            targets.append(Target(linear_name, "not measured", None))
        else:
            time_ratio = large_e2e.seconds / small_e2e.seconds
            targets.append(
                Target(
                    linear_name,
                    f"{input_ratio:g}x input: {time_ratio:.2f}x time (limit {LINEARITY_SLACK * input_ratio:.1f}x)",
                    time_ratio <= LINEARITY_SLACK * input_ratio,
                )
            )

    largest = max(runs, key=lambda r: r.multiplier) if runs else None
    share = largest.noop_share() if largest is not None else None
    noop_name = f"no-op daily run ≤ {NOOP_SHARE_MAX:.0%} of a full run"
    if largest is None or share is None:
        targets.append(Target(noop_name, "not measured", None))
    else:
        full = largest.full_run_seconds()
        assert full is not None
        targets.append(
            Target(
                noop_name,
                f"{share:.1%} ({largest.label}: {largest.stages['noop'].seconds:.1f} s of {full[0]:.1f} s, {full[1]})",
                share <= NOOP_SHARE_MAX,
            )
        )

    gate_ratios = [
        (r.label, r.stages["gate"].seconds / r.stages["load"].seconds)
        for r in runs
        if "gate" in r.stages and "load" in r.stages
    ]
    if gate_ratios:
        label, worst = max(gate_ratios, key=lambda item: item[1])
        targets.append(
            Target("gate ≤ load time on the same data", f"worst {worst:.2f}x the load ({label})", worst <= 1)
        )
    else:
        targets.append(Target("gate ≤ load time on the same data", "not measured", None))

    national_name = "end to end, a generated national year (10 GB), dominating stage named"
    total = national.e2e() if national is not None else None
    dominant = national.dominant_stage() if national is not None else None
    if national is None or total is None or dominant is None:
        targets.append(Target(national_name, "not run (`--national`)", None))
    else:
        targets.append(
            Target(
                national_name,
                f"{_duration(total.seconds)} for {national.file_mib / 1024:.1f} GiB, {national.rows:,} rows; "
                f"{STAGE_LABELS[dominant[0]]} dominates ({dominant[1]:.0%})",
                None,
            )
        )
    return targets


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


def _cell(measure: Measure | None) -> str:
    if measure is None:
        return "-"
    return f"{measure.seconds:,.1f} s · {measure.peak_mib:,.0f} MiB"


def _ratio(large: float | None, small: float | None) -> str:
    if large is None or small is None or small <= 0:
        return "-"
    return f"{large / small:.2f}x"


def render_table(runs: list[SizeRun]) -> str:
    """Return the stage x size table: seconds and peak RSS per cell, the time ratio largest / smallest size."""
    ordered = sorted(runs, key=lambda r: r.multiplier)
    pair = _scaled(ordered)
    last = f"{pair[1].label}/{pair[0].label} time" if pair else "ratio"
    header = ["stage", *(f"{r.label}: {r.file_mib:,.0f} MiB, {r.rows:,} rows" for r in ordered), last]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    names = [*E2E_STAGES, "e2e", "pipeline-run", "noop", "bare"]
    for name in names:
        measures = [r.e2e() if name == "e2e" else r.stages.get(name) for r in ordered]
        if all(m is None for m in measures):
            continue
        cells = [_cell(m) for m in measures]
        if name == "noop":
            cells = [
                cell if (share := r.noop_share()) is None else f"{cell} ({share:.1%} of the full run)"
                for cell, r in zip(cells, ordered, strict=True)
            ]
        scale = "-"
        if pair:
            small = measures[0].seconds if measures[0] else None
            large = measures[-1].seconds if measures[-1] else None
            scale = _ratio(large, small)
        lines.append("| " + " | ".join([STAGE_LABELS[name], *cells, scale]) + " |")
    ratios = [r.load_over_bare() for r in ordered]
    if any(ratio is not None for ratio in ratios):
        cells = ["-" if ratio is None else f"{ratio:.2f}x" for ratio in ratios]
        lines.append("| " + " | ".join(["load / bare `read_csv`", *cells, ""]) + " |")
    dashboards = [r.stages.get("dashboard") for r in ordered]
    if any(d is not None for d in dashboards):
        cells = [
            "-" if d is None else f"p50 {d.extra['p50'] * 1000:,.0f} ms · p95 {d.extra['p95'] * 1000:,.0f} ms"
            for d in dashboards
        ]
        lines.append("| " + " | ".join(["dashboard queries (execution page)", *cells, ""]) + " |")
    return "\n".join(lines)


def render_targets(targets: list[Target]) -> str:
    """Return the targets as a Markdown table: target, measured, met / not met / reported."""
    lines = ["| target | measured | |", "|---|---|---|"]
    for target in targets:
        verdict = {True: "met", False: "**not met**", None: "reported"}[target.met]
        if target.met is None and target.measured.startswith(("not ", "needs ")):
            verdict = "-"
        lines.append(f"| {target.name} | {target.measured} | {verdict} |")
    return "\n".join(lines)


def render_report(
    runs: list[SizeRun],
    national: SizeRun | None,
    machine: dict[str, str],
    command: str,
) -> str:
    """Return the suite's whole Markdown section (without the markers)."""
    targets = evaluate_targets(runs, national)
    ordered = sorted(runs, key=lambda r: r.multiplier)
    labels = [r.label for r in ordered]
    sizes = " and ".join(filter(None, [", ".join(labels[:-1]), labels[-1]])) if labels else "a national year"
    base = f" of {ordered[0].file_mib / ordered[0].multiplier:,.0f} MiB" if ordered else ""
    parts = [
        f"### Latest run: every stage at {sizes} a base size{base}" if ordered else f"### Latest run: {sizes}",
        "",
        f"Measured {machine['date']} by `{command}` on {machine['machine']}. DuckDB {machine['duckdb']}, "
        f"Python {machine['python']}; {machine['settings']}. Load average before the run: {machine['load']}.",
        "",
        "Each stage runs in its own fresh process (time includes its imports; peak = `ru_maxrss` of the process and "
        "of the processes it waited for, such as dbt). End to end is the sum of the stages; the bare `read_csv` "
        "reads the same landed file into a fresh database with the same memory limit and threads.",
        "",
    ]
    if runs:
        parts += [render_table(runs), ""]
    if national is not None:
        parts += ["A generated national year:", "", render_table([national]), ""]
    parts += ["Targets (the suite reports them; no test times anything):", "", render_targets(targets), ""]
    dominant_runs = [r for r in (*sorted(runs, key=lambda r: r.multiplier)[-1:], national) if r is not None]
    for run in dominant_runs:
        dominant = run.dominant_stage()
        if dominant is not None:
            parts.append(
                f"Dominating stage at {run.label} ({run.file_mib:,.0f} MiB): {STAGE_LABELS[dominant[0]]}, "
                f"{dominant[1]:.0%} of end to end."
            )
    return "\n".join(parts).rstrip() + "\n"


def replace_section(document: str, section: str) -> str:
    """Return ``document`` with the text between the suite's markers replaced by ``section``; the markers and their
    section are appended when the document has none. Raises ``ValueError`` when only one marker is there, a marker
    is there twice, or the end comes before the start."""
    starts, ends = document.count(START_MARKER), document.count(END_MARKER)
    block = f"{START_MARKER}\n{section.rstrip()}\n{END_MARKER}"
    if starts == 0 and ends == 0:
        return document.rstrip("\n") + "\n\n" + block + "\n"
    if starts != 1 or ends != 1:
        raise ValueError(f"expected one {START_MARKER} and one {END_MARKER}, found {starts} and {ends}")
    start, end = document.index(START_MARKER), document.index(END_MARKER)
    if end < start:
        raise ValueError(f"{END_MARKER} comes before {START_MARKER}")
    return document[:start] + block + document[end + len(END_MARKER) :]
