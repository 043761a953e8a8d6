-- Reviewers' corrections (raw/corrections.csv, read by quality/corrections.py; each
-- scoring step writes its reports' lines here) and the rows with them applied.
-- kpi_rows keeps every cell as printed; kpi_rows_corrected is what is scored and shown
-- in `kpis`, and applied_corrections is the audit trail: printed and corrected side by side.
--
-- A line applies when it names one row (report, page, KPI text compared with pp_fold)
-- and is the only line for that cell; otherwise it is a finding in quality_issues:
-- correction_invalid, correction_unmatched, correction_ambiguous.
CREATE TABLE IF NOT EXISTS corrections (
    report           VARCHAR NOT NULL,  -- as written in the file (may name no report)
    line             INTEGER NOT NULL,  -- line number in corrections.csv (header = 1)
    page             INTEGER,
    kpi              VARCHAR,
    "column"         VARCHAR,
    corrected_value  VARCHAR,
    note             VARCHAR,
    problem          VARCHAR,           -- why the line cannot be read, or NULL
);
-- The digest of the correction lines a report was last scored with ('' for none).
ALTER TABLE reports ADD COLUMN IF NOT EXISTS corrections_sha VARCHAR DEFAULT '';

CREATE OR REPLACE VIEW correction_lines AS
WITH matched AS (
    SELECT c.*, r.row_index, r.kpi AS printed_kpi,
           CASE c."column" WHEN 'objective' THEN r.objective WHEN 'kpi' THEN r.kpi
                WHEN 'target' THEN r.target WHEN 'achieved' THEN r.achieved
                WHEN 'score_reported' THEN r.score_reported END AS printed_value,
           count(r.row_index) OVER (PARTITION BY c.report, c.line) AS matching_rows
    FROM corrections c
    LEFT JOIN kpi_rows r
        ON c.problem IS NULL AND r.report = c.report AND r.page = c.page
       AND NOT r.is_duplicate AND pp_fold(r.kpi) = pp_fold(c.kpi)
)
SELECT *,
    CASE WHEN problem IS NOT NULL THEN 'invalid'
         WHEN matching_rows = 0 THEN 'unmatched'
         WHEN matching_rows > 1 THEN 'ambiguous'
         WHEN count(*) FILTER (WHERE matching_rows = 1) OVER (
                  PARTITION BY report, page, row_index, "column") > 1 THEN 'conflicting'
         ELSE 'applied' END AS outcome
FROM matched;

CREATE OR REPLACE VIEW applied_corrections AS
SELECT report, page, row_index, printed_kpi AS kpi, "column", printed_value,
       corrected_value, note, line
FROM correction_lines
WHERE outcome = 'applied';

CREATE OR REPLACE VIEW kpi_rows_corrected AS
WITH fixes AS (
    SELECT report, page, row_index,
           any_value(corrected_value) FILTER (WHERE "column" = 'objective') AS objective,
           any_value(corrected_value) FILTER (WHERE "column" = 'kpi') AS kpi,
           any_value(corrected_value) FILTER (WHERE "column" = 'target') AS target,
           any_value(corrected_value) FILTER (WHERE "column" = 'achieved') AS achieved,
           any_value(corrected_value) FILTER (WHERE "column" = 'score_reported')
               AS score_reported,
           string_agg("column" || ': ' || printed_value || ' → ' || corrected_value, '; '
                      ORDER BY "column") AS corrected
    FROM applied_corrections
    GROUP BY ALL
)
SELECT r.* REPLACE (coalesce(f.objective, r.objective) AS objective,
                    coalesce(f.kpi, r.kpi) AS kpi,
                    coalesce(f.target, r.target) AS target,
                    coalesce(f.achieved, r.achieved) AS achieved,
                    coalesce(f.score_reported, r.score_reported) AS score_reported),
       f.corrected
FROM kpi_rows r
LEFT JOIN fixes f USING (report, page, row_index);
