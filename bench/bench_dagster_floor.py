"""What an in-process Dagster run of the ingest job's shape costs with no work in it,
as whole processes, paired round by round with plain pdfplumber (bench/plain_pdfplumber.py).

Usage (from the repo root):
    uv run python bench/bench_dagster_floor.py [--rounds 7]

The ingest job's shape (its steps, the assets each materialises, the checks each
evaluates) is read from the project's own definitions; a skeleton job of that shape,
whose steps do nothing, then runs in a new process against a persistent SQLite
instance (created beforehand, as in a project that has ingested before), the way
`perf-pipeline ingest` runs the real one. Printed beside it: a process that only
imports Dagster and pandas and opens that instance, and a run of one asset with no
checks. They are the part of an ingest's time that no change to the project's own code
(extraction, SQL, charts) can remove while its runs go through Dagster.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, timed_process  # noqa: E402

# Runs in the child process: only Dagster (and pandas, which every step's DataFrame
# work needs) is imported; the shape comes in as JSON.
SKELETON = r"""
import json, sys
import pandas  # noqa: F401
from dagster import (AssetCheckResult, AssetCheckSpec, AssetSpec, DagsterInstance,
                     DynamicPartitionsDefinition, MaterializeResult, define_asset_job,
                     Definitions, multi_asset)

shape = json.loads(sys.argv[1])
partitions = DynamicPartitionsDefinition(name="reports")
steps, previous = [], []
for step in shape["steps"]:
    specs = [AssetSpec(a, deps=previous, partitions_def=partitions if step["partitioned"]
                       else None) for a in step["assets"]]
    checks = [AssetCheckSpec(c, asset=step["assets"][0]) for c in step["checks"]]

    def make_body(step):
        def body(context):
            results = [AssetCheckResult(check_name=c, asset_key=step["assets"][0],
                                        passed=True) for c in step["checks"]]
            for i, a in enumerate(step["assets"]):
                yield MaterializeResult(asset_key=a, check_results=results if i == 0 else [])
        return body

    steps.append(multi_asset(name=step["name"], specs=specs, check_specs=checks,
                             can_subset=False)(make_body(step)))
    previous = step["assets"]
job = define_asset_job("ingest_report_skeleton")
defs = Definitions(assets=steps, jobs=[job])
with DagsterInstance.get() as instance:
    if "report.pdf" not in instance.get_dynamic_partitions("reports"):
        instance.add_dynamic_partitions("reports", ["report.pdf"])
    if sys.argv[2] == "run":
        result = defs.resolve_job_def("ingest_report_skeleton").execute_in_process(
            instance=instance, partition_key="report.pdf",
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
        assert result.success
"""


def ingest_shape() -> dict:
    """The real ingest job's steps, in run order: which assets each materialises and
    which checks it evaluates."""
    from perf_pipeline.defs.assets import INGEST_ASSETS, SUMMARY_ASSETS

    return {
        "steps": [
            {
                "name": step.node_def.name,
                "assets": [k.to_user_string() for k in sorted(step.keys)],
                "checks": [k.name for k in sorted(step.check_keys)],
                "partitioned": step.partitions_def is not None,
            }
            for step in [*INGEST_ASSETS, *SUMMARY_ASSETS]
        ]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pdf", type=Path, default=REPO / "raw" / "milano_performance_2020.pdf")
    args = parser.parse_args()
    shape = ingest_shape()
    print(
        f"ingest job shape: {len(shape['steps'])} steps, "
        f"{sum(len(s['assets']) for s in shape['steps'])} assets, "
        f"{sum(len(s['checks']) for s in shape['steps'])} checks"
    )
    # The least any run costs: one asset, no checks.
    one_step = {"steps": [{"name": "one", "assets": ["one"], "checks": [], "partitioned": True}]}
    commands = {
        "open instance": [sys.executable, "-c", SKELETON, json.dumps(shape), "open"],
        "one-step run": [sys.executable, "-c", SKELETON, json.dumps(one_step), "run"],
        "skeleton run": [sys.executable, "-c", SKELETON, json.dumps(shape), "run"],
    }
    figures: dict[str, list[float]] = {"plain": [], **{name: [] for name in commands}}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "dagster_home"
        home.mkdir()
        shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
        env = dict(os.environ, DAGSTER_HOME=str(home))
        # The first run creates the instance, as a first ingest would.
        timed_process(commands["skeleton run"], env)
        for _ in range(args.rounds):
            figures["plain"].append(
                timed_process([sys.executable, "bench/plain_pdfplumber.py", str(args.pdf)], env)
            )
            for name, command in commands.items():
                figures[name].append(timed_process(command, env))
    for name, values in figures.items():
        print(
            f"{name:<14} median {statistics.median(values):6.3f} s  "
            f"(min {min(values):.3f}, max {max(values):.3f})"
        )
    for name in commands:
        ratios = [a / b for a, b in zip(figures[name], figures["plain"], strict=True)]
        print(
            f"{name} / plain pdfplumber: median {statistics.median(ratios):.3f} "
            f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {args.rounds} rounds"
        )


if __name__ == "__main__":
    main()
