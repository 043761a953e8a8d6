-- The warehouse. Every table is keyed by `report` (the PDF's file name in raw/),
-- so one report is replaced in one transaction without touching the others.

CREATE TABLE IF NOT EXISTS reports (
    report          VARCHAR PRIMARY KEY,   -- file name in raw/
    entity          VARCHAR NOT NULL,      -- e.g. 'Comune di Milano'
    year            INTEGER,               -- reporting year
    title           VARCHAR,
    entity_source   VARCHAR,               -- where entity was read: document / file name
    year_source     VARCHAR,               -- table headers / document / file name
    pages           INTEGER NOT NULL,
    kpi_tables      INTEGER NOT NULL,
    sha256          VARCHAR NOT NULL,
    loaded_at       TIMESTAMP NOT NULL
);

-- One row per printed KPI row, cell texts exactly as printed. Same columns, same
-- order as the pandera model ExtractedKpiRows (a test holds them together).
CREATE TABLE IF NOT EXISTS kpi_rows (
    report          VARCHAR NOT NULL,
    page            INTEGER NOT NULL,      -- 1-based PDF page
    section         VARCHAR NOT NULL,
    area            VARCHAR NOT NULL,
    objective       VARCHAR NOT NULL,
    kpi             VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,
    achieved        VARCHAR NOT NULL,
    score_reported  VARCHAR NOT NULL,
    table_index     INTEGER NOT NULL,      -- 1-based KPI table on the page
    row_index       INTEGER NOT NULL,      -- 1-based KPI row on the page
    x0              DOUBLE NOT NULL,       -- row bounding box on the page, PDF points
    top             DOUBLE NOT NULL,
    x1              DOUBLE NOT NULL,
    bottom          DOUBLE NOT NULL,
    is_duplicate    BOOLEAN NOT NULL,      -- a later copy of a row printed twice
    duplicate_of    VARCHAR NOT NULL,      -- 'p<page>r<row>' of the first copy, or ''
    extra           VARCHAR NOT NULL,      -- JSON of extra columns (e.g. Peso, Note), or ''
    ocr             BOOLEAN NOT NULL,
    ocr_confidence  DOUBLE,
    PRIMARY KEY (report, page, row_index)
);

-- Parsed values and the recomputed score of every KPI row (see 03_score_kpis.sql).
CREATE TABLE IF NOT EXISTS kpi_scores (
    report                  VARCHAR NOT NULL,
    page                    INTEGER NOT NULL,
    row_index               INTEGER NOT NULL,
    target_kind             VARCHAR NOT NULL,  -- percent / number / duration / threshold / date / yes_no / not_available / text / empty
    target_comparator       VARCHAR,           -- '>', '>=', '<', '<=' for thresholds, '<=' for 'Entro il'
    target_number           DOUBLE,            -- as printed, in target_unit
    target_unit             VARCHAR,           -- percent / count / minutes / hours / days / weeks / months
    target_date             DATE,
    target_flag             BOOLEAN,
    achieved_kind           VARCHAR NOT NULL,
    achieved_number         DOUBLE,
    achieved_unit           VARCHAR,
    achieved_date           DATE,
    achieved_flag           BOOLEAN,
    score_reported_number   DOUBLE,            -- percentage points; SI = 100, NO = 0
    direction               VARCHAR NOT NULL,  -- higher_is_better / lower_is_better / not_applicable
    direction_rule          VARCHAR NOT NULL,  -- which rule or override decided it
    method                  VARCHAR NOT NULL,  -- how the score was computed, or 'unscorable'
    score_recomputed        DOUBLE,            -- 0..100, NULL when unscorable
    status                  VARCHAR NOT NULL,  -- met / partial / not met / unscorable
    unscorable_reason       VARCHAR,
    score_difference        DOUBLE,            -- reported - recomputed, percentage points
    is_discrepancy          BOOLEAN NOT NULL,
    PRIMARY KEY (report, page, row_index)
);

-- Findings across years (kpi_missing, target_changed), rebuilt with kpi_trends by
-- 06_kpi_trends.sql; quality_issues shows them.
CREATE TABLE IF NOT EXISTS trend_findings (
    report     VARCHAR NOT NULL,
    page       INTEGER,
    row_index  INTEGER,
    kpi        VARCHAR,
    "column"   VARCHAR,
    value      VARCHAR,
    "check"    VARCHAR NOT NULL,
    message    VARCHAR NOT NULL
);
