"""Who published a report and for which year, read from the document itself."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ENTITY = re.compile(
    r"\b((?:Comune|Citt[àa](?: [Mm]etropolitana)?|Provincia|Regione|Municipio|Unione dei Comuni)"
    r"(?: di| del| della| dell'| de)\s*[A-ZÀ-Ý][\w'À-ÿ-]*(?:[ -][A-ZÀ-Ý][\w'À-ÿ-]*)*)"
)
YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


@dataclass(frozen=True)
class ReportIdentity:
    entity: str
    year: int | None
    title: str
    entity_source: str
    year_source: str


def identify_report(
    path: Path, title: str, first_page_text: str, header_years: list[int]
) -> ReportIdentity:
    """Entity and year from title/cover, KPI headers, then the file name."""
    cover = f"{title}\n{first_page_text}"
    entity, entity_source = "", "unknown"
    if m := ENTITY.search(cover):
        entity, entity_source = re.sub(r"\s+", " ", m.group(1)).strip(), "document"
    elif stem_words := [w for w in re.split(r"[_\W\d]+", path.stem) if len(w) > 2]:
        entity, entity_source = stem_words[0].title(), "file name"

    year, year_source = None, "unknown"
    if header_years:
        year, year_source = Counter(header_years).most_common(1)[0][0], "table headers"
    elif m := YEAR.search(cover):
        year, year_source = int(m.group(1)), "document"
    elif m := YEAR.search(path.stem):
        year, year_source = int(m.group(1)), "file name"
    first_line = next((ln.strip() for ln in first_page_text.splitlines() if ln.strip()), "")
    return ReportIdentity(
        entity=entity,
        year=year,
        title=title.strip() or first_line,
        entity_source=entity_source,
        year_source=year_source,
    )
