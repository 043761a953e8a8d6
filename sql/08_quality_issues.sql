-- Row-level quality findings, one row per finding: what a reviewer checks against the PDF.
-- A view, so it is always current with the rows and scores it reads (no refresh to miss).
-- Rows with findings are loaded and scored as usual; the findings say what to look at.
--
-- check                   severity  when
-- ocr_slip                warning   a number with letters a scan can misread inside
--                                   ('l00%', 'g2.3', '1O0'): read as text, so unscorable
-- score_unreadable        warning   a printed score that reads as no score (not a
--                                   percentage, number, SI/NO or n.d.)
-- implausible_score       warning   a printed score outside 0-200 % (plausible_score)
-- score_disagrees         warning   the printed score disagrees with the recomputed one
--                                   (score_discrepancies)
-- low_ocr_confidence      warning   an OCR row read with mean confidence under 0.6
-- unscorable              info      no score can be computed; message: the reason
-- not_available           info      the report prints 'n.d.' (or alike) for the value
CREATE OR REPLACE MACRO pp_ocr_slip(s) AS
    regexp_full_match(pp_fold(s), '[<>≥≤]?\s?[0-9lioszg.,]*[0-9][0-9lioszg.,]*\s?%?')
    AND regexp_matches(pp_fold(s), '[lioszg]')
    AND regexp_matches(pp_fold(s), '[0-9]');

CREATE OR REPLACE VIEW quality_issues AS
WITH cells AS (
    SELECT k.*, c.name AS cell, c.value, c.kind
    FROM kpis k,
         LATERAL (VALUES ('target', k.target, k.target_kind),
                         ('achieved', k.achieved, k.achieved_kind),
                         ('score_reported', k.score_reported,
                          parse_value(k.score_reported).kind)) AS c(name, value, kind)
    WHERE NOT k.is_duplicate
),
findings AS (
    SELECT report, page, row_index, kpi, cell AS "column", value, 'ocr_slip' AS "check",
           'warning' AS severity,
           'looks like a number misread (letters among digits): check the PDF and correct it'
               AS message
    FROM cells WHERE pp_ocr_slip(value)
    UNION ALL
    SELECT report, page, row_index, kpi, cell, value, 'score_unreadable', 'warning',
           'the printed score reads as no score: check the PDF and correct it'
    FROM cells
    WHERE cell = 'score_reported' AND kind NOT IN ('percent', 'number', 'yes_no',
                                                   'not_available', 'empty')
          AND NOT pp_ocr_slip(value)
    UNION ALL
    SELECT report, page, row_index, kpi, 'score_reported', score_reported,
           'implausible_score', 'warning',
           'printed score outside 0-200 %: left out of mean_score_reported'
    FROM kpis
    WHERE NOT is_duplicate AND NOT plausible_score(score_reported_number)
    UNION ALL
    SELECT report, page, row_index, kpi, 'score_reported', score_reported,
           'score_disagrees', 'warning',
           'printed ' || score_reported || ', recomputed '
               || CAST(round(score_recomputed, 2) AS VARCHAR) || ' from target and achieved'
    FROM kpis
    WHERE NOT is_duplicate AND is_discrepancy AND plausible_score(score_reported_number)
    UNION ALL
    SELECT report, page, row_index, kpi, 'kpi', kpi, 'low_ocr_confidence', 'warning',
           'read by OCR with confidence ' || CAST(round(ocr_confidence, 2) AS VARCHAR)
               || ' (under 0.6): check the PDF'
    FROM kpis
    WHERE NOT is_duplicate AND ocr AND ocr_confidence < 0.6
    UNION ALL
    SELECT report, page, row_index, kpi, cell, value, 'not_available', 'info',
           'the report prints no value here'
    FROM cells WHERE kind = 'not_available'
    UNION ALL
    SELECT report, page, row_index, kpi, NULL, NULL, 'unscorable', 'info', unscorable_reason
    FROM kpis
    WHERE NOT is_duplicate AND status = 'unscorable'
)
SELECT f.*, r.entity, r.year
FROM findings f JOIN reports r USING (report)
ORDER BY report, page, row_index, severity DESC, "check", "column";
