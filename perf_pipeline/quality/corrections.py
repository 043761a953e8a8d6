"""Reviewers' corrections of printed values: `raw/corrections.csv`, read as it is.

One line per corrected cell, columns ``report, page, kpi, column, corrected_value, note``:
``report`` the PDF's file name in raw/, ``page`` the 1-based PDF page, ``kpi`` the row's
KPI text as printed on that page (compared whitespace-folded and case-insensitive, in
sql/02_corrections.sql), ``column`` one of CORRECTABLE_COLUMNS. A line that cannot be
read is kept with a ``problem`` (it becomes a `correction_invalid` finding, never an
error of the run); matching lines to rows, and findings for lines that match none or
several, are the SQL's.

Each report's lines have a digest: the command line and the sensor ingest a report again
when its digest changed, as when its PDF changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

CORRECTIONS_FILE = "corrections.csv"
FIELDS = ["report", "page", "kpi", "column", "corrected_value", "note"]
CORRECTABLE_COLUMNS = ["objective", "kpi", "target", "achieved", "score_reported"]


def corrections_path(raw_dir: str | Path) -> Path:
    return Path(raw_dir) / CORRECTIONS_FILE


def read_corrections(raw_dir: str | Path) -> list[dict]:
    """The lines of <raw_dir>/corrections.csv as dicts of FIELDS plus ``line`` (its line
    number in the file, the header being 1) and ``problem`` (None, or why the line is not
    applied). No file: no corrections. A file that cannot be read at all is one line
    with report '' and the problem."""
    path = corrections_path(raw_dir)
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [_unreadable(f"{path.name} cannot be read as UTF-8 text ({exc})")]
    reader = csv.DictReader(io.StringIO(text))
    missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        return [_unreadable(f"{path.name} lacks the column(s) {', '.join(missing)}; its "
                            f"header must be: {','.join(FIELDS)}")]
    lines = []
    for entry in reader:
        line = {f: (entry.get(f) or "").strip() for f in FIELDS}
        line["corrected_value"] = entry.get("corrected_value") or ""  # kept as written
        line["line"] = reader.line_num
        line["problem"] = _problem(line)
        line["page"] = int(line["page"]) if line["problem"] is None else None
        lines.append(line)
    return lines


def _unreadable(problem: str) -> dict:
    return {**dict.fromkeys(FIELDS, ""), "page": None, "line": 1, "problem": problem}


def _problem(line: dict) -> str | None:
    if not line["report"]:
        return "no report named"
    if not line["page"].isdigit() or int(line["page"]) < 1:
        return f"page {line['page']!r} is not a page number"
    if not line["kpi"]:
        return "no KPI text to find the row by"
    if line["column"] not in CORRECTABLE_COLUMNS:
        return (f"column {line['column']!r} is not one of "
                f"{', '.join(CORRECTABLE_COLUMNS)}")
    return None


def digests(lines: list[dict]) -> dict[str, str]:
    """Report -> digest of its correction lines ('' for a report without any)."""
    by_report: dict = {}
    for line in lines:
        digest = by_report.setdefault(line["report"], hashlib.sha256())
        digest.update(repr([line[f] for f in FIELDS]).encode())
    return {report: digest.hexdigest()[:16] for report, digest in by_report.items()}
