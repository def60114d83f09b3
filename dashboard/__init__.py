"""The RESULTA-style dashboard (Streamlit + Altair) on ``$WAREHOUSE_DIR/published.duckdb``; see docs/dashboard.md."""
