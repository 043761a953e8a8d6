-- Everything about a KPI side by side: the strings (corrected where raw/corrections.csv
-- says so: `corrected` lists what, kpi_rows keeps them as printed), the parsed values
-- and the score. `kpis` is this plus the count of the row's open quality issues
-- (08_quality_issues.sql, which reads this view).
CREATE OR REPLACE VIEW kpi_facts AS
SELECT r.report, rp.entity, rp.year, r.page, r.row_index, r.table_index,
       r.section, r.area, r.objective, r.kpi,
       r.target, r.achieved, r.score_reported,
       s.* EXCLUDE (report, page, row_index),
       r.is_duplicate, r.duplicate_of, r.extra, r.ocr, r.ocr_confidence,
       r.x0, r.top, r.x1, r.bottom, r.corrected,
       source_image_name(rp.sha256, r.page, r.row_index) AS source_image
FROM kpi_rows_corrected r
JOIN reports rp USING (report)
LEFT JOIN kpi_scores s USING (report, page, row_index);

-- KPIs whose recomputed score disagrees with the printed one (rule in 03_score_kpis.sql).
CREATE OR REPLACE VIEW score_discrepancies AS
SELECT report, entity, year, page, section, area, objective, kpi, target, achieved,
       score_reported, score_reported_number, score_recomputed, score_difference, method
FROM kpi_facts
WHERE is_discrepancy AND NOT is_duplicate;
