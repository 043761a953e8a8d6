-- KPI matching across years and the trend table, rebuilt over every loaded report
-- (after 04_summaries.sql). Needs kpi_similarity(a, b) -> 0..100, which warehouse.py
-- registers on its connection (rapidfuzz's ratio: normalised Indel similarity).
--
-- Each report is compared with the previous report of the same entity (the latest
-- earlier year). A KPI of the newer report is linked to at most one KPI of the older
-- report and the other way round, by the first rule that applies:
--   1. override  a row of sql/seeds/kpi_match_overrides.csv for (entity, year, kpi):
--                links to the previous report's KPI whose text is previous_kpi; an empty
--                previous_kpi says the KPI has no predecessor (nothing else is tried).
--                Texts are compared after kpi_norm();
--   2. exact     same objective and same KPI text after kpi_norm() (the k-th copy of a
--                repeated pair links to the k-th copy);
--   3. fuzzy     KPI texts (after kpi_norm()) with similarity >= kpi_match_threshold(),
--                the same numbers in both texts ('entro 15 giorni' never matches
--                'entro 30 giorni'), and each the other's best candidate (ties: same
--                objective, then the nearest page).
-- Threshold 90: the closest two different KPIs of the 2020 Milano report that differ in
-- words, not numbers, score 87.5 ('Tempi di risposta: Scrivi' / '...: Social'); a
-- rewording such as 'N. nuove entrate abilitate ai pagamenti on line' / 'Numero di nuove
-- entrate abilitate ai pagamenti online' scores 95.7.
--
-- kpi_trends has one row per KPI and report year, and one 'dropped' row for a KPI of
-- the previous report that has no successor (page and values NULL, the text is the
-- old one). change: first report / added / improved / worsened / unchanged (recomputed
-- score, 0.01 points tolerance) / not comparable (a side is unscorable) / dropped.
-- series_id names the first occurrence of a chain of linked KPIs (report#p<page>r<row>).

CREATE OR REPLACE MACRO kpi_match_threshold() AS 90.0;

-- Lower case, accents and punctuation off, years as '#', 'numero' / 'nr' / 'n°' / 'n.' as 'n'.
CREATE OR REPLACE MACRO kpi_norm(s) AS trim(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(strip_accents(lower(coalesce(s, ''))), '[^a-z0-9]+', ' ', 'g'),
    '\b(?:19|20)\d\d\b', '#', 'g'),
    '\b(?:numero|nr)\b', 'n', 'g'),
    '\s+', ' ', 'g'));

CREATE OR REPLACE TEMP TABLE trend_reports AS
SELECT report, entity, year,
       lag(report) OVER w AS previous_report,
       lag(year) OVER w AS previous_year
FROM reports
WHERE year IS NOT NULL
WINDOW w AS (PARTITION BY entity ORDER BY year);

CREATE OR REPLACE TEMP TABLE trend_kpis AS
SELECT k.report, k.entity, k.year, k.page, k.row_index, k.section, k.area, k.objective,
       k.kpi, k.target, k.achieved, k.score_recomputed, k.status,
       kpi_norm(k.objective) AS objective_key,
       kpi_norm(k.kpi) AS kpi_key,
       row_number() OVER (PARTITION BY k.report, kpi_norm(k.objective), kpi_norm(k.kpi)
                          ORDER BY k.page, k.row_index) AS copy
FROM kpi_facts k
JOIN trend_reports USING (report)
WHERE NOT k.is_duplicate;

CREATE OR REPLACE TEMP TABLE links_override AS
SELECT c.report, c.page, c.row_index,
       p.report AS previous_report, p.page AS previous_page, p.row_index AS previous_row_index,
       'override' AS method, NULL::DOUBLE AS similarity
FROM trend_kpis c
JOIN trend_reports r ON r.report = c.report
JOIN kpi_match_overrides o
  ON o.entity = c.entity AND o.year = c.year AND kpi_norm(o.kpi) = c.kpi_key
LEFT JOIN trend_kpis p
  ON p.report = r.previous_report AND p.kpi_key = kpi_norm(o.previous_kpi)
QUALIFY row_number() OVER (PARTITION BY c.report, c.page, c.row_index
                           ORDER BY p.page, p.row_index) = 1;

