"""Loading twice equals loading once; a newer file for a year replaces that year, and only that year."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import ingest.load
from ingest.load import _Load, load
from tests.ingest.helpers import edited_copy, query

# MEF's older YYYY-Gasto.csv names three code pairs differently (diccionario-gasto.xlsx in ../shared/realdata).
LEGACY_RENAMES = {
    "nivel_gobierno": "TIPO_GOBIERNO",
    "nivel_gobierno_nombre": "TIPO_GOBIERNO_NOMBRE",
    "fuente_financiamiento": "FUENTE_FINANC",
    "fuente_financiamiento_nombre": "FUENTE_FINANC_NOMBRE",
    "categoria_gasto": "CATEG_GASTO",
    "categoria_gasto_nombre": "CATEG_GASTO_NOMBRE",
}


def _counts(warehouse: Path) -> list[tuple]:
    return query(warehouse, "select ano_eje, count(*), sum(monto_devengado) from raw.siaf_gasto group by 1 order by 1")


def _as_year(lines: list[bytes], year: bytes) -> list[bytes]:
    return [lines[0], *(line.replace(b'"2026"', b'"' + year + b'"', 1) for line in lines[1:])]


def test_same_file_twice_leaves_one_copy(siaf_sample: Path, warehouse: Path) -> None:
    first = load("siaf-gasto", str(siaf_sample))
    once = _counts(warehouse)
    second = load("siaf-gasto", str(siaf_sample))
    assert second.status == "unchanged" and "identical to load 1" in second.message
    assert _counts(warehouse) == once
    forced = load("siaf-gasto", str(siaf_sample), force=True)
    assert forced.status == "loaded"
    assert _counts(warehouse) == once
    assert query(warehouse, "select distinct _load_id from raw.siaf_gasto") == [(forced.load_id,)]
    assert query(warehouse, "select count(*) from information_schema.tables where table_schema = 'raw_loads'") == [(1,)]
    assert first.rows_loaded == forced.rows_loaded == 127


def test_newer_file_replaces_its_year_only(siaf_sample: Path, warehouse: Path, tmp_path: Path) -> None:
    older_year = edited_copy(siaf_sample, tmp_path / "2025-Gasto.csv", lambda ls: _as_year(ls, b"2025"))
    load("siaf-gasto", str(older_year))
    load("siaf-gasto", str(siaf_sample))
    before = _counts(warehouse)
    assert [row[:2] for row in before] == [(2025, 127), (2026, 127)]

    # The next day's file: the same year, a few rows fewer (within the contract's 10 % shrink tolerance).
    newer = edited_copy(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", lambda ls: [*ls[:121], b""])
    result = load("siaf-gasto", str(newer))
    assert result.partitions == ["2026"] and result.rows_loaded == 120
    after = _counts(warehouse)
    assert after[0] == before[0]
    assert after[1][:2] == (2026, 120)
    assert query(warehouse, "select count(*), max(_source_row) from raw.siaf_gasto where ano_eje = 2026") == [
        (120, 120)
    ]
    current = query(warehouse, "select partition_value, load_id from ops.current_partitions order by 1")
    assert current == [("2025", 1), ("2026", result.load_id)]


def test_legacy_layout_is_detected_and_mapped(siaf_sample: Path, warehouse: Path, tmp_path: Path) -> None:
    # The older YYYY-Gasto.csv header: three renamed code pairs and no TIPO_ACT_PROY_NOMBRE column.
    def to_legacy(lines: list[bytes]) -> list[bytes]:
        out = []
        drop = 21  # position of TIPO_ACT_PROY_NOMBRE
        for number, line in enumerate(lines):
            if not line:
                out.append(line)
                continue
            fields = line.split(b'","')
            del fields[drop]
            if number == 0:
                for canonical, legacy in LEGACY_RENAMES.items():
                    fields = [legacy.encode() if f == canonical.upper().encode() else f for f in fields]
            out.append(b'","'.join(fields))
        return out

    legacy = edited_copy(siaf_sample, tmp_path / "2019-Gasto.csv", to_legacy)
    result = load("siaf-gasto", str(legacy))
    assert (result.layout, result.rows_loaded) == ("gasto-anual-legacy", 127)
    rows = query(
        warehouse,
        "select count(*), count(tipo_act_proy_nombre), min(nivel_gobierno), min(fuente_financiamiento),"
        " min(categoria_gasto) from raw.siaf_gasto",
    )
    assert rows == [(127, 0, "R", "1", "5")]


class _Passes:
    """Record every full pass over a file (``scan``: digest and line count; ``sha256``: digest only) and make it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, Path]] = []
        for name, attribute in (("scan", "scan"), ("sha256", "sha256_of")):
            monkeypatch.setattr(ingest.load, attribute, self._recording(name, getattr(ingest.load, attribute)))

    def _recording(self, name: str, real: Callable[[Path], object]) -> Callable[[Path], object]:
        def call(path: Path) -> object:
            self.calls.append((name, path))
            return real(path)

        return call


def _never_read(*_: object, **__: object) -> None:
    raise AssertionError("the file was read")


def test_unchanged_local_file_is_skipped_before_it_is_read(
    siaf_sample: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load("siaf-gasto", str(siaf_sample))
    passes = _Passes(monkeypatch)
    monkeypatch.setattr(_Load, "_read_csv_typed", _never_read)
    monkeypatch.setattr(ingest.load, "read_header", _never_read)
    again = load("siaf-gasto", str(siaf_sample))
    assert (again.status, again.sha256, again.layout, again.rows_read) == ("unchanged", first.sha256, first.layout, 0)
    assert passes.calls == [("sha256", siaf_sample)]  # one hashing pass, and no read
    tables = query(warehouse, "select table_name from duckdb_tables() where schema_name = 'raw_loads'")
    assert tables == [(f"siaf_gasto__{first.load_id:06d}",)]  # no table was created for the skipped load
    assert query(warehouse, "select status, bytes from ops.load_log where load_id = ?", [again.load_id]) == [
        ("unchanged", siaf_sample.stat().st_size)
    ]


def test_a_changed_file_of_the_same_size_is_loaded(
    siaf_sample: Path, warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load("siaf-gasto", str(siaf_sample))
    # row 1's month 5 -> 6: same byte size, other bytes, so only the SHA-256 can tell
    same_size = edited_copy(
        siaf_sample, tmp_path / "2026-Gasto-Diario.csv", lambda ls: [ls[0], _month_6(ls[1]), *ls[2:]]
    )
    assert same_size.stat().st_size == siaf_sample.stat().st_size
    passes = _Passes(monkeypatch)
    result = load("siaf-gasto", str(same_size))
    assert result.status == "loaded" and result.sha256 != first.sha256
    assert passes.calls == [("sha256", same_size), ("scan", same_size)]  # hashed first, then again while read
    assert query(warehouse, "select mes_eje from raw.siaf_gasto where _source_row = 1") == [(6,)]


def test_a_file_of_another_size_is_hashed_only_while_it_is_read(
    siaf_sample: Path, warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load("siaf-gasto", str(siaf_sample))
    shorter = edited_copy(siaf_sample, tmp_path / "2026-Gasto-Diario.csv", lambda ls: [*ls[:126], b""])
    passes = _Passes(monkeypatch)
    result = load("siaf-gasto", str(shorter))
    assert (result.status, result.rows_loaded, passes.calls) == ("loaded", 125, [("scan", shorter)])


def _month_6(line: bytes) -> bytes:
    fields = line.split(b'","')
    assert fields[1] == b"5"
    fields[1] = b"6"
    return b'","'.join(fields)
