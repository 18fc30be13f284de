"""The flow on other task runners gives the same datasets, report for report, as the plain run;
an unchanged re-run submits no task at all."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.limits import limits
from pipeline.run import run_batch
from test_flow import CORE, SAMPLES, frames


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    samples = [p for p in sorted(SAMPLES.iterdir()) if p.suffix in (".html", ".docx", ".txt")]
    if not samples:
        pytest.skip(f"no samples in {SAMPLES}")
    d = tmp_path / "in"
    d.mkdir()
    for p in samples:
        shutil.copy(p, d / p.name)
    (d / "unknown.xyz").write_bytes(b"nothing to see")
    return d


def same_datasets(a: Path, b: Path) -> None:
    fa, fb = frames(a), frames(b)
    for name in CORE:
        pd.testing.assert_frame_equal(fa[name], fb[name], obj=name)


def test_dask_runner_matches_the_plain_run(inputs: Path, tmp_path: Path):
    pytest.importorskip("prefect_dask")
    from distributed import LocalCluster

    from flows import run_flow

    plain = tmp_path / "plain"
    run_batch([inputs], plain, lim=limits(workers=0))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        first = run_flow([str(inputs)], str(out), runner="dask", dask_address=cluster.scheduler_address,
                         chunk_size=2)
        assert first["tasks"] >= 2 and first["extracted"] == len(list(inputs.iterdir()))
        same_datasets(plain, out)
        again = run_flow([str(inputs)], str(out), runner="dask", dask_address=cluster.scheduler_address,
                         chunk_size=2)
    assert again["tasks"] == 0 and again["extracted"] == 0, again
    assert again["cached"] == first["extracted"]  # done reports skipped + failed ones from the cache
    same_datasets(plain, out)


@pytest.mark.skipif(not os.environ.get("XXGK_TEST_RAY"), reason="starts a local Ray (slow, ~1 GB): set XXGK_TEST_RAY=1")
def test_ray_runner_matches_the_plain_run(inputs: Path, tmp_path: Path):
    pytest.importorskip("prefect_ray")
    from flows import run_flow

    plain = tmp_path / "plain"
    run_batch([inputs], plain, lim=limits(workers=0))
    out = tmp_path / "ray"
    run_flow([str(inputs)], str(out), runner="ray", workers=2, chunk_size=2)
    same_datasets(plain, out)


def test_flow_reads_and_writes_urls(inputs: Path, tmp_path: Path):
    """A deployment can be given fsspec URLs directly: inputs in memory://, output in memory://."""
    import uuid

    import pyarrow.dataset as ds

    from flows import run_flow
    from pipeline import fs

    raw = f"memory://raw-{uuid.uuid4().hex[:8]}"
    raw_fs, raw_root = fs.filesystem(raw)
    for p in inputs.iterdir():
        raw_fs.pipe_file(f"{raw_root}/{p.name}", p.read_bytes())
    url = f"memory://out-{uuid.uuid4().hex[:8]}/xxgk"
    result = run_flow([raw], url, chunk_size=2)
    assert result["out"] == url and result["extracted"] == len(list(inputs.iterdir()))
    plain = tmp_path / "plain"
    run_batch([inputs], plain, lim=limits(workers=0))
    out_fs, root = fs.filesystem(url)
    for name in CORE:
        got = ds.dataset(f"{root}/{name}", filesystem=out_fs, partitioning="hive").to_table()
        assert got.num_rows == len(pd.read_parquet(plain / name)), name
