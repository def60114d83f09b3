"""Glue between the stages: run dbt, publish what passed the gate, and run the whole chain without Airflow.

The Airflow DAGs in ``dags/`` call these same functions; ``python -m pipeline run`` does the chain in one process.
"""
