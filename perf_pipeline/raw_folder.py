"""The folder users drop report PDFs into: which files are there, their content hash,
and what changed since the last look.

A report file is identified by its name in raw/ and its content by sha256. The command
line, the sensor and the schedule decide alike: a file is (re-)ingested when its content,
or its lines of raw/corrections.csv, are new (`input_key`); a file that left raw/ is only
reported (its rows go on an explicit `forget`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .quality.corrections import digests, read_corrections

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


def input_key(sha256: str, corrections: str = "") -> str:
    """What a report was ingested from: its content, and its lines of corrections.csv."""
    return f"{sha256}+{corrections}" if corrections else sha256


@dataclass(frozen=True)
class ReportFile:
    name: str
    sha256: str
    size: int
    mtime_ns: int
    corrections: str = ""  # digest of its lines in corrections.csv, '' for none

    @property
    def key(self) -> str:
        return input_key(self.sha256, self.corrections)


def scan_reports(
    directory: str | Path, known: Mapping[str, ReportFile] | None = None
) -> dict[str, ReportFile]:
    """Every PDF in the folder with its sha256 (a file whose size and mtime are unchanged
    since ``known`` keeps its known hash instead of being read again) and the digest of
    its corrections."""
    corrections = digests(read_corrections(directory))
    files = {}
    for name in list_reports(directory):
        path = Path(directory) / name
        stat = path.stat()
        before = (known or {}).get(name)
        if before and (before.size, before.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            sha256 = before.sha256
        else:
            sha256 = file_sha256(path)
        files[name] = ReportFile(name, sha256, stat.st_size, stat.st_mtime_ns,
                                 corrections.get(name, ""))
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
    """Name -> input key (or sha256) now in raw/ against name -> key already handled."""
    return RawChanges(
        new=sorted(n for n in current if n not in known),
        changed=sorted(n for n in current if n in known and known[n] != current[n]),
        unchanged=sorted(n for n in current if known.get(n) == current[n]),
        deleted=sorted(n for n in known if n not in current),
    )
