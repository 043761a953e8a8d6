-- Row-level quality findings, one row per finding: what a reviewer checks against the PDF.
-- A view, so it is always current with the rows, scores and corrections it reads; the
-- findings across years come from trend_findings (rebuilt with kpi_trends).
-- Rows with findings are loaded and scored as usual; the findings say what to look at.
-- Every check, its severity and threshold: quality/rules.py (table quality_checks).
--
-- check                 on           finds
-- kpi_text_missing      kpi          a row without KPI text
-- no_values             target       a row with neither target nor achieved value
-- ocr_slip              a cell       a number with letters a scan can misread inside
--                                    ('l00%', 'g2.3', '1O0'): read as text, so unscorable
-- score_unreadable      score        a printed score that reads as no score
-- implausible_score     score        a printed score outside 0-200 % (plausible_score)
-- implausible_percent   a value      a target or achieved percentage beyond ±1000 %
-- implausible_quantity  a value      a target or achieved number beyond ±1e12
-- qualitative_grade     a value      a grade ('ottimo') that leaves the row unscorable
-- score_disagrees       score        printed and recomputed scores disagree
-- low_ocr_confidence    kpi          an OCR row read with mean confidence under 0.6
-- kpi_missing           kpi          a KPI of the previous report missing in this one
-- target_changed        target       a target more than 2 times the previous year's, or
--                                    under half of it
-- correction_*          the line's   a line of raw/corrections.csv not applied (invalid,
--                                    unmatched, ambiguous or conflicting)
-- not_available (info), unscorable (info), corrected (info: printed and corrected value)
-- Values are checked as corrected: a correction of an OCR slip ends that finding.
CREATE OR REPLACE MACRO pp_ocr_slip(s) AS
    regexp_full_match(pp_fold(s), '[<>≥≤]?\s?[0-9lioszg.,]*[0-9][0-9lioszg.,]*\s?%?')
    AND regexp_matches(pp_fold(s), '[lioszg]')
    AND regexp_matches(pp_fold(s), '[0-9]');

