"""Notice a KPI table no finder read: a page whose text has a header of KPI columns.

A table drawn in a way no finder knows would silently leave a report with fewer rows.
A page that yields no KPI table but shows a header-like band of KPI column names gets a
warning instead, so the miss is visible:

- Column names come in groups (``columns.HEADER_GROUPS``): KPI/Indicatore,
  Target/Valore atteso, Raggiunto/Consuntivo, Risultato/Grado di raggiungimento; matched
  case-insensitively on word bounds, accents folded.
- A label is a short phrase: the words of one line closer together than a column gap
  (``LABEL_GAP`` ems), at most ``MAX_LABEL_WORDS`` of them, not ending like a sentence.
  A sentence of prose that says "il risultato del target raggiunto" is one long phrase,
  not three labels.
- A header band is two labels of different groups side by side (no overlap in x: two
  columns) whose middles lie within ``HEADER_BAND`` ems of each other (one header row,
  its labels wrapped over a few lines). The lines of a paragraph start at the same x,
  so its short last lines never stand side by side.
- Only pages without a KPI row are checked; a page whose header was read and whose rows
  continue on the next page is not a miss. The warning names the band's labels, each
  with the lines of its own cell above and below it (``LINE_GAP`` ems apart at most).
"""

from __future__ import annotations

from dataclasses import dataclass

from .columns import header_group
from .text import Line

# A gap between two words wider than this (in ems of the text) separates two labels.
LABEL_GAP = 1.0
MAX_LABEL_WORDS = 6
# A phrase ending so is the end of a sentence, not a column label.
PROSE_ENDINGS = (".", ";", ",", ":")
# Labels of one header row: their vertical middles this close (in ems).
HEADER_BAND = 2.5
# Lines of one wrapped label are this close (in ems); a table row is further below.
LINE_GAP = 0.5


@dataclass
class _Phrase:
    text: str
    group: str | None  # the KPI column it names, if any
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def header_labels(lines: list[Line]) -> list[str]:
    """Texts of the first header-like band of KPI column labels, left to right; empty
    when the page has none. A label wrapped over lines ("Target" over "Raggiunto") is
    one text."""
    phrases = [phrase for line in lines for phrase in _phrases(line)]
    labels = [p for p in phrases if p.group]
    for a in labels:
        band = [b for b in labels
                if abs(b.middle - a.middle) <= HEADER_BAND * max(a.size, b.size)]
        if any(b.group != a.group and (b.x0 >= a.x1 or b.x1 <= a.x0) for b in band):
            return _stacked(band, phrases)
    return []


def _stacked(band: list[_Phrase], phrases: list[_Phrase]) -> list[str]:
    """Each label of the band with the lines of its own cell above and below it."""
    cells: list[list[_Phrase]] = []
    for label in sorted(band, key=lambda p: p.top):
        if any(label in cell for cell in cells):
            continue
        cell = [label]
        grown = True
        while grown:  # take the lines just above or below the cell, in its column
            grown = False
            for p in phrases:
                if p not in cell and any(_stacked_on(p, q) for q in cell):
                    cell.append(p)
                    grown = True
        cells.append(cell)
    cells.sort(key=lambda cell: min(p.x0 for p in cell))
    return [" ".join(p.text for p in sorted(cell, key=lambda p: p.top)) for cell in cells]


def _stacked_on(p: _Phrase, q: _Phrase) -> bool:
    """Two lines of one cell: overlapping in x, one just under the other."""
    gap = max(p.top - q.bottom, q.top - p.bottom)
    return min(p.x1, q.x1) > max(p.x0, q.x0) and -1.0 < gap <= LINE_GAP * max(p.size, q.size)


def _phrases(line: Line) -> list[_Phrase]:
    groups: list[list[dict]] = []
    for word in line.words:
        size = word.get("size") or (word["bottom"] - word["top"])
        if groups and word["x0"] - groups[-1][-1]["x1"] <= LABEL_GAP * size:
            groups[-1].append(word)
        else:
            groups.append([word])
    phrases = []
    for words in groups:
        text = " ".join(w["text"] for w in words)
        if len(words) > MAX_LABEL_WORDS or text.endswith(PROSE_ENDINGS):
            continue
        phrases.append(_Phrase(
            text=text, group=header_group(text), x0=words[0]["x0"], x1=words[-1]["x1"],
            top=min(w["top"] for w in words), bottom=max(w["bottom"] for w in words),
            size=max(w.get("size") or (w["bottom"] - w["top"]) for w in words)))
    return phrases
