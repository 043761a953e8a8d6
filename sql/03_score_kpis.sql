-- Recompute the score of every KPI row of the reports in $reports (a list) from its target
-- and achieved value, and compare it with the score the report printed.
--
-- Direction (which way is better), first rule that applies:
--   1. a threshold carries its comparator: '>70%' higher_is_better, '<10%' lower_is_better;
--      a deadline or yes/no target has no direction (not_applicable);
--   2. an entry of sql/seeds/direction_overrides.csv whose kpi_pattern (regex, case-
--      insensitive) matches the KPI text (longest pattern wins);
--   3. a duration target ('5 minuti', 'gg. 6'): lower_is_better;
--   4. a negative target ('-5%'): a reduction, lower_is_better;
--   5. otherwise higher_is_better.
--
-- Score (percentage points, 0..100):
--   deadline     'Entro il 31/12/2020' or a date: 100 if achieved is SI or a date on or
--                before it, else 0;
--   yes_no       yes/no target: 100 if achieved says the same;
--   threshold    100 if achieved (same unit) satisfies the comparator, else 0;
--   ratio        higher_is_better: min(achieved / target, 1) * 100 (0 if achieved < 0);
--                lower_is_better: 100 if achieved <= target, else target / achieved * 100
--                when both are positive, else 0. Units must agree (durations are compared
--                in minutes);
--   qualitative  free-text target ('Servizi garantiti'): 100 / 0 from a SI / NO achieved,
--                or the achieved percentage read as the degree of completion (capped at 100);
--   grade        a graded target and achieved value ('buono', 'ottimo'): 100 if the
--                achieved grade ranks at least as high (pp_grade_rank), else 0;
--   implausible  a target or achieved value beyond the thresholds of quality/rules.py
--                (implausible_percent / _quantity) is not scored: unscorable;
--   unscorable   anything else, with the reason.
-- Status: met (score >= 100), partial (0 < score < 100), not met (score = 0), unscorable.
--
-- Discrepancy: the report printed a score, it differs from the recomputed one by more
-- than 0.01 percentage points, and it is neither the recomputed score rounded nor
-- truncated to the decimals the report printed (639/800 = 79.875% printed as 79,87%
-- is truncation, not a discrepancy).
INSERT INTO kpi_scores BY NAME
WITH parsed AS (
    SELECT r.report, r.page, r.row_index, r.kpi, r.target, r.achieved, r.score_reported,
           parse_value(r.target) AS t,
           parse_value(r.achieved) AS a,
           parse_value(r.score_reported) AS s
    FROM kpi_rows_corrected r  -- as printed, but for the reviewers' corrections
    WHERE list_contains($reports, r.report)
),
override AS (
    SELECT p.report, p.page, p.row_index, o.direction, o.reason
    FROM parsed p
    JOIN direction_overrides o ON regexp_matches(lower(p.kpi), lower(o.kpi_pattern))
    QUALIFY row_number() OVER (PARTITION BY p.report, p.page, p.row_index
                               ORDER BY length(o.kpi_pattern) DESC) = 1
),
directed AS (
    SELECT p.*,
        CASE
            WHEN p.t.kind = 'threshold' AND p.t.comparator LIKE '>%' THEN 'higher_is_better'
            WHEN p.t.kind = 'threshold' THEN 'lower_is_better'
            WHEN p.t.kind IN ('date', 'yes_no') THEN 'not_applicable'
            WHEN o.direction IS NOT NULL THEN o.direction
            WHEN p.t.kind = 'duration' THEN 'lower_is_better'
            WHEN p.t.kind IN ('percent', 'number') AND p.t.number < 0 THEN 'lower_is_better'
            WHEN p.t.kind IN ('percent', 'number') THEN 'higher_is_better'
            ELSE 'not_applicable'
        END AS direction,
        CASE
            WHEN p.t.kind = 'threshold' THEN 'threshold comparator ' || p.t.comparator
            WHEN p.t.kind IN ('date', 'yes_no') THEN 'deadline or yes/no target'
            WHEN o.direction IS NOT NULL THEN 'override: ' || o.reason
            WHEN p.t.kind = 'duration' THEN 'duration target: shorter is better'
            WHEN p.t.kind IN ('percent', 'number') AND p.t.number < 0 THEN 'negative target: a reduction'
            WHEN p.t.kind IN ('percent', 'number') THEN 'default: higher is better'
            ELSE 'no numeric target'
        END AS direction_rule,
        -- Same unit family on both sides: percent with percent, count with count,
        -- any duration with any duration (compared in minutes).
        coalesce(p.t.unit = p.a.unit
                 OR (p.t.kind IN ('duration') OR (p.t.kind = 'threshold' AND pp_unit_minutes(p.t.unit) IS NOT NULL))
                    AND p.a.kind = 'duration', FALSE) AS same_unit
    FROM parsed p
    LEFT JOIN override o USING (report, page, row_index)
),
scored AS (
    SELECT d.*,
        CASE
            WHEN d.t.kind = 'empty' OR d.a.kind = 'empty' THEN NULL
            WHEN implausible_value(d.t) OR implausible_value(d.a) THEN NULL
            WHEN d.t.kind = 'grade' AND d.a.kind = 'grade' THEN 'qualitative_grade'
            WHEN d.t.kind = 'date' AND d.a.kind = 'yes_no' THEN 'deadline'
            WHEN d.t.kind = 'date' AND d.a.kind = 'date' THEN 'deadline'
            WHEN d.t.kind = 'yes_no' AND d.a.kind = 'yes_no' THEN 'yes_no'
            WHEN d.t.kind = 'threshold' AND d.a.kind IN ('percent', 'number', 'duration') AND d.same_unit
                THEN 'threshold'
            WHEN d.t.kind IN ('percent', 'number', 'duration') AND d.a.kind = d.t.kind AND d.same_unit
                THEN CASE d.direction WHEN 'lower_is_better' THEN 'ratio_lower_is_better'
                                      ELSE 'ratio_higher_is_better' END
            WHEN d.t.kind = 'text' AND d.a.kind = 'yes_no' THEN 'qualitative_yes_no'
            WHEN d.t.kind = 'text' AND d.a.kind = 'percent' THEN 'qualitative_completion'
        END AS scoring_method
    FROM directed d
),
computed AS (
    SELECT s.*,
        CASE s.scoring_method
            WHEN 'deadline' THEN
                CASE WHEN s.a.kind = 'yes_no' THEN if(s.a.flag, 100.0, 0.0)
                     ELSE if(s.a.date <= s.t.date, 100.0, 0.0) END
            WHEN 'yes_no' THEN if(s.a.flag = s.t.flag, 100.0, 0.0)
            WHEN 'threshold' THEN
                if(CASE s.t.comparator
                       WHEN '>' THEN s.a.base_number > s.t.base_number
                       WHEN '>=' THEN s.a.base_number >= s.t.base_number
                       WHEN '<' THEN s.a.base_number < s.t.base_number
                       WHEN '<=' THEN s.a.base_number <= s.t.base_number
                   END, 100.0, 0.0)
            WHEN 'ratio_higher_is_better' THEN
                CASE WHEN s.a.base_number >= s.t.base_number THEN 100.0
                     WHEN s.t.base_number > 0 AND s.a.base_number > 0
                         THEN 100.0 * s.a.base_number / s.t.base_number
                     ELSE 0.0 END
            WHEN 'ratio_lower_is_better' THEN
                CASE WHEN s.a.base_number <= s.t.base_number THEN 100.0
                     WHEN s.t.base_number > 0 AND s.a.base_number > 0
                         THEN 100.0 * s.t.base_number / s.a.base_number
                     ELSE 0.0 END
            WHEN 'qualitative_yes_no' THEN if(s.a.flag, 100.0, 0.0)
            WHEN 'qualitative_completion' THEN least(greatest(s.a.number, 0.0), 100.0)
            WHEN 'qualitative_grade' THEN
                if(pp_grade_rank(pp_fold(s.achieved)) >= pp_grade_rank(pp_fold(s.target)),
                   100.0, 0.0)
        END AS score,
        CASE WHEN s.s.kind = 'percent' THEN s.s.number
             WHEN s.s.kind = 'number' AND s.s.number BETWEEN 0 AND 100 THEN s.s.number
             WHEN s.s.kind = 'yes_no' THEN if(s.s.flag, 100.0, 0.0)
        END AS reported,
        printed_decimals(s.score_reported)::INTEGER AS decimals
    FROM scored s
)
SELECT
    report, page, row_index,
    t.kind AS target_kind, t.comparator AS target_comparator, t.number AS target_number,
    t.unit AS target_unit, t.date AS target_date, t.flag AS target_flag,
    a.kind AS achieved_kind, a.number AS achieved_number, a.unit AS achieved_unit,
    a.date AS achieved_date, a.flag AS achieved_flag,
    reported AS score_reported_number,
    direction, direction_rule,
    coalesce(scoring_method, 'unscorable') AS method,
    score AS score_recomputed,
    CASE WHEN score IS NULL THEN 'unscorable'
         WHEN score >= 100.0 - 1e-9 THEN 'met'
         WHEN score <= 1e-9 THEN 'not met'
         ELSE 'partial' END AS status,
    CASE
        WHEN score IS NOT NULL THEN NULL
        WHEN t.kind = 'empty' THEN 'no target printed'
        WHEN t.kind = 'not_available' THEN 'target not available (printed as not available)'
        WHEN a.kind = 'not_available' THEN 'achieved value not available (printed as not available)'
        WHEN a.kind = 'empty' THEN 'no achieved value printed'
        WHEN implausible_value(t) THEN 'target implausible for its unit: ' || target
        WHEN implausible_value(a) THEN 'achieved value implausible for its unit: ' || achieved
        WHEN t.kind = 'grade' OR a.kind = 'grade'
            THEN 'a grade compares only with a graded target: target ' || t.kind
                 || ', achieved ' || a.kind
        WHEN t.kind = 'date' THEN 'deadline target needs SI/NO or a date as achieved value, got ' || a.kind
        WHEN t.kind IN ('percent', 'number', 'duration', 'threshold') AND NOT same_unit
            THEN 'units differ: target ' || coalesce(t.unit, t.kind) || ', achieved ' || coalesce(a.unit, a.kind)
        ELSE 'cannot compare a ' || t.kind || ' target with a ' || a.kind || ' achieved value'
    END AS unscorable_reason,
    round(reported - score, 6) AS score_difference,
    coalesce(
        abs(reported - score) > 0.01
        AND abs(reported - round(score, decimals)) > 1e-9
        AND abs(reported - trunc(score * pow(10, decimals)) / pow(10, decimals)) > 1e-9,
        FALSE) AS is_discrepancy
FROM computed;
