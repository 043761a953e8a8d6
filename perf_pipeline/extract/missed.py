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


@dataclass
class _Label:
    text: str
    group: str
    x0: float
    x1: float
    middle: float
    size: float


def header_labels(lines: list[Line]) -> list[str]:
    """Texts of the first header-like band of KPI column labels, left to right; empty
    when the page has none."""
    labels = [label for line in lines for label in _labels(line)]
    for a in labels:
        band = [b for b in labels
                if abs(b.middle - a.middle) <= HEADER_BAND * max(a.size, b.size)]
        if any(b.group != a.group and (b.x0 >= a.x1 or b.x1 <= a.x0) for b in band):
            return [b.text for b in sorted(band, key=lambda b: b.x0)]
    return []


def _labels(line: Line) -> list[_Label]:
    phrases: list[list[dict]] = []
    for word in line.words:
        size = word.get("size") or (word["bottom"] - word["top"])
        if phrases and word["x0"] - phrases[-1][-1]["x1"] <= LABEL_GAP * size:
            phrases[-1].append(word)
        else:
            phrases.append([word])
    labels = []
    for words in phrases:
        text = " ".join(w["text"] for w in words)
        if len(words) > MAX_LABEL_WORDS or text.endswith(PROSE_ENDINGS):
            continue
        group = header_group(text)
        if group is None:
            continue
        labels.append(_Label(
            text=text, group=group, x0=words[0]["x0"], x1=words[-1]["x1"],
            middle=sum(w["top"] + w["bottom"] for w in words) / (2 * len(words)),
            size=max(w.get("size") or (w["bottom"] - w["top"]) for w in words)))
    return labels
