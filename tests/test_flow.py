"""The Prefect flow in local mode (no server configured): same datasets as the plain run, and an
unchanged re-run served from the task cache under OUT/.cache (no extraction at all)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import process
from pipeline.run import run_batch
from schemas.datasets import arrow_schema

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CORE = ("reports", "active_disclosure", "applications", "reviews_litigation", "findings", "failures",
        "sections", "claims")


def frames(out: Path) -> dict[str, pd.DataFrame]:
    result = {}
    for name in CORE:
        df = pd.read_parquet(out / name)
        assert list(df.columns) == arrow_schema(name).names
        result[name] = df.sort_values(list(df.columns), na_position="first", kind="stable").reset_index(drop=True)
    return result


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    samples = [p for p in sorted(SAMPLES.iterdir()) if not p.name.endswith(".json")]
    if not samples:
        pytest.skip(f"no samples in {SAMPLES}")
    d = tmp_path / "in"
    d.mkdir()
    for p in samples[:2]:
        shutil.copy(p, d / p.name)
    (d / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(512))
    (d / "unknown.xyz").write_bytes(b"nothing to see")
    return d


@pytest.fixture
def extraction_counter(monkeypatch, tmp_path) -> dict[str, int]:
    """Counts calls of the extraction function, in task threads and in the forked worker
    processes that extract in isolation (each call appends a line to a file)."""
    # The patched function must reach the workers: fork them from this process (the flow's
    # default is a fork server, which would start them without the patch).
    monkeypatch.setenv("XXGK_START_METHOD", "fork")
    log = tmp_path / "extractions.log"
    log.touch()
    real = process.extract_report

    def counting(data: bytes, source: str, **kw):
        with open(log, "a") as f:  # one short append: atomic across processes
            f.write("x\n")
        return real(data, source, **kw)

    class Counter(dict):
        def __getitem__(self, key):
            return len(log.read_text().splitlines())

        def __setitem__(self, key, value):
            assert value == 0
            log.write_text("")

    monkeypatch.setattr(process, "extract_report", counting)
    return Counter()


def test_flow_matches_plain_run_and_reruns_from_cache(inputs: Path, tmp_path: Path, extraction_counter):
    from flows import run_flow

    assert "PREFECT_API_URL" not in os.environ  # local mode
    out_flow, out_plain = tmp_path / "flow", tmp_path / "plain"
    first = run_flow([str(inputs)], str(out_flow))
    assert extraction_counter["n"] == 4
    assert first["reports"].get("failed") == 2
    run_batch([inputs], out_plain)
    a, b = frames(out_flow), frames(out_plain)
    for name in CORE:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    assert any((out_flow / ".cache").iterdir()), "task results are not cached under OUT/.cache"

    extraction_counter["n"] = 0
    second = run_flow([str(inputs)], str(out_flow))
    assert extraction_counter["n"] == 0, "an unchanged re-run extracted documents again"
    assert second["cached"] == 4
    c = frames(out_flow)
    for name in CORE:
        pd.testing.assert_frame_equal(c[name], a[name], obj=name)

    # a changed file is re-extracted, and only that one
    (inputs / "unknown.xyz").write_bytes(b"changed, still nothing to see")
    run_flow([str(inputs)], str(out_flow))
    assert extraction_counter["n"] == 1
    failures = pd.read_parquet(out_flow / "failures")
    assert (failures.source == str(inputs / "unknown.xyz")).sum() == 1
