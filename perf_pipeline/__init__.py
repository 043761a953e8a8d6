"""perf-pipeline: municipal performance reports (PDF) → validated, scored DuckDB warehouse."""

import importlib.util
import sys

# pandera imports dask.dataframe whenever dask is installed (it is, for extraction on a
# cluster: dask.distributed); without pyarrow that import fails anyway, after about
# 0.5 s of loading dask.array. Marked absent, it fails at once. Nothing here uses Dask
# DataFrames.
if "dask.dataframe" not in sys.modules and importlib.util.find_spec("pyarrow") is None:
    sys.modules["dask.dataframe"] = None
