"""PDF → KPI rows. Plain functions over pdfplumber; no orchestration here."""

from .document import CORE_COLUMNS, ROW_COLUMNS, Extraction, extract_report, screen_report
from .errors import ReportError

__all__ = ["CORE_COLUMNS", "ROW_COLUMNS", "Extraction", "ReportError", "extract_report",
           "screen_report"]
