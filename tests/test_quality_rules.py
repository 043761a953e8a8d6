"""Data-quality rules end to end: row-level faults load flagged, structural ones block,
findings across years, and reviewers' corrections applied on the next plain ingest.

Every report here is generated from the rows written below, so each expectation follows
from that data, not from the pipeline."""

from __future__ import annotations

import pandas as pd
import pytest
from dagster import AssetCheckSeverity, DagsterInstance
from pdfgen import KpiTable, build_report_pdf
from test_multiyear import cli, new_setup, query

from perf_pipeline.definitions import build_definitions
from perf_pipeline.defs.partitions import report_partitions
from perf_pipeline.quality.corrections import read_corrections
from perf_pipeline.quality.rules import RULES, threshold
from perf_pipeline.quality.schemas import ExtractedKpiRows

pytestmark = pytest.mark.slow

HEADER = ["Obiettivo", "KPI", "Target", "Target Raggiunto", "Risultato 2021"]


def report(raw, name: str, rows: list[list[str]], city="Parma", year=2021):
    header = HEADER[:-1] + [f"Risultato {year}"]
    return build_report_pdf(raw / name, [KpiTable("Sezione", "Area", rows, header=header)],
                            title=f"La Valutazione della Performance {year} del Comune di {city}")


GRADED = [
    ["Ob", "Pratiche evase", "80%", "90%", "100%"],
    ["Ob", "Domande accolte", "80%", "l00%", "100%"],          # an OCR slip
    ["Ob", "Qualità percepita", "80%", "ottimo", "100%"],      # a grade, a numeric target
    ["Ob", "Giudizio del nucleo", "buono", "ottimo", "100%"],  # graded target: comparable
    ["Ob", "Giudizio sui servizi", "ottimo", "buono", "ottimo"],
    ["Ob", "Copertura del servizio", "90%", "99999999%", "100%"],  # absurd achieved value
    ["Ob", "Sportelli aperti", "10", "12", "99999999%"],  # absurd score
]


def test_grades_slips_and_absurd_values_load_flagged_and_stay_out_of_means(tmp_path):
    raw, db, env = new_setup(tmp_path)
    report(raw, "parma_2021.pdf", GRADED)
    out = cli(env, "ingest")
    assert "  ok     parma_2021.pdf" in out
    assert "4 KPI(s) with open quality issues: `perf-pipeline quality` lists them" in out
    rows = query(db, "SELECT kpi, status, method, unscorable_reason, open_issues FROM kpis "
                     "ORDER BY row_index")
    assert rows == [
        ("Pratiche evase", "met", "ratio_higher_is_better", None, 0),
        ("Domande accolte", "unscorable", "unscorable",
         "units differ: target percent, achieved text", 1),
        ("Qualità percepita", "unscorable", "unscorable",
         "a grade compares only with a graded target: target percent, achieved grade", 1),
        ("Giudizio del nucleo", "met", "qualitative_grade", None, 0),      # ottimo >= buono
        ("Giudizio sui servizi", "not met", "qualitative_grade", None, 0),  # buono < ottimo
        ("Copertura del servizio", "unscorable", "unscorable",
         "achieved value implausible for its unit: 99999999%", 1),
        ("Sportelli aperti", "met", "ratio_higher_is_better", None, 1),
    ]
    warnings = query(db, 'SELECT page, kpi, "column", value, "check" FROM quality_issues '
                         "WHERE severity = 'warning'")
    assert warnings == [
        (2, "Domande accolte", "achieved", "l00%", "ocr_slip"),
        (2, "Qualità percepita", "achieved", "ottimo", "qualitative_grade"),
        (2, "Copertura del servizio", "achieved", "99999999%", "implausible_percent"),
        (2, "Sportelli aperti", "score_reported", "99999999%",
         "implausible_score"),
    ]
    # The absurd printed score is out of the mean of printed scores (the six others that
    # read as numbers print 100), and counted as implausible; the unscorable rows are out
    # of the mean of recomputed scores (met 100, 100, 100 and not met 0 over four).
    summary = query(db, "SELECT kpis, met, not_met, unscorable, implausible_scores, "
                        "mean_score_reported, mean_score_recomputed FROM summary_by_report")
    assert summary == [(7, 3, 1, 3, 1, 100.0, 75.0)]


