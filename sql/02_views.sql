-- Everything about a KPI side by side: the printed strings, the parsed values and the score.
CREATE OR REPLACE VIEW kpis AS
SELECT r.report, rp.entity, rp.year, r.page, r.row_index, r.table_index,
       r.section, r.area, r.objective, r.kpi,
       r.target, r.achieved, r.score_reported,
       s.* EXCLUDE (report, page, row_index),
       r.is_duplicate, r.duplicate_of, r.extra, r.ocr, r.ocr_confidence,
       r.x0, r.top, r.x1, r.bottom
FROM kpi_rows r
JOIN reports rp USING (report)
LEFT JOIN kpi_scores s USING (report, page, row_index);

-- KPIs whose recomputed score disagrees with the printed one (rule in 03_score_kpis.sql).
CREATE OR REPLACE VIEW score_discrepancies AS
SELECT report, entity, year, page, section, area, objective, kpi, target, achieved,
       score_reported, score_reported_number, score_recomputed, score_difference, method
FROM kpis
WHERE is_discrepancy AND NOT is_duplicate;
