"""The DuckDB warehouse: connecting, loading, forgetting and the ledger (store.py), the
SQL files of sql/ (sql.py), Italian value parsing by those macros (values.py), and the
staged extractions waiting to be loaded (staging.py)."""
