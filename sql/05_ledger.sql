-- The ingestion ledger: one row per file and attempt, written by the Dagster runs
-- themselves (so `perf-pipeline ingest` and runs launched from the UI, the sensor or the
-- schedule all record alike). One run can ingest several reports (a batch): an attempt
-- is one report in one run.
--
-- status: running      the run is between extraction and scoring (or died there)
--         ingested     extracted, loaded and scored
--         failed       the file could not be read, or a step raised (see error)
--         quarantined  a blocking pandera check rejected the rows (see error)
--         skipped      not loaded because another report of the same run failed or was
--                      quarantined (see error); `perf-pipeline ingest` retries it at once
--         removed      `perf-pipeline forget` deleted the report's rows
CREATE TABLE IF NOT EXISTS ingestion_ledger (
    attempt_id   VARCHAR PRIMARY KEY,   -- '<run_id>:<report>'
    run_id       VARCHAR,               -- the Dagster run id, or 'forget-<uuid>'
    report       VARCHAR NOT NULL,      -- file name in raw/
    sha256       VARCHAR,
    size_bytes   BIGINT,
    pages        INTEGER,
    entity       VARCHAR,
    year         INTEGER,
    trigger      VARCHAR NOT NULL,      -- cli / sensor / schedule / ui
    started_at   TIMESTAMP NOT NULL,    -- UTC
    finished_at  TIMESTAMP,             -- UTC, NULL while running
    status       VARCHAR NOT NULL,
    kpi_rows     INTEGER,
    error        VARCHAR
);
-- Ledgers written before batches keyed an attempt by its run id alone.
ALTER TABLE ingestion_ledger ADD COLUMN IF NOT EXISTS run_id VARCHAR;

-- The latest attempt of every file.
CREATE OR REPLACE VIEW ledger_latest AS
SELECT * FROM ingestion_ledger
QUALIFY row_number() OVER (PARTITION BY report ORDER BY started_at DESC, attempt_id DESC) = 1;

-- Files whose rows in the warehouse come from their latest attempt, ingested from this
-- content and scored with these corrections: `perf-pipeline ingest` skips a file whose
-- sha256 and corrections digest are listed here.
CREATE OR REPLACE VIEW ingested_files AS
SELECT l.report, l.sha256, coalesce(r.corrections_sha, '') AS corrections_sha, l.entity,
       l.year, l.finished_at
FROM ledger_latest l
JOIN reports r ON r.report = l.report AND r.sha256 = l.sha256
WHERE l.status = 'ingested';

-- What has been loaded and tried, in one row: a refresh of the tables over all reports
-- records it (with the code and inputs: store.refresh_inputs), so `perf-pipeline ingest`
-- with nothing new skips a refresh that would change nothing.
CREATE OR REPLACE VIEW refresh_state AS
SELECT
    (SELECT count(*) FROM reports) AS reports,
    (SELECT max(loaded_at) FROM reports) AS last_loaded_at,
    (SELECT sum(hash(report || sha256)) FROM reports) AS report_contents,
    (SELECT count(*) FROM ingestion_ledger) AS attempts,
    (SELECT sum(hash(attempt_id || status || coalesce(finished_at::VARCHAR, '')))
     FROM ingestion_ledger) AS attempt_outcomes;