CREATE OR REPLACE TEMP TABLE links_exact AS
SELECT c.report, c.page, c.row_index,
       p.report AS previous_report, p.page AS previous_page, p.row_index AS previous_row_index,
       'exact' AS method, 100.0::DOUBLE AS similarity
FROM trend_kpis c
JOIN trend_reports r ON r.report = c.report
JOIN trend_kpis p
  ON p.report = r.previous_report AND p.objective_key = c.objective_key
 AND p.kpi_key = c.kpi_key AND p.copy = c.copy
ANTI JOIN links_override o
  ON o.report = c.report AND o.page = c.page AND o.row_index = c.row_index
ANTI JOIN links_override o2
  ON o2.previous_report = p.report AND o2.previous_page = p.page
 AND o2.previous_row_index = p.row_index;

CREATE OR REPLACE TEMP TABLE fuzzy_candidates AS
WITH linked AS (
    SELECT * FROM links_override UNION ALL SELECT * FROM links_exact
),
open_current AS (
    SELECT c.*, r.previous_report AS compare_with
    FROM trend_kpis c
    JOIN trend_reports r ON r.report = c.report
    ANTI JOIN linked l ON l.report = c.report AND l.page = c.page AND l.row_index = c.row_index
    WHERE r.previous_report IS NOT NULL
),
open_previous AS (
    SELECT p.*
    FROM trend_kpis p
    ANTI JOIN linked l
      ON l.previous_report = p.report AND l.previous_page = p.page
     AND l.previous_row_index = p.row_index
),
scored AS (
    SELECT c.report, c.page, c.row_index,
           p.report AS previous_report, p.page AS previous_page,
           p.row_index AS previous_row_index,
           kpi_similarity(c.kpi_key, p.kpi_key) AS similarity,
           c.objective_key = p.objective_key AS same_objective,
           abs(c.page - p.page) AS page_distance
    FROM open_current c
    JOIN open_previous p ON p.report = c.compare_with
    WHERE list_sort(regexp_extract_all(c.kpi_key, '\d+'))
        = list_sort(regexp_extract_all(p.kpi_key, '\d+'))
      -- The similarity (Indel ratio) is at most 100 * (1 - |la - lb| / (la + lb)): a pair
      -- whose lengths differ more cannot reach the threshold, so it is not scored (kpi_key
      -- is ASCII, so length() counts what the ratio counts).
      AND abs(length(c.kpi_key) - length(p.kpi_key))
          <= (1 - kpi_match_threshold() / 100) * (length(c.kpi_key) + length(p.kpi_key))
)
-- Only candidates over the threshold are kept: the best-match ranking below looks at
-- nothing else, and all pairs of a large warehouse would not fit in memory.
SELECT * FROM scored WHERE similarity >= kpi_match_threshold();

CREATE OR REPLACE TEMP TABLE links_fuzzy AS
SELECT report, page, row_index, previous_report, previous_page, previous_row_index,
       'fuzzy' AS method, round(similarity, 2) AS similarity
FROM (
    SELECT *,
           row_number() OVER (PARTITION BY report, page, row_index
                              ORDER BY similarity DESC, same_objective DESC, page_distance,
                                       previous_page, previous_row_index) AS best_for_current,
           row_number() OVER (PARTITION BY previous_report, previous_page, previous_row_index
                              ORDER BY similarity DESC, same_objective DESC, page_distance,
                                       page, row_index) AS best_for_previous
    FROM fuzzy_candidates
    WHERE similarity >= kpi_match_threshold()
)
WHERE best_for_current = 1 AND best_for_previous = 1;

-- Every decided link; an override without predecessor keeps previous_* NULL.
CREATE OR REPLACE TABLE kpi_links AS
SELECT * FROM links_override
UNION ALL SELECT * FROM links_exact
UNION ALL SELECT * FROM links_fuzzy
ORDER BY report, page, row_index;

CREATE OR REPLACE TEMP TABLE kpi_series AS
WITH RECURSIVE chain(report, page, row_index, series_id) AS (
    SELECT t.report, t.page, t.row_index, t.report || '#p' || t.page || 'r' || t.row_index
    FROM trend_kpis t
    ANTI JOIN (SELECT * FROM kpi_links WHERE previous_report IS NOT NULL) l
      ON l.report = t.report AND l.page = t.page AND l.row_index = t.row_index
    UNION ALL
    SELECT l.report, l.page, l.row_index, chain.series_id
    FROM chain
    JOIN kpi_links l
      ON l.previous_report = chain.report AND l.previous_page = chain.page
     AND l.previous_row_index = chain.row_index
)
SELECT * FROM chain;

