# Everything sets itself up from the lock file: a fresh machine needs only python3.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# `setup` syncs the environment when the lock changes; commands then run in it as it is
# (uv run would check the sync and every file's bytecode again: about 0.7 s each).
RUN := $(UV) run --no-sync
export UV_PYTHON_DOWNLOADS := never
# Compile bytecode at install: with PYTHONDONTWRITEBYTECODE set (as on CI machines),
# every command would otherwise compile Dagster's sources again (about 4 s).
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME ?= $(CURDIR)/dagster_home

.PHONY: setup run test ui bench bench-scale lock clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --all-extras
	@touch $@

setup: .venv/.synced

## Ingest every PDF in raw/ into data/perf.duckdb (override with PERF_PIPELINE_DB).
run: setup
	$(RUN) perf-pipeline ingest

## Run the whole test suite.
test: setup
	$(RUN) pytest

## The Dagster UI on http://127.0.0.1:3000 (same instance as `make run`).
ui: setup
	$(RUN) dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## Benchmarks (numbers go in issue notes, not in tests).
bench: setup
	$(RUN) python bench/bench_extraction.py
	$(RUN) python bench/bench_ocr.py

## Scale: main command over a synthetic corpus, incremental add, peak memory (500 pages).
bench-scale: setup
	$(RUN) python bench/bench_scale.py --reports 10

lock: $(UV)
	$(UV) lock

clean:
	rm -rf .venv $(TOOLS) data dagster_home/storage dagster_home/history dagster_home/schedules dagster_home/logs
