"""`perf-pipeline ingest` with nothing new skips a refresh that would change nothing,
and refreshes whenever something it reads changed or an output is gone."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO, project_with_fixture
from dagster import DagsterInstance

pytestmark = pytest.mark.slow

UP_TO_DATE = "up to date summaries, trends, exports and scorecard"


def ingest(env) -> str:
    proc = subprocess.run([sys.executable, "-m", "perf_pipeline.cli", "ingest"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def runs(env) -> int:
    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        return instance.get_runs_count()


def test_nothing_new_runs_nothing_until_an_input_or_output_changes(tmp_path):
    raw, db, _, env = project_with_fixture(tmp_path)
    first = ingest(env)
    assert "ok     milano_performance_2020.pdf" in first and UP_TO_DATE not in first
    after_first = runs(env)

    again = ingest(env)
    assert UP_TO_DATE in again and "unchanged milano_performance_2020.pdf" in again
    assert runs(env) == after_first

    # The scorecard deleted: made again.
    index = db.parent / "scorecard" / "index.html"
    index.unlink()
    assert UP_TO_DATE not in ingest(env)
    assert index.is_file() and runs(env) == after_first + 1
    assert UP_TO_DATE in ingest(env)

    # A correction naming a report that is not loaded: only the refresh reads it.
    (raw / "corrections.csv").write_text(
        "report,page,kpi,column,corrected_value,note\n"
        "altro_2020.pdf,3,Piano Quartieri,achieved,95%,not loaded\n", encoding="utf-8")
    assert UP_TO_DATE not in ingest(env)
    assert runs(env) == after_first + 2
    assert UP_TO_DATE in ingest(env)
    assert runs(env) == after_first + 2