CREATE OR REPLACE TABLE kpi_trends AS
SELECT * FROM (
    SELECT s.series_id, c.entity, c.year, c.report, c.page, c.row_index,
           c.section, c.area, c.objective, c.kpi, c.target, c.achieved,
           c.score_recomputed, c.status,
           CASE WHEN r.previous_report IS NULL THEN 'first report'
                WHEN p.report IS NULL THEN 'added'
                WHEN c.score_recomputed IS NULL OR p.score_recomputed IS NULL
                    THEN 'not comparable'
                WHEN c.score_recomputed > p.score_recomputed + 0.01 THEN 'improved'
                WHEN c.score_recomputed < p.score_recomputed - 0.01 THEN 'worsened'
                ELSE 'unchanged' END AS change,
           round(c.score_recomputed - p.score_recomputed, 4) AS score_change,
           l.method AS match_method, l.similarity AS match_similarity,
           r.previous_year, p.report AS previous_report, p.page AS previous_page,
           p.row_index AS previous_row_index, p.kpi AS previous_kpi,
           p.target AS previous_target, p.achieved AS previous_achieved,
           p.score_recomputed AS previous_score, p.status AS previous_status
    FROM trend_kpis c
    JOIN trend_reports r ON r.report = c.report
    JOIN kpi_series s ON s.report = c.report AND s.page = c.page AND s.row_index = c.row_index
    LEFT JOIN kpi_links l ON l.report = c.report AND l.page = c.page AND l.row_index = c.row_index
    LEFT JOIN trend_kpis p
      ON p.report = l.previous_report AND p.page = l.previous_page
     AND p.row_index = l.previous_row_index
    UNION ALL
    SELECT s.series_id, p.entity, n.year, n.report, NULL, NULL,
           p.section, p.area, p.objective, p.kpi, NULL, NULL,
           NULL, NULL,
           'dropped', NULL,
           NULL, NULL,
           p.year, p.report, p.page,
           p.row_index, p.kpi,
           p.target, p.achieved,
           p.score_recomputed, p.status
    FROM trend_kpis p
    JOIN trend_reports n ON n.previous_report = p.report
    JOIN kpi_series s ON s.report = p.report AND s.page = p.page AND s.row_index = p.row_index
    ANTI JOIN kpi_links l
      ON l.previous_report = p.report AND l.previous_page = p.page
     AND l.previous_row_index = p.row_index
)
ORDER BY entity, year, page NULLS LAST, row_index, previous_page, previous_row_index;

DROP TABLE links_override;
DROP TABLE links_exact;
DROP TABLE fuzzy_candidates;
DROP TABLE links_fuzzy;
DROP TABLE kpi_series;
DROP TABLE trend_kpis;
DROP TABLE trend_reports;

-- Findings across years for quality_issues (thresholds: quality/rules.py): a KPI of the
-- previous report missing now, a target that changed by more than a factor.
DELETE FROM trend_findings;
INSERT INTO trend_findings
SELECT report, NULL, NULL, kpi, NULL, NULL, 'kpi_missing',
       'in ' || previous_report || ' (' || previous_year || ', page ' || previous_page
           || ') but not in this report'
FROM kpi_trends
WHERE change = 'dropped'
UNION ALL
SELECT report, page, row_index, kpi, 'target', target, 'target_changed',
       'target ' || target || ', ' || previous_target || ' in ' || previous_year
           || ' (' || previous_report || ', page ' || previous_page || '): more than '
           || CAST(quality_threshold('target_changed') AS VARCHAR) || ' times apart'
FROM (
    SELECT *, parse_value(target) AS t, parse_value(previous_target) AS p
    FROM kpi_trends
    WHERE previous_report IS NOT NULL AND change <> 'dropped'
)
WHERE t.kind IN ('percent', 'number', 'duration', 'threshold') AND t.kind = p.kind
  AND t.unit IS NOT DISTINCT FROM p.unit
  AND greatest(abs(t.base_number), abs(p.base_number))
      > quality_threshold('target_changed') * least(abs(t.base_number), abs(p.base_number));
