"""The Dagster shell: every module that imports Dagster lives here, one file per kind of
object (assets, checks, jobs, partitions, resources, schedules, sensors), plus the run
ledger helpers (ledger.py) and the in-process runner of the command line (runs.py).

They only wire the pure core (extract/, quality/, warehouse/, report/) into Dagster;
``perf_pipeline/definitions.py`` assembles them into the code location.
"""
