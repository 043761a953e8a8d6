"""The folder users drop report PDFs into: which files are there, their content hash,
and what changed since the last look.

A report file is identified by its name in raw/ and its content by sha256. The command
line, the sensor and the schedule decide alike: a file is (re-)ingested when its content
is new; a file that left raw/ is only reported (its rows go on an explicit `forget`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PDF_SUFFIX = ".pdf"


def list_reports(directory: str | Path) -> list[str]:
    """File names of the PDFs in the folder (by name; content is checked on extraction)."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() == PDF_SUFFIX
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ReportFile:
    name: str
    sha256: str
    size: int
    mtime_ns: int


def scan_reports(
    directory: str | Path, known: Mapping[str, ReportFile] | None = None
) -> dict[str, ReportFile]:
    """Every PDF in the folder with its sha256 (a file whose size and mtime are unchanged
    since ``known`` keeps its known hash instead of being read again)."""
    files = {}
    for name in list_reports(directory):
        path = Path(directory) / name
        stat = path.stat()
        before = (known or {}).get(name)
        if before and (before.size, before.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            files[name] = before
        else:
            files[name] = ReportFile(name, file_sha256(path), stat.st_size, stat.st_mtime_ns)
    return files


@dataclass
class RawChanges:
    new: list[str]
    changed: list[str]
    unchanged: list[str]
    deleted: list[str]

    @property
    def to_ingest(self) -> list[str]:
        return sorted(self.new + self.changed)


def compare(current: Mapping[str, str], known: Mapping[str, str]) -> RawChanges:
    """Name -> sha256 now in raw/ against name -> sha256 already handled."""
    return RawChanges(
        new=sorted(n for n in current if n not in known),
        changed=sorted(n for n in current if n in known and known[n] != current[n]),
        unchanged=sorted(n for n in current if known.get(n) == current[n]),
        deleted=sorted(n for n in known if n not in current),
    )
