"""Entry point: ``streamlit run dashboard/app.py`` (``make dashboard``). Pages in dashboard/views/."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # streamlit puts only dashboard/ on the path; the packages live at the root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.views import calidad, ejecucion, municipalidades, obras, programas  # noqa: E402

st.set_page_config(page_title="Seguimiento del gasto público", page_icon="📊", layout="wide")
pages = [
    st.Page(ejecucion.render, title="Ejecución presupuestal", url_path="ejecucion", default=True),
    st.Page(programas.render, title="Programas presupuestales", url_path="programas"),
    st.Page(obras.render, title="Obras", url_path="obras"),
    st.Page(municipalidades.render, title="Municipalidades", url_path="municipalidades"),
    st.Page(calidad.render, title="Calidad de datos", url_path="calidad"),
]
st.navigation(pages).run()
