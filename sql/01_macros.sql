-- Parsing of the Italian values printed in KPI tables.
-- One definition, used by the scoring SQL and by the pandera checks (via DuckDB).
--
-- Numbers: '.' groups thousands and ',' is the decimal mark ('19.365' = 19365,
-- '37,25' = 37.25). A '.' not followed by groups of exactly three digits is read
-- as a decimal point ('2.5'), the only way such a string makes sense.

CREATE OR REPLACE MACRO pp_fold(s) AS
    trim(regexp_replace(replace(replace(replace(lower(coalesce(s, '')), '−', '-'), '–', '-'), ' ', ' '),
                        '\s+', ' ', 'g'));

CREATE OR REPLACE MACRO pp_number_pattern() AS
    '-?\s?(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?|\d*\.\d+)';

CREATE OR REPLACE MACRO it_number(s) AS (
    CASE
        WHEN regexp_full_match(replace(pp_fold(s), ' ', ''), '-?\d{1,3}(?:\.\d{3})+(?:,\d+)?')
            THEN TRY_CAST(replace(replace(replace(pp_fold(s), ' ', ''), '.', ''), ',', '.') AS DOUBLE)
        WHEN regexp_full_match(replace(pp_fold(s), ' ', ''), '-?\d+(?:,\d+)?')
            THEN TRY_CAST(replace(replace(pp_fold(s), ' ', ''), ',', '.') AS DOUBLE)
        WHEN regexp_full_match(replace(pp_fold(s), ' ', ''), '-?\d*\.\d+')
            THEN TRY_CAST(replace(pp_fold(s), ' ', '') AS DOUBLE)
    END
);

-- Duration units, as printed, to a canonical unit and its length in minutes.
CREATE OR REPLACE MACRO pp_duration_unit(u) AS (
    CASE
        WHEN regexp_full_match(u, 'minut[oi]|min\.?') THEN 'minutes'
        WHEN regexp_full_match(u, 'or[ae]|h') THEN 'hours'
        WHEN regexp_full_match(u, 'giorn[oi]|gg\.?|gg\. lavorativi|giorni lavorativi') THEN 'days'
        WHEN regexp_full_match(u, 'settiman[ae]') THEN 'weeks'
        WHEN regexp_full_match(u, 'mes[ei]') THEN 'months'
    END
);
CREATE OR REPLACE MACRO pp_unit_minutes(unit) AS (
    CASE unit WHEN 'minutes' THEN 1 WHEN 'hours' THEN 60 WHEN 'days' THEN 1440
              WHEN 'weeks' THEN 10080 WHEN 'months' THEN 43200 END
);

-- Markers a report prints for a value it does not have (folded: lower case).
CREATE OR REPLACE MACRO pp_not_available_pattern() AS
    'n\.? ?[dv]\.?|n/a|n\.a\.|-+|—|non (disponibile|valutabile|rilevabile|applicabile)';

-- Qualitative grades, worst to best: a grade is compared with a graded target by rank.
CREATE OR REPLACE MACRO pp_grade_rank(f) AS (
    CASE
        WHEN regexp_full_match(f, 'insufficiente|scarso|inadeguato|negativo') THEN 1
        WHEN regexp_full_match(f, 'sufficiente|adeguato') THEN 2
        WHEN regexp_full_match(f, 'discreto') THEN 3
        WHEN regexp_full_match(f, 'buono') THEN 4
        WHEN regexp_full_match(f, 'molto buono|distinto') THEN 5
        WHEN regexp_full_match(f, 'ottimo') THEN 6
        WHEN regexp_full_match(f, 'eccellente') THEN 7
    END
);

-- One pattern for every quantity, optionally behind a comparator:
-- [comparator] [gg.|giorni] number [% | unit word]. Groups: op, pre, num, unit.
CREATE OR REPLACE MACRO pp_quantity_pattern() AS
    '(>=|<=|≥|≤|>|<)?\s?(gg\.?|giorni)?\s?(' || pp_number_pattern() || ')\s?(%|[a-z.]+(?: lavorativi)?)?';

-- The parts of a quantity, or NULL when the text is not one ('59 docenti CIA' has an
-- unknown unit word and is text).
CREATE OR REPLACE MACRO pp_quantity(f) AS list_transform(
    [regexp_extract(f, '^' || pp_quantity_pattern() || '$', ['op', 'pre', 'num', 'unit'])],
    lambda q: CASE
        WHEN NOT regexp_full_match(f, pp_quantity_pattern()) THEN NULL
        WHEN q.pre <> '' AND q.unit <> '' THEN NULL
        WHEN q.unit NOT IN ('', '%') AND pp_duration_unit(q.unit) IS NULL THEN NULL
        ELSE {
            'comparator': nullif(replace(replace(q.op, '≥', '>='), '≤', '<='), ''),
            'unit': CASE WHEN q.unit = '%' THEN 'percent'
                         WHEN q.pre <> '' THEN 'days'
                         WHEN q.unit = '' THEN 'count'
                         ELSE pp_duration_unit(q.unit) END,
            'number': it_number(q.num)}
    END)[1];

