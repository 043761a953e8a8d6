"""Every data-quality check by name, with its severity, threshold and what to do: the one
table the pandera models (schemas.py), the SQL findings (sql/08_quality_issues.sql), the
Dagster asset checks (defs/checks.py) and the README are held to.

Severities:
  error    structural: the extraction of a report is unusable as a whole (columns
           missing or shifted, keys repeated, nonsense geometry). A blocking pandera
           check: the report is quarantined, the others load.
  warning  row-level: the row is loaded and flagged (a `quality_issues` row, a Dagster
           check of WARN severity); when it cannot be scored it is `unscorable` with the
           reason, and implausible values are left out of means.
  info     nothing wrong, worth knowing (a value printed as n.d., a correction applied).

The warehouse holds this table as `quality_checks` (warehouse/sql.py writes it), and the
SQL reads its thresholds from there, so a threshold is changed here and nowhere else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class QualityRule:
    name: str
    severity: str
    description: str  # what it finds
    action: str  # what a reviewer does about it
    threshold: float | None = None


RULES: tuple[QualityRule, ...] = (
    # Structural (pandera, ExtractedKpiRows): these quarantine a report.
    QualityRule("columns_match", ERROR,
                "the extraction lacks a required column, or has one too many", "a bug of "
                "the extractor: report it with the PDF"),
    QualityRule("unique_rows", ERROR, "two rows share report, page and row number",
                "a bug of the extractor: report it with the PDF"),
    QualityRule("bbox_is_ordered", ERROR, "a row's bounding box is not a box",
                "a bug of the extractor: report it with the PDF"),
    QualityRule("duplicate_points_to_first_copy", ERROR,
                "a row marked as a repeated copy does not say which row it repeats",
                "a bug of the extractor: report it with the PDF"),
    QualityRule("kpi_text_present", ERROR,
                "more than this share of a report's rows have no KPI text: the columns "
                "were not found", "check the table layout on the PDF's pages; add a "
                "correction or report the layout", threshold=0.2),
    QualityRule("values_present", ERROR,
                "more than this share of a report's rows have neither target nor achieved "
                "value: the columns were not found", "check the table layout on the PDF's "
                "pages; report the layout", threshold=0.5),
    QualityRule("score_reported_parses", ERROR,
                "more than this share of a report's printed scores read as no score: "
                "columns shifted", "check the table layout on the PDF's pages; report "
                "the layout", threshold=0.2),
    # Row-level (sql/08_quality_issues.sql): the row loads, flagged.
    QualityRule("kpi_text_missing", WARNING, "a row without KPI text",
                "check the PDF and add a correction of column kpi"),
    QualityRule("no_values", WARNING, "a row with neither target nor achieved value",
                "check the PDF: a heading taken for a KPI row, or values lost"),
    QualityRule("ocr_slip", WARNING,
                "a number with letters a scan misreads inside ('l00%', 'g2.3', '1O0'): "
                "read as text, so the row cannot be scored", "check the PDF and add a "
                "correction"),
    QualityRule("score_unreadable", WARNING,
                "a printed score that is no percentage, number, grade, SI/NO or n.d.",
                "check the PDF and add a correction of column score_reported"),
    QualityRule("implausible_score", WARNING,
                "a printed score outside 0 % to this many %: left out of "
                "mean_score_reported", "check the PDF and add a correction of column "
                "score_reported", threshold=200.0),
    QualityRule("implausible_percent", WARNING,
                "a target or achieved percentage beyond plus or minus this many %: the "
                "row is unscorable, out of every mean", "check the PDF and add a "
                "correction", threshold=1000.0),
    QualityRule("implausible_quantity", WARNING,
                "a target or achieved number (durations in minutes) beyond plus or minus "
                "this: the row is unscorable, out of every mean", "check the PDF and add "
                "a correction", threshold=1e12),
    QualityRule("qualitative_grade", WARNING,
                "a value printed as a grade ('ottimo', 'buono') where the target is not a "
                "grade: no score can be recomputed", "compare by hand; a correction can "
                "give the measured value"),
    QualityRule("score_disagrees", WARNING,
                "the printed score disagrees with the one recomputed from target and "
                "achieved (view score_discrepancies)", "check the PDF: a misprint in the "
                "report, or a value read wrongly (then add a correction)"),
    QualityRule("low_ocr_confidence", WARNING,
                "a row read by OCR with mean confidence under this", "check the row "
                "against the PDF and add corrections", threshold=0.6),
    QualityRule("kpi_missing", WARNING,
                "a KPI of the entity's previous report that this report does not have",
                "check whether the KPI was dropped on purpose or missed by the extraction"),
    QualityRule("target_changed", WARNING,
                "a target that changed by more than this factor since the entity's "
                "previous report", "check both reports: a misprint, a unit change or a "
                "real new target", threshold=2.0),
    QualityRule("correction_unmatched", WARNING,
                "a line of raw/corrections.csv that matches no row (report, page and KPI "
                "text)", "fix the line: the KPI text as printed on that page"),
    QualityRule("correction_ambiguous", WARNING,
                "a line of raw/corrections.csv that matches several rows, or a cell that "
                "several lines correct: not applied", "make the line unique"),
    QualityRule("correction_invalid", WARNING,
                "a line of raw/corrections.csv that cannot be read (page not a number, "
                "unknown column, no KPI): not applied", "fix the line"),
    QualityRule("not_available", INFO, "the report prints no value here ('n.d.', '-')",
                "none: the row is unscorable, with the reason"),
    QualityRule("unscorable", INFO, "no score can be computed; the message says why",
                "none, or a correction when the value was misread"),
    QualityRule("corrected", INFO, "a value corrected by raw/corrections.csv",
                "none: the printed value is kept beside it"),
)
BY_NAME = {rule.name: rule for rule in RULES}


def threshold(name: str) -> float:
    value = BY_NAME[name].threshold
    assert value is not None, name
    return value


def rules_records() -> list[dict]:
    """The rules as rows of the warehouse table `quality_checks`."""
    return [{"check": r.name, **{k: v for k, v in asdict(r).items() if k != "name"}}
            for r in RULES]


def warning_rules() -> list[QualityRule]:
    return [r for r in RULES if r.severity == WARNING]
