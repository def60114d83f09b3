"""Quality gate of the pipeline: Great Expectations suites run inside DuckDB against the warehouse.

Entry points:

- ``python -m expectations validate [--warehouse-dir DIR] [--suite NAME ...]`` (exit 1 when a critical
  expectation fails);
- ``expectations.validate.run_gate(warehouse_dir) -> GateResult`` for the Airflow task and the publish step.

The GX file context (suites, validation definitions, checkpoints) is committed in ``expectations/gx/``. Importing
this package is cheap: Great Expectations is imported only when a validation runs.
"""
