"""Data quality: the pandera models that define every stage's row shape and its checks
(schemas.py), and their plain column contract for code that must not load pandera
(columns.py)."""