-- Any cell value: yes/no, a grade ('ottimo', 'buono': pp_grade_rank), deadline or date, threshold ('>70%', '> 350', '<10%'),
-- percent, duration, number, not available ('n.d.', 'n.v.', 'N/A', '-', '—', 'non
-- disponibile': the report says it has no value), free text or empty. The raw string is kept by the caller.
-- (list_transform binds each intermediate value once, which keeps the inlined
-- macro small.)
CREATE OR REPLACE MACRO parse_value(s) AS list_transform([pp_fold(s)], lambda f:
    CASE
        WHEN f = '' THEN
            {'kind': 'empty', 'comparator': NULL::VARCHAR, 'number': NULL::DOUBLE,
             'unit': NULL::VARCHAR, 'base_number': NULL::DOUBLE, 'date': NULL::DATE,
             'flag': NULL::BOOLEAN}
        WHEN regexp_full_match(f, pp_not_available_pattern()) THEN
            {'kind': 'not_available', 'comparator': NULL, 'number': NULL, 'unit': NULL,
             'base_number': NULL, 'date': NULL, 'flag': NULL}
        WHEN pp_grade_rank(f) IS NOT NULL THEN
            {'kind': 'grade', 'comparator': NULL, 'number': NULL, 'unit': NULL,
             'base_number': NULL, 'date': NULL, 'flag': NULL}
        WHEN regexp_full_match(f, 'si|sì|sí|yes|no') THEN
            {'kind': 'yes_no', 'comparator': NULL, 'number': NULL, 'unit': NULL,
             'base_number': NULL, 'date': NULL, 'flag': f <> 'no'}
        WHEN regexp_full_match(f, '(entro (il |al )?|al |by )?\d{1,2}[/.-]\d{1,2}[/.-]\d{4}') THEN
            {'kind': 'date',
             'comparator': CASE WHEN regexp_matches(f, '^(entro|al|by)') THEN '<=' END,
             'number': NULL, 'unit': NULL, 'base_number': NULL,
             'date': try_strptime(regexp_replace(regexp_extract(f, '\d{1,2}[/.-]\d{1,2}[/.-]\d{4}'),
                                                 '[.-]', '/', 'g'), '%d/%m/%Y')::DATE,
             'flag': NULL}
        ELSE list_transform([pp_quantity(f)], lambda q:
            CASE
                WHEN q IS NULL THEN
                    {'kind': 'text', 'comparator': NULL, 'number': NULL, 'unit': NULL,
                     'base_number': NULL, 'date': NULL, 'flag': NULL}
                ELSE
                    {'kind': CASE WHEN q.comparator IS NOT NULL THEN 'threshold'
                                  WHEN q.unit = 'percent' THEN 'percent'
                                  WHEN q.unit = 'count' THEN 'number'
                                  ELSE 'duration' END,
                     'comparator': q.comparator, 'number': q.number, 'unit': q.unit,
                     'base_number': q.number * coalesce(pp_unit_minutes(q.unit), 1),
                     'date': NULL, 'flag': NULL}
            END)[1]
    END)[1];

-- A threshold of quality/rules.py (table quality_checks, written before this file).
CREATE OR REPLACE MACRO quality_threshold(name) AS
    (SELECT threshold FROM quality_checks WHERE "check" = name);

-- A printed score a report can mean: 0 to 200 % (over-achievement is printed, but
-- '999999999999999999999%' is a slip). Others are kept as printed, flagged and left out
-- of the means of the summaries.
CREATE OR REPLACE MACRO plausible_score(n) AS
    n BETWEEN 0 AND quality_threshold('implausible_score');

-- A parsed target or achieved value no report can mean ('99999999%'): the row is left
-- unscorable, so out of every mean (rules implausible_percent, implausible_quantity).
CREATE OR REPLACE MACRO implausible_value(v) AS coalesce(
    CASE WHEN v.unit = 'percent' THEN abs(v.number) > quality_threshold('implausible_percent')
         ELSE abs(v.base_number) > quality_threshold('implausible_quantity') END, FALSE);

-- Decimals printed in a score ('79,87%' -> 2): the precision a report rounds or truncates to.
CREATE OR REPLACE MACRO printed_decimals(s) AS
    coalesce(length(regexp_extract(pp_fold(s), '[.,](\d+)\s?%?$', 1)), 0);
