"""perf-pipeline: municipal performance reports (PDF) → validated, scored DuckDB warehouse."""
