"""Errors a user can act on, instead of tracebacks from inside pdfminer."""

from __future__ import annotations


class ReportError(Exception):
    """A report that cannot be extracted. ``kind`` is stable, ``str()`` is for people."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


PDF_MAGIC = b"%PDF-"


def check_pdf_header(path) -> None:
    """Reject what is not a PDF from its content, before pdfminer sees it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except FileNotFoundError:
        raise ReportError("missing", f"{path}: file not found") from None
    except OSError as exc:
        raise ReportError("unreadable", f"{path}: cannot read file ({exc.strerror})") from None
    if not head:
        raise ReportError("empty", f"{path}: the file is empty (0 bytes)")
    if PDF_MAGIC not in head:
        raise ReportError(
            "not_pdf", f"{path}: not a PDF (no '%PDF-' header; it starts with {head[:8]!r})"
        )