CREATE OR REPLACE VIEW quality_issues AS
WITH rows AS (
    SELECT * FROM kpi_facts WHERE NOT is_duplicate
),
cells AS (
    SELECT k.*, c.name AS cell, c.value, c.parsed
    FROM rows k,
         LATERAL (VALUES ('target', k.target, parse_value(k.target)),
                         ('achieved', k.achieved, parse_value(k.achieved)),
                         ('score_reported', k.score_reported, parse_value(k.score_reported)))
             AS c(name, value, parsed)
),
findings AS (
    SELECT report, page, row_index, kpi, 'kpi' AS "column", kpi AS value,
           'kpi_text_missing' AS "check",
           'no KPI text: check the PDF and add a correction of column kpi' AS message
    FROM rows WHERE trim(kpi) = ''
    UNION ALL
    SELECT report, page, row_index, kpi, 'target', target, 'no_values',
           'neither target nor achieved value: a heading read as a KPI row, or values lost'
    FROM rows WHERE trim(target) = '' AND trim(achieved) = ''
    UNION ALL
    SELECT report, page, row_index, kpi, cell, value, 'ocr_slip',
           'looks like a number misread (letters among digits): check the PDF and correct it'
    FROM cells WHERE pp_ocr_slip(value)
    UNION ALL
    SELECT report, page, row_index, kpi, cell, value, 'score_unreadable',
           'the printed score reads as no score: check the PDF and correct it'
    FROM cells
    WHERE cell = 'score_reported'
      AND parsed.kind NOT IN ('percent', 'number', 'yes_no', 'grade', 'not_available', 'empty')
      AND NOT pp_ocr_slip(value)
    UNION ALL
    SELECT report, page, row_index, kpi, 'score_reported', score_reported,
           'implausible_score',
           'printed score outside 0-' || CAST(quality_threshold('implausible_score') AS VARCHAR)
               || ' %: left out of mean_score_reported'
    FROM rows WHERE NOT plausible_score(score_reported_number)
    UNION ALL
    SELECT report, page, row_index, kpi, cell, value,
           if(parsed.unit = 'percent', 'implausible_percent', 'implausible_quantity'),
           'implausible for its unit: the row is unscorable, left out of every mean'
    FROM cells WHERE cell <> 'score_reported' AND implausible_value(parsed)
    UNION ALL
    SELECT report, page, row_index, kpi, cell, value, 'qualitative_grade',
           'a grade, not a measured value: no score can be recomputed ('
               || unscorable_reason || ')'
    FROM cells
    WHERE cell <> 'score_reported' AND parsed.kind = 'grade' AND status = 'unscorable'
    UNION ALL
    SELECT report, page, row_index, kpi, 'score_reported', score_reported, 'score_disagrees',
           'printed ' || score_reported || ', recomputed '
               || CAST(round(score_recomputed, 2) AS VARCHAR) || ' from target and achieved'
    FROM rows WHERE is_discrepancy AND plausible_score(score_reported_number)
    UNION ALL
    SELECT report, page, row_index, kpi, 'kpi', kpi, 'low_ocr_confidence',
           'read by OCR with confidence ' || CAST(round(ocr_confidence, 2) AS VARCHAR)
               || ' (under ' || CAST(quality_threshold('low_ocr_confidence') AS VARCHAR)
               || '): check the PDF'
    FROM rows WHERE ocr AND ocr_confidence < quality_threshold('low_ocr_confidence')
    UNION ALL
    SELECT report, page, row_index, kpi, "column", value, "check", message
    FROM trend_findings
    UNION ALL
    SELECT DISTINCT report, page, if(outcome = 'conflicting', row_index, NULL), kpi,
           "column", corrected_value,
           'correction_' || if(outcome = 'conflicting', 'ambiguous', outcome),
           'corrections.csv line ' || line || ': ' || CASE outcome
               WHEN 'invalid' THEN problem || '; not applied'
               WHEN 'unmatched' THEN 'no row of this report on page ' || page
                   || ' has this KPI text; not applied'
               WHEN 'ambiguous' THEN matching_rows || ' rows on page ' || page
                   || ' have this KPI text; not applied'
               ELSE 'another line corrects the same cell; neither is applied' END
    FROM correction_lines WHERE outcome <> 'applied'
    UNION ALL
    SELECT report, page, row_index, kpi, cell, value, 'not_available',
           'the report prints no value here'
    FROM cells WHERE parsed.kind = 'not_available'
    UNION ALL
    SELECT report, page, row_index, kpi, NULL, NULL, 'unscorable', unscorable_reason
    FROM rows WHERE status = 'unscorable'
    UNION ALL
    SELECT report, page, row_index, kpi, "column", corrected_value, 'corrected',
           'printed ' || printed_value || ', corrected (corrections.csv line ' || line || ')'
               || coalesce(': ' || nullif(note, ''), '')
    FROM applied_corrections
)
SELECT f.report, f.page, f.row_index, f.kpi, f."column", f.value, f."check", q.severity,
       f.message, a.corrected_value AS correction, r.entity, r.year
FROM findings f
JOIN quality_checks q USING ("check")
LEFT JOIN reports r USING (report)
LEFT JOIN applied_corrections a
       ON a.report = f.report AND a.page = f.page AND a.row_index = f.row_index
      AND a."column" = f."column"
ORDER BY f.report, f.page NULLS LAST, f.row_index NULLS LAST,
         CASE q.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, f."check",
         f."column";

-- Every KPI with the number of its open findings (warnings and errors, not info).
CREATE OR REPLACE VIEW kpis AS
SELECT k.*, coalesce(q.open_issues, 0)::INTEGER AS open_issues
FROM kpi_facts k
LEFT JOIN (SELECT report, page, row_index, count(*) AS open_issues
           FROM quality_issues
           WHERE severity <> 'info' AND row_index IS NOT NULL
           GROUP BY ALL) q USING (report, page, row_index);
