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

-- A quantity: a percentage, a duration ('5 minuti', 'gg. 6') or a plain number.
-- Returns NULL when the text is none of these.
CREATE OR REPLACE MACRO parse_quantity(s) AS (
    CASE
        WHEN regexp_full_match(pp_fold(s), '(' || pp_number_pattern() || ')\s?%') THEN {
            'kind': 'percent', 'unit': 'percent',
            'number': it_number(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')', 1)),
            'base_number': it_number(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')', 1))}
        WHEN regexp_full_match(pp_fold(s), '(' || pp_number_pattern() || ')\s?([a-z.]+(?: lavorativi)?)')
             AND pp_duration_unit(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')\s?([a-z.]+(?: lavorativi)?)', 2)) IS NOT NULL
            THEN {
            'kind': 'duration',
            'unit': pp_duration_unit(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')\s?([a-z.]+(?: lavorativi)?)', 2)),
            'number': it_number(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')', 1)),
            'base_number': it_number(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')', 1))
                * pp_unit_minutes(pp_duration_unit(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')\s?([a-z.]+(?: lavorativi)?)', 2)))}
        WHEN regexp_full_match(pp_fold(s), '(gg\.?|giorni)\s?(' || pp_number_pattern() || ')') THEN {
            'kind': 'duration', 'unit': 'days',
            'number': it_number(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')', 1)),
            'base_number': it_number(regexp_extract(pp_fold(s), '(' || pp_number_pattern() || ')', 1)) * 1440}
        WHEN regexp_full_match(pp_fold(s), pp_number_pattern()) THEN {
            'kind': 'number', 'unit': 'count',
            'number': it_number(pp_fold(s)), 'base_number': it_number(pp_fold(s))}
    END
);

-- Any cell value: yes/no, deadline or date, threshold ('>70%', '> 350', '<10%'),
-- quantity, free text or empty. The raw string is kept by the caller.
CREATE OR REPLACE MACRO parse_value(s) AS (
    CASE
        WHEN pp_fold(s) = '' THEN
            {'kind': 'empty', 'comparator': NULL::VARCHAR, 'number': NULL::DOUBLE,
             'unit': NULL::VARCHAR, 'base_number': NULL::DOUBLE, 'date': NULL::DATE, 'flag': NULL::BOOLEAN}
        WHEN regexp_full_match(pp_fold(s), 'si|sì|sí|yes|no') THEN
            {'kind': 'yes_no', 'comparator': NULL, 'number': NULL, 'unit': NULL, 'base_number': NULL,
             'date': NULL, 'flag': pp_fold(s) <> 'no'}
        WHEN regexp_full_match(pp_fold(s), '(entro (il |al )?|al |by )?\d{1,2}[/.-]\d{1,2}[/.-]\d{4}') THEN
            {'kind': 'date',
             'comparator': CASE WHEN regexp_matches(pp_fold(s), '^(entro|al|by)') THEN '<=' END,
             'number': NULL, 'unit': NULL, 'base_number': NULL,
             'date': try_strptime(regexp_replace(regexp_extract(pp_fold(s), '\d{1,2}[/.-]\d{1,2}[/.-]\d{4}'),
                                                 '[.-]', '/', 'g'), '%d/%m/%Y')::DATE,
             'flag': NULL}
        WHEN regexp_full_match(pp_fold(s), '(>=|<=|≥|≤|>|<)\s?(.+)')
             AND parse_quantity(regexp_extract(pp_fold(s), '(>=|<=|≥|≤|>|<)\s?(.+)', 2)) IS NOT NULL THEN
            {'kind': 'threshold',
             'comparator': replace(replace(regexp_extract(pp_fold(s), '(>=|<=|≥|≤|>|<)', 1), '≥', '>='), '≤', '<='),
             'number': parse_quantity(regexp_extract(pp_fold(s), '(>=|<=|≥|≤|>|<)\s?(.+)', 2)).number,
             'unit': parse_quantity(regexp_extract(pp_fold(s), '(>=|<=|≥|≤|>|<)\s?(.+)', 2)).unit,
             'base_number': parse_quantity(regexp_extract(pp_fold(s), '(>=|<=|≥|≤|>|<)\s?(.+)', 2)).base_number,
             'date': NULL, 'flag': NULL}
        WHEN parse_quantity(s) IS NOT NULL THEN
            {'kind': parse_quantity(s).kind, 'comparator': NULL, 'number': parse_quantity(s).number,
             'unit': parse_quantity(s).unit, 'base_number': parse_quantity(s).base_number,
             'date': NULL, 'flag': NULL}
        ELSE
            {'kind': 'text', 'comparator': NULL, 'number': NULL, 'unit': NULL, 'base_number': NULL,
             'date': NULL, 'flag': NULL}
    END
);

-- Decimals printed in a score ('79,87%' -> 2): the precision a report rounds or truncates to.
CREATE OR REPLACE MACRO printed_decimals(s) AS
    coalesce(length(regexp_extract(pp_fold(s), '[.,](\d+)\s?%?$', 1)), 0);
