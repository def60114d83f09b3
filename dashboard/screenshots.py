"""Screenshots of every dashboard page for the README: ``python -m dashboard.screenshots [--warehouse DIR]``.

Starts the dashboard on 127.0.0.1 against ``$WAREHOUSE_DIR`` (or ``--warehouse``), opens each page in Debian's
chromium (Playwright) and writes ``docs/img/dashboard-<page>.png`` (one viewport, 1280 x 900, to keep them small).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("", "programas", "obras", "municipalidades", "calidad")  # "" is the default page, Ejecución presupuestal


def take(warehouse: Path, out: Path, pages: tuple[str, ...] = PAGES) -> list[Path]:
    """Write one PNG per page into ``out``; return their paths."""
    from playwright.sync_api import sync_playwright

    from dashboard.server import CHROMIUM, serve, settle

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve(warehouse) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name in pages:
            page.goto(f"{server.url}/{name}")
            settle(page)
            path = out / f"dashboard-{name or 'ejecucion'}.png"
            page.screenshot(path=str(path))
            written.append(path)
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path(os.environ.get("WAREHOUSE_DIR", ROOT / "warehouse")))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--pages", nargs="*", default=None, help="url paths (ejecucion for the default page)")
    args = parser.parse_args()
    pages = PAGES if args.pages is None else tuple("" if p == "ejecucion" else p for p in args.pages)
    for path in take(args.warehouse, args.out, pages):
        print(f"{path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
