"""Errors a user can act on, instead of tracebacks from inside pdfminer."""

from __future__ import annotations

from pathlib import Path


class ReportError(Exception):
    """A report that cannot be extracted. ``kind`` is stable, ``str()`` is for people.

    Kinds: missing, unreadable, empty, not_pdf, truncated, encrypted, corrupt,
    too_large, timeout.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind

    def __reduce__(self):  # raised in a worker process, re-raised here whole
        return type(self), (self.kind, str(self))


PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
# Readers look for the end marker this far from the end of the file.
END_WINDOW = 1024


def check_pdf_file(path: Path) -> None:
    """Reject, from its bytes and before pdfminer sees it, what cannot be a whole PDF."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(END_WINDOW)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - END_WINDOW))
            tail = fh.read()
    except FileNotFoundError:
        raise ReportError("missing", f"{path.name}: file not found") from None
    except IsADirectoryError:
        raise ReportError("unreadable", f"{path.name}: is a folder, not a file") from None
    except OSError as exc:
        raise ReportError("unreadable", f"{path.name}: cannot read file ({exc.strerror})") from None
    if not head:
        raise ReportError("empty", f"{path.name}: the file is empty (0 bytes)")
    if PDF_MAGIC not in head:
        raise ReportError(
            "not_pdf",
            f"{path.name}: not a PDF, whatever its name says (it starts with {_kind_of(head)})",
        )
    if PDF_END not in tail:
        raise ReportError(
            "truncated",
            f"{path.name}: truncated PDF: the file stops after {size} bytes without the "
            "end-of-file marker (an interrupted download or copy?)",
        )


def _kind_of(head: bytes) -> str:
    """What a non-PDF file looks like, for the message."""
    signatures = {
        b"PK\x03\x04": "a ZIP header: an Office document or archive",
        b"\x89PNG": "a PNG image header",
        b"\xff\xd8\xff": "a JPEG image header",
        b"{\\rtf": "an RTF header",
        b"\xd0\xcf\x11\xe0": "an old Office document header",
    }
    for magic, name in signatures.items():
        if head.startswith(magic):
            return name
    text = head.lstrip()[:5].lower()
    if text.startswith((b"<!doc", b"<html")):
        return "HTML: a web page saved as .pdf?"
    return repr(head[:8])
