"""The dashboard in a real browser (Playwright + Debian's chromium) against a published warehouse (conftest.py).

Every figure checked here is computed by the test itself from the published marts, not read from the app's code.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboard import fmt
from dashboard.server import arm, pick, settle
from tests.conftest import ROOT
from tests.dashboard.conftest import Site, changed_siaf

PAGES = {"ejecucion": "Ejecución presupuestal", "programas": "Programas presupuestales", "obras": "Obras públicas",
         "municipalidades": "Municipalidades", "calidad": "Calidad de datos"}  # fmt: skip
LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")


def scalar(site: Site, sql: str, params: list[Any] | None = None) -> Any:
    con = duckdb.connect(str(site.published), read_only=True)
    try:
        return con.execute(sql, params or []).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def page(site: Site) -> Iterator[Any]:
    """A fresh browser page that records every request leaving 127.0.0.1."""
    context = site.browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.outside = []  # type: ignore[attr-defined]
    page.on("request", lambda request: None if request.url.startswith(LOCAL) else page.outside.append(request.url))
    yield page
    context.close()


def open_page(page: Any, site: Site, name: str) -> None:
    page.goto(f"{site.url}/" + ("" if name == "ejecucion" else name))
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == PAGES[name]


def metric(page: Any, label: str) -> str:
    box = page.locator("[data-testid=stMetric]").filter(has_text=label).first
    return box.locator("[data-testid=stMetricValue]").inner_text().strip()


def choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (typing it filters the list) and wait for the rerun."""
    arm(page)
    pick(page, label, option)
    settle(page)


def national_devengado(site: Site) -> float:
    return float(
        scalar(
            site,
            "select sum(monto_devengado) from marts.fct_budget_execution where year = 2026 and month between 1 and"
            " (select max(month) from marts.fct_budget_execution where year = 2026)",
        )
    )


def test_every_page_loads_without_error_and_nothing_leaves_127_0_0_1(site: Site, page: Any) -> None:
    sha256 = scalar(site, "select sha256 from ops.load_log where source = 'siaf-gasto' order by load_id limit 1")
    for name in PAGES:
        open_page(page, site, name)
        assert page.locator("[data-testid=stException]").count() == 0, page.locator("[data-testid=stException]")
        # every page says as of which publication it is
        assert page.get_by_text(re.compile(r"Datos publicados el \d\d/\d\d/\d{4} \d\d:\d\d UTC")).count() == 1
        if name == "calidad":
            assert page.get_by_text(sha256).count() >= 1  # the load's file SHA-256 is listed
            assert metric(page, "Decisión") == "publicar"  # the fixture's gate passed
    assert page.outside == [], f"requests left 127.0.0.1: {page.outside[:5]}"


def test_national_devengado_equals_the_mart_and_a_filter_changes_it(site: Site, page: Any) -> None:
    open_page(page, site, "ejecucion")
    assert metric(page, "Devengado") == fmt.soles(national_devengado(site))
    # the function with the most devengado, but not all of it
    code, label, amount = (
        duckdb.connect(str(site.published), read_only=True)
        .execute(
            """select funcion, funcion || ' · ' || max(funcion_nombre), sum(monto_devengado)
           from marts.fct_budget_execution_wide where year = 2026 group by funcion order by 3 desc limit 1"""
        )
        .fetchone()
    )
    assert float(amount) != national_devengado(site)
    choose(page, "Función", label)
    expected = scalar(
        site, "select sum(monto_devengado) from marts.fct_budget_execution where year = 2026 and funcion = ?", [code]
    )
    assert metric(page, "Devengado") == fmt.soles(float(expected))
    # the files behind the figure: the SIAF sample's SHA-256 and the mart rows they make
    sha256 = scalar(site, "select sha256 from ops.load_log where source = 'siaf-gasto' order by load_id limit 1")
    expander = page.locator("[data-testid=stExpander]").filter(has_text="Ver filas de origen")
    expander.get_by_text("Ver filas de origen").click()
    with page.expect_download() as download:
        expander.get_by_role("button", name=re.compile(r"Descargar CSV")).first.click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert {row["sha256"] for row in rows} == {sha256}
    assert sum(int(row["filas_mart"]) for row in rows) == scalar(
        site, "select count(*) from marts.fct_budget_execution where year = 2026 and funcion = ?", [code]
    )


def test_municipal_csv_download_has_every_row(site: Site, page: Any) -> None:
    open_page(page, site, "municipalidades")
    year = scalar(site, "select max(year) from marts.fct_municipal_execution")
    expected = scalar(site, "select count(*) from marts.fct_municipal_execution where year = ?", [year])
    assert metric(page, "Municipalidades") == f"{expected:,}"
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Descargar CSV ({expected:,} filas)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == expected
    # marts the fixture does not build: the page says so instead of failing
    assert page.get_by_text("El mart marts.fct_tax_campaigns aún no está publicado.").count() == 1
    assert {row["sec_ejec"] for row in rows} == {
        r[0]
        for r in duckdb.connect(str(site.published), read_only=True)
        .execute("select sec_ejec from marts.fct_municipal_execution where year = ?", [year])
        .fetchall()
    }


def test_map_shows_every_work_with_a_known_district(site: Site, page: Any) -> None:
    con = duckdb.connect(str(site.published), read_only=True)
    try:
        on_map, districts = con.execute(
            "select count(*), count(distinct w.ubigeo) from marts.fct_works w join read_csv(?, delim = ';',"
            " all_varchar = true) u on u.ubigeo = w.ubigeo where u.latitud is not null and u.longitud is not null",
            [str(ROOT / "reference" / "ubigeo" / "ubigeo-inei-2025.csv")],
        ).fetchone()
        total = con.execute("select count(*) from marts.fct_works").fetchone()[0]
    finally:
        con.close()
    open_page(page, site, "obras")
    assert metric(page, "Obras") == f"{total:,}"
    assert page.get_by_text(f"{on_map:,} obras en el mapa, en {districts:,} distritos").count() == 1
    assert page.locator("[data-testid=stVegaLiteChart]").count() >= 1
    # the first work's history: the versions its kept InfObras loads showed (one load here: one version)
    history = "Historia de la obra: 1 estado(s) visto(s) en las cargas de InfObras conservadas"
    assert page.get_by_text(history).count() == 1


def test_a_new_publication_shows_without_a_restart(site: Site, page: Any, tmp_path: Path) -> None:
    open_page(page, site, "ejecucion")
    before = national_devengado(site)
    assert metric(page, "Devengado") == fmt.soles(before)
    changed, _ = changed_siaf(tmp_path, 1000.0)
    site.republish_siaf(changed)
    assert national_devengado(site) == pytest.approx(before + 1000.0)
    page.reload()
    settle(page)
    assert metric(page, "Devengado") == fmt.soles(before + 1000.0)
    os.kill(site.process_pid, 0)  # the same server process, never restarted
    held = [os.readlink(fd) for fd in Path(f"/proc/{site.process_pid}/fd").iterdir()]
    assert not [path for path in held if "published.duckdb" in path and path.endswith("(deleted)")], held
