"""The Dagster UI: a real `dagster-webserver` on 127.0.0.1 over an instance filled by the
main command, asked through its GraphQL API what a user would look at."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import FIXTURE_PDF, REPO
from nextyear import FILE_NAME, build_next_year_report
from typer.testing import CliRunner

from perf_pipeline.cli import app

pytestmark = [pytest.mark.slow, pytest.mark.ui]

STARTUP_TIMEOUT = 90.0
REPORTS = sorted([FIXTURE_PDF.name, FILE_NAME])
ASSETS = {"report_pdf", "extracted_kpi_rows", "warehouse_kpi_rows", "kpi_scores",
          "kpi_summaries", "kpi_trends", "area_trends", "warehouse_exports", "scorecard"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Webserver:
    def __init__(self, port: int, env: dict[str, str], log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        webserver = Path(sys.executable).with_name("dagster-webserver")
        self.process = subprocess.Popen(
            [str(webserver), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env={**os.environ, **env}, stdout=log.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql", data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert "errors" not in body, body
        return body["data"]

    def wait_until_loaded(self) -> None:
        """Up when /server_info answers and the code location has loaded."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=5):
                    pass
                entries = self.graphql(
                    "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus "
                    "locationOrLoadError { ... on PythonError { message } } } } } }"
                )["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    errors = [e["locationOrLoadError"].get("message") for e in entries]
                    assert not any(errors), f"code location failed to load: {errors}"
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise AssertionError(f"webserver not ready in {STARTUP_TIMEOUT}s:\n"
                             + self.log.read_text()[-3000:])

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    raw, home = root / "raw", root / "dagster_home"
    raw.mkdir()
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)
    shutil.copy(FIXTURE_PDF, raw)
    build_next_year_report(raw)
    env = {"DAGSTER_HOME": str(home), "PERF_PIPELINE_DB": str(root / "perf.duckdb"),
           "PERF_PIPELINE_RAW_DIR": str(raw)}
    ingest = CliRunner().invoke(app, ["ingest"], env=env, catch_exceptions=False)
    assert ingest.exit_code == 0, ingest.output

    server = Webserver(free_port(), env, root / "webserver.log")
    try:
        server.wait_until_loaded()
        yield server
    finally:
        server.stop()
    assert server.process.returncode is not None


def test_asset_graph(webserver):
    nodes = webserver.graphql(
        "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"
    )["assetNodes"]
    graph = {"/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
             for n in nodes}
    assert set(graph) == ASSETS
    assert graph["extracted_kpi_rows"] == {"report_pdf"}
    assert graph["kpi_trends"] == {"kpi_scores"}
    assert graph["area_trends"] == {"kpi_trends"}
    assert graph["warehouse_exports"] == {"kpi_summaries", "area_trends"}
    assert graph["scorecard"] == {"kpi_summaries", "kpi_trends", "area_trends"}


def test_partitions_of_both_reports_are_materialised(webserver):
    node = webserver.graphql("""{ assetNodes(assetKeys: [{path: ["kpi_scores"]}]) {
        partitionKeysByDimension { partitionKeys }
        assetPartitionStatuses { ... on DefaultPartitionStatuses {
            materializedPartitions failedPartitions } } } }""")["assetNodes"][0]
    assert node["partitionKeysByDimension"][0]["partitionKeys"] == REPORTS
    statuses = node["assetPartitionStatuses"]
    assert sorted(statuses["materializedPartitions"]) == REPORTS
    assert statuses["failedPartitions"] == []


def test_asset_check_results_per_report(webserver):
    data = webserver.graphql("""{
        extracted: assetCheckExecutions(assetKey: {path: ["extracted_kpi_rows"]},
            checkName: "extracted_rows_match_schema", limit: 10) {
            status partition evaluation { success } }
        scores: assetCheckExecutions(assetKey: {path: ["kpi_scores"]},
            checkName: "scores_match_schema", limit: 10) {
            status partition evaluation { success } }
        trends: assetCheckExecutions(assetKey: {path: ["kpi_trends"]},
            checkName: "trends_match_schema", limit: 10) {
            status evaluation { success } } }""")
    for name in ("extracted", "scores"):
        # Both reports were ingested in one run: one evaluation per report (partition),
        # and the run's own over both (no partition).
        executions = data[name]
        assert sorted(e["partition"] or "" for e in executions) == ["", *REPORTS], name
        assert {(e["status"], e["evaluation"]["success"]) for e in executions} == {
            ("SUCCEEDED", True)}
    assert [e["status"] for e in data["trends"]] == ["SUCCEEDED"]


def test_sensors_schedule_and_chart_metadata(webserver):
    data = webserver.graphql("""{
        workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError {
            ... on RepositoryLocation { repositories {
                sensors { name sensorState { status } }
                schedules { name cronSchedule executionTimezone scheduleState { status } }
        } } } } } }
        assetOrError(assetKey: {path: ["area_trends"]}) { ... on Asset {
            assetMaterializations(limit: 1) { metadataEntries {
                label ... on MarkdownMetadataEntry { mdStr } } } } } }""")
    [location] = data["workspaceOrError"]["locationEntries"]
    [repository] = location["locationOrLoadError"]["repositories"]
    sensors = {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    assert sensors == {"raw_reports_sensor": "RUNNING"}
    [schedule] = repository["schedules"]
    assert (schedule["name"], schedule["cronSchedule"], schedule["executionTimezone"]) == (
        "monthly_refresh", "0 6 1 * *", "Europe/Rome")
    [materialization] = data["assetOrError"]["assetMaterializations"]
    entries = {e["label"]: e.get("mdStr") for e in materialization["metadataEntries"]}
    assert entries["chart"].startswith(
        "![Share of KPIs met by area, per year](data:image/png;base64,iVBORw0KGgo")
    assert "MILANO DIGITALE" in entries["latest_year_by_area"]
