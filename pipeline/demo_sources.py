"""The files ``make demo`` loads, one per source, in load order: one list for the demo script and the tests.

Real published samples from ``../shared/realdata`` where real rows exist, the project's example files (an M&E unit's
indicator file, municipal exports with invented people), and files generated in a source's exact layout where no
real rows can be had here (InfObras, SIAF Devengado mensual, SIAF Ingreso). ``<TABLE>`` in the environment (e.g.
``SIAF_GASTO=/data/2026-Gasto-Diario.csv``) replaces a source's file; an empty location means the source's own
default (the shipped ubigeo reference). ``DEMO_ONLY=ubigeo-inei,siaf-gasto`` loads only those sources (the
end-to-end test uses it to keep the Airflow path short; every source's own loading has its own tests).

    python -m pipeline.demo_sources --generated-dir warehouse/demo-input   # prints source|location lines
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline.paths import PROJECT_ROOT

REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"
EXAMPLES = PROJECT_ROOT / "examples" / "municipal"


def _generate_infobras(out: Path) -> None:
    from benchmarks.generate_infobras import main

    main(["--rows", "2000", "--seed", "7", "--out", str(out)])


def _generate_devengado(out: Path) -> None:
    from benchmarks.generate_siaf_devengado import main

    main(["--rows", "2000", "--year", "2025", "--seed", "7", "--out", str(out)])


def _generate_ingreso(out: Path) -> None:
    from benchmarks.generate_siaf_ingreso import main

    main(["--rows", "400", "--year", "2026", "--seed", "7", "--out", str(out)])


# source -> its demo file: a path, "" (the source's default location), or (file name, generator)
DEMO_SOURCES: dict[str, str | Path | tuple[str, Callable[[Path], None]]] = {
    "ubigeo-inei": "",  # first: the other sources' codes are checked against it
    "siaf-gasto": REALDATA / "siaf_gasto" / "mef-2026-gasto-diario.head.csv",
    # a 2025 Devengado mensual file, so the budget marts hold two years (the gasto sample is 2026)
    "siaf-devengado-mensual": ("2025-Gasto-Devengado-Mensual.csv", _generate_devengado),
    "siaf-ingreso": ("2026-Ingreso.csv", _generate_ingreso),
    "pp-indicadores": PROJECT_ROOT / "reference" / "pp_indicadores" / "pp-indicadores-ejemplo.csv",
    "consulta-amigable-municipalidades": REALDATA
    / "consulta_amigable"
    / "ejecucion-gasto-municipalidades-2024-2025.xlsx",
    "ssi-inversiones": REALDATA / "invierte" / "ssi-portalgeneral-madre-de-dios-2019.csv",
    "invierte-inversiones": REALDATA / "invierte" / "invierte-consulta-50-rows.xlsx",
    "obras-paralizadas-alertas": REALDATA / "obras_paralizadas" / "alertas-obras-paralizadas-2026-05.xlsx",
    # the 47 known InfObras columns are real, the other 50 are named as unidentified (benchmarks/generate_infobras.py)
    "infobras-obras": ("DataSet-Obras-Publicas-generado.xlsx", _generate_infobras),
    # Pachacamac's MINKACUNI 2021 and Coyllurqui's participatory budgeting, with invented people
    "municipal-recaudacion-campanas": EXAMPLES / "minkacuni-2021-recaudacion.xlsx",
    "municipal-obras-vecinales": EXAMPLES / "minkacuni-2021-obras-vecinales.csv",
    "municipal-pp-participantes": EXAMPLES / "coyllurqui-pp-participantes.csv",
    "municipal-pp-acuerdos": EXAMPLES / "coyllurqui-pp-acuerdos.csv",
    "municipal-pp-comite": EXAMPLES / "coyllurqui-pp-comite.csv",
}


def demo_locations(generated_dir: Path) -> dict[str, str]:
    """Return source -> location in load order, writing the generated files into ``generated_dir`` (once: an
    existing file is kept, so a second demo run loads the same bytes and finds every source unchanged)."""
    from ingest.contracts import registry

    sources = registry().sources
    only = {name.strip() for name in os.environ.get("DEMO_ONLY", "").split(",") if name.strip()}
    unknown = only - set(DEMO_SOURCES)
    if unknown:
        raise SystemExit(f"DEMO_ONLY names sources the demo does not load: {', '.join(sorted(unknown))}")
    locations: dict[str, str] = {}
    for source, spec in DEMO_SOURCES.items():
        if only and source not in only:
            continue
        override = os.environ.get(sources[source].table.upper())
        if override:
            locations[source] = override
        elif isinstance(spec, tuple):
            name, make = spec
            out = generated_dir / name
            if not out.exists():
                generated_dir.mkdir(parents=True, exist_ok=True)
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    make(out)  # the generators print a summary line
            locations[source] = str(out)
        else:
            locations[source] = str(spec)
    return locations


def main(argv: list[str] | None = None) -> int:
    """Print ``source|location`` per line, generating the files that need it."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.demo_sources", description=__doc__.splitlines()[0])
    parser.add_argument("--generated-dir", type=Path, required=True, help="where generated files are written")
    args = parser.parse_args(argv)
    for source, location in demo_locations(args.generated_dir).items():
        print(f"{source}|{location}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