def test_warning_checks_show_each_finding_in_dagster_with_page_and_kpi(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    report(raw, "parma_2021.pdf", GRADED)
    defs = build_definitions(database=str(tmp_path / "w.duckdb"), raw_dir=str(raw))
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(report_partitions.name, ["parma_2021.pdf"])
        result = defs.resolve_job_def("ingest_report").execute_in_process(
            partition_key="parma_2021.pdf", instance=instance, raise_on_error=False)
    assert result.success  # warnings never fail a run
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = {name for name, e in evaluations.items() if not e.passed}
    assert failed == {"ocr_slip", "qualitative_grade", "implausible_percent",
                      "implausible_score"}
    for name in failed:
        assert evaluations[name].severity == AssetCheckSeverity.WARN
        assert not evaluations[name].blocking
    slip = evaluations["ocr_slip"].metadata
    assert slip["findings"].value == 1
    table = [[cell.strip() for cell in line.strip("|").split("|")]
             for line in slip["failure_cases"].value.splitlines()]
    assert table[0] == ["report", "page", "kpi", "column", "value", "message"]
    assert table[2][:5] == ["parma_2021.pdf", "2", "Domande accolte", "achieved", "l00%"]
    assert table[2][5].startswith("looks like a number misread")
    assert slip["what_to_do"].value == "check the PDF and add a correction"
    assert evaluations["implausible_percent"].metadata["threshold"].value == \
        threshold("implausible_percent")


def test_structural_faults_block_row_faults_do_not():
    """The shares of quality/rules.py: one row without KPI text in ten loads (a warning),
    three in ten quarantine the report; another report in the same frame is unaffected."""
    def rows(report: str, empty_kpis: int) -> pd.DataFrame:
        frame = pd.DataFrame([{
            "report": report, "page": 1, "section": "S", "area": "A", "objective": "O",
            "kpi": "" if n < empty_kpis else f"KPI {n}", "target": "10", "achieved": "12",
            "score_reported": "100%", "table_index": 1, "row_index": n + 1, "x0": 1.0,
            "top": 1.0, "x1": 2.0, "bottom": 2.0, "is_duplicate": False, "duplicate_of": "",
            "extra": "", "ocr": False, "ocr_confidence": None} for n in range(10)])
        return frame.astype({"ocr_confidence": "float64"})

    ExtractedKpiRows.validate(rows("a.pdf", 1))
    assert threshold("kpi_text_present") == 0.2
    both = pd.concat([rows("a.pdf", 1), rows("b.pdf", 3)], ignore_index=True)
    with pytest.raises(Exception) as caught:
        ExtractedKpiRows.validate(both, lazy=True)
    cases = caught.value.failure_cases
    failing = both.loc[cases["index"].dropna().astype(int).unique(), "report"]
    assert set(failing) == {"b.pdf"} and len(failing) == 3


def test_rules_have_one_severity_each_and_reach_the_warehouse(tmp_path):
    raw, db, env = new_setup(tmp_path)
    report(raw, "parma_2021.pdf", GRADED[:1])
    cli(env, "ingest")
    table = query(db, 'SELECT "check", severity, threshold FROM quality_checks ORDER BY ALL')
    assert table == sorted((r.name, r.severity, r.threshold) for r in RULES)
    assert {r.severity for r in RULES} == {"error", "warning", "info"}
    assert len({r.name for r in RULES}) == len(RULES)


def test_findings_across_years_missing_kpi_and_changed_target(tmp_path):
    raw, db, env = new_setup(tmp_path)
    report(raw, "parma_2020.pdf", [["Ob", "Pratiche evase", "100", "120", "100%"],
                                   ["Ob", "Sportelli aperti", "10", "10", "100%"],
                                   ["Ob", "Reclami gestiti", "90%", "95%", "100%"]], year=2020)
    report(raw, "parma_2021.pdf", [["Ob", "Pratiche evase", "500", "520", "100%"],  # 5x
                                   ["Ob", "Sportelli aperti", "15", "15", "100%"]])  # 1.5x
    cli(env, "ingest")
    found = query(db, 'SELECT report, page, kpi, "column", value, "check", message '
                      "FROM quality_issues WHERE severity = 'warning'")
    assert found == [
        ("parma_2021.pdf", 2, "Pratiche evase", "target", "500", "target_changed",
         "target 500, 100 in 2020 (parma_2020.pdf, page 2): more than 2.0 times apart"),
        ("parma_2021.pdf", None, "Reclami gestiti", None, None, "kpi_missing",
         "in parma_2020.pdf (2020, page 2) but not in this report"),
    ]


def write_corrections(raw, *lines: str) -> None:
    (raw / "corrections.csv").write_text(
        "report,page,kpi,column,corrected_value,note\n" + "".join(f"{line}\n" for line in lines),
        encoding="utf-8")


def test_a_correction_fixes_a_row_on_the_next_plain_ingest(tmp_path):
    raw, db, env = new_setup(tmp_path)
    report(raw, "parma_2021.pdf", GRADED[:3])
    report(raw, "rimini_2021.pdf", [["Ob", "Pratiche evase", "80%", "70%", "87,5%"]],
           city="Rimini")
    cli(env, "ingest")
    assert query(db, "SELECT status FROM kpis WHERE kpi = 'Domande accolte'") == [
        ("unscorable",)]

    write_corrections(
        raw,
        "parma_2021.pdf,2,  domande   ACCOLTE ,achieved,100%,read from the printed copy",
        "parma_2021.pdf,2,Domande respinte,achieved,5,",   # no such KPI on that page
        "parma_2021.pdf,two,Pratiche evase,target,5,",      # not a page number
        "parma_2021.pdf,2,Pratiche evase,peso,5,",          # not a correctable column
        "altro.pdf,1,Pratiche evase,target,5,",             # no such report
    )
    out = cli(env, "ingest")  # no --force: the changed corrections are the change
    assert "  ok     parma_2021.pdf" in out and "  unchanged rimini_2021.pdf" in out
    row = query(db, "SELECT achieved, status, score_recomputed, corrected, open_issues "
                    "FROM kpis WHERE kpi = 'Domande accolte'")
    assert row == [("100%", "met", 100.0, "achieved: l00% → 100%", 0)]
    # The printed value stays, beside the corrected one.
    assert query(db, "SELECT achieved FROM kpi_rows WHERE kpi = 'Domande accolte'") == [
        ("l00%",)]
    assert query(db, "SELECT page, kpi, \"column\", printed_value, corrected_value, note "
                     "FROM applied_corrections") == [
        (2, "Domande accolte", "achieved", "l00%", "100%", "read from the printed copy")]
    findings = query(db, 'SELECT report, "check", message FROM quality_issues '
                         """WHERE "check" LIKE 'correction%' ORDER BY message""")
    assert findings == [
        ("parma_2021.pdf", "correction_unmatched", "corrections.csv line 3: no row of "
         "this report on page 2 has this KPI text; not applied"),
        ("parma_2021.pdf", "correction_invalid", "corrections.csv line 4: page 'two' is "
         "not a page number; not applied"),
        ("parma_2021.pdf", "correction_invalid", "corrections.csv line 5: column 'peso' "
         "is not one of objective, kpi, target, achieved, score_reported; not applied"),
        ("altro.pdf", "correction_unmatched", "corrections.csv line 6: no row of this "
         "report on page 1 has this KPI text; not applied"),
    ]
    assert query(db, """SELECT count(*) FROM quality_issues WHERE "check" = 'ocr_slip'""") \
        == [(0,)]  # the slip was corrected
    out = cli(env, "quality")
    assert "correction_unmatched: corrections.csv line 3" in out

    # Idempotent: nothing changed, nothing runs again.
    again = cli(env, "ingest")
    assert "Ingesting 0 report(s)" in again
    # A correction removed: the printed value is scored again.
    write_corrections(raw)
    cli(env, "ingest")
    assert query(db, "SELECT achieved, status, corrected FROM kpis "
                     "WHERE kpi = 'Domande accolte'") == [("l00%", "unscorable", None)]


def test_a_line_matching_several_rows_is_not_applied(tmp_path):
    raw, db, env = new_setup(tmp_path)
    report(raw, "parma_2021.pdf", [["Ob A", "Pratiche evase", "80%", "70%", "87,5%"],
                                   ["Ob B", "Pratiche evase", "90%", "70%", "77,78%"],
                                   ["Ob B", "Sportelli", "10", "8", "80%"]])
    write_corrections(raw, "parma_2021.pdf,2,pratiche evase,achieved,80%,",
                      "parma_2021.pdf,2,Sportelli,achieved,9,",
                      "parma_2021.pdf,2,Sportelli,achieved,10,")
    cli(env, "ingest")
    assert query(db, "SELECT achieved FROM kpis ORDER BY row_index") == [
        ("70%",), ("70%",), ("8",)]
    assert query(db, 'SELECT "check", message FROM quality_issues '
                     """WHERE "check" LIKE 'correction%' ORDER BY message""") == [
        ("correction_ambiguous", "corrections.csv line 2: 2 rows on page 2 have this KPI "
         "text; not applied"),
        ("correction_ambiguous", "corrections.csv line 3: another line corrects the same "
         "cell; neither is applied"),
        ("correction_ambiguous", "corrections.csv line 4: another line corrects the same "
         "cell; neither is applied"),
    ]


def test_an_unreadable_corrections_file_is_a_finding_not_a_failure(tmp_path):
    raw, db, env = new_setup(tmp_path)
    report(raw, "parma_2021.pdf", GRADED[:1])
    (raw / "corrections.csv").write_text("rapporto;pagina\n1;2\n", encoding="utf-8")
    assert read_corrections(raw)[0]["problem"].startswith(
        "corrections.csv lacks the column(s) report, page, kpi, column, corrected_value")
    out = cli(env, "ingest")
    assert "  ok     parma_2021.pdf" in out
    assert query(db, """SELECT "check" FROM quality_issues WHERE severity = 'warning'""") \
        == [("correction_invalid",)]
    (raw / "corrections.csv").write_bytes(b"\xff\xfe\x00bad")
    assert "cannot be read as UTF-8" in read_corrections(raw)[0]["problem"]


def test_the_readme_lists_every_check_with_its_severity_and_threshold():
    from conftest import REPO

    listed = {}
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[1] in {
                "error", "warning", "info"}:
            listed[cells[0].strip("`")] = (cells[1], float(cells[2]) if cells[2] else None)
    assert listed == {r.name: (r.severity, r.threshold) for r in RULES}
