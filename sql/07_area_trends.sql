-- Year-over-year summary per area, from kpi_trends (06_kpi_trends.sql). The area is the
-- table's area title, or its section when the table has none. A 'dropped' KPI counts in
-- the year it went missing, under the area it had; kpis counts the KPIs printed that year.
-- Areas are compared across years by area_key = kpi_norm(area) (a section title that names
-- its year, 'Progetti speciali ... per l'anno 2020', is the same area in 2021).
CREATE OR REPLACE TABLE trend_by_area AS
WITH area_year AS (
    SELECT entity, year, coalesce(nullif(area, ''), section) AS area,
           count(*) FILTER (WHERE change <> 'dropped')::INTEGER AS kpis,
           count(*) FILTER (WHERE status = 'met')::INTEGER AS met,
           count(*) FILTER (WHERE status = 'partial')::INTEGER AS partial,
           count(*) FILTER (WHERE status = 'not met')::INTEGER AS not_met,
           count(*) FILTER (WHERE status = 'unscorable')::INTEGER AS unscorable,
           round(100.0 * count(*) FILTER (WHERE status = 'met')
                 / nullif(count(*) FILTER (WHERE change <> 'dropped'), 0), 2) AS share_met_pct,
           round(avg(score_recomputed), 4) AS mean_score,
           count(*) FILTER (WHERE change = 'added')::INTEGER AS added,
           count(*) FILTER (WHERE change = 'dropped')::INTEGER AS dropped,
           count(*) FILTER (WHERE change = 'improved')::INTEGER AS improved,
           count(*) FILTER (WHERE change = 'worsened')::INTEGER AS worsened
    FROM kpi_trends
    GROUP BY ALL
),
report_years AS (
    SELECT DISTINCT entity, year, previous_year FROM kpi_trends
)
SELECT a.entity, a.year, kpi_norm(a.area) AS area_key, a.* EXCLUDE (entity, year),
       r.previous_year,
       p.kpis AS previous_kpis,
       p.share_met_pct AS previous_share_met_pct,
       round(a.share_met_pct - p.share_met_pct, 2) AS share_met_change_pp,
       round(a.mean_score - p.mean_score, 4) AS mean_score_change
FROM area_year a
JOIN report_years r ON r.entity = a.entity AND r.year = a.year
LEFT JOIN area_year p
  ON p.entity = a.entity AND kpi_norm(p.area) = kpi_norm(a.area)
 AND p.year = r.previous_year
ORDER BY a.entity, area_key, a.year;
