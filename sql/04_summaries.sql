-- Summary tables over every loaded report, rebuilt in one go. A KPI printed twice
-- counts once (is_duplicate rows are left out).
CREATE OR REPLACE TABLE kpi_summary AS
SELECT
    CASE WHEN grouping(objective) = 0 THEN 'objective'
         WHEN grouping(area) = 0 THEN 'area'
         ELSE 'report' END AS level,
    report, entity, year, section, area, objective,
    count(*)::INTEGER AS kpis,
    count(*) FILTER (WHERE status = 'met')::INTEGER AS met,
    count(*) FILTER (WHERE status = 'partial')::INTEGER AS partial,
    count(*) FILTER (WHERE status = 'not met')::INTEGER AS not_met,
    count(*) FILTER (WHERE status = 'unscorable')::INTEGER AS unscorable,
    round(avg(score_recomputed), 4) AS mean_score_recomputed,
    round(avg(score_reported_number) FILTER (WHERE plausible_score(score_reported_number)), 4)
        AS mean_score_reported,
    count(*) FILTER (WHERE NOT plausible_score(score_reported_number))::INTEGER
        AS implausible_scores,
    count(*) FILTER (WHERE is_discrepancy)::INTEGER AS discrepancies
FROM kpi_facts  -- kpis without the count of findings, which summaries do not need
WHERE NOT is_duplicate
GROUP BY GROUPING SETS (
    (report, entity, year),
    (report, entity, year, section, area),
    (report, entity, year, section, area, objective)
);

CREATE OR REPLACE TABLE summary_by_report AS
SELECT * EXCLUDE (level, section, area, objective) FROM kpi_summary WHERE level = 'report'
ORDER BY entity, year, report;

CREATE OR REPLACE TABLE summary_by_area AS
SELECT * EXCLUDE (level, objective) FROM kpi_summary WHERE level = 'area'
ORDER BY entity, year, report, section, area;

CREATE OR REPLACE TABLE summary_by_objective AS
SELECT * EXCLUDE (level) FROM kpi_summary WHERE level = 'objective'
ORDER BY entity, year, report, section, area, objective;

CREATE OR REPLACE TABLE summary_by_status AS
SELECT entity, year, status,
       count(*)::INTEGER AS kpis,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY entity, year), 2) AS share_pct
FROM kpi_facts
WHERE NOT is_duplicate
GROUP BY entity, year, status
ORDER BY entity, year, status;

DROP TABLE kpi_summary;
