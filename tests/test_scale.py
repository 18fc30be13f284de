"""Scale without timing: streamed row groups, incremental re-runs that read and extract nothing,
and a bounded number of chunk results in flight in the flow."""
from __future__ import annotations

import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import process, run, storage
from pipeline.limits import limits
from test_storage_fs import bundle, write


def test_rows_stream_in_row_groups(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(storage, "ROW_GROUP_ROWS", 4)
    biggest = {"n": 0}
    real_add = storage.PartWriter.add

    def add(self, rows):
        real_add(self, rows)
        biggest["n"] = max(biggest["n"], len(self.buffer))

    monkeypatch.setattr(storage.PartWriter, "add", add)
    out = tmp_path / "out"
    write(out, [bundle(i, 2022) for i in range(30)], auto_compact=False)
    files = storage.committed_files(out, "applications")
    assert len(files) == 1
    meta = pq.ParquetFile(files[0]).metadata
    assert meta.num_rows == 30 and meta.num_row_groups >= 30 // 4
    assert biggest["n"] < 4, "the writer held more than one row group of rows"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    from pipeline import samplegen

    d = tmp_path / "in"
    d.mkdir()
    rng = random.Random(7)
    for i in range(3):
        spec = samplegen.random_spec(rng, "2021", (), file=f"r{i}.html")
        (d / spec["file"]).write_bytes(samplegen.render(spec))
    return d


def test_unchanged_rerun_neither_reads_nor_extracts(corpus: Path, tmp_path: Path, monkeypatch):
    calls = {"extract": 0, "hash": 0}
    real_extract, real_hash = process.extract_report, run.fingerprint

    def extract(*a, **kw):
        calls["extract"] += 1
        return real_extract(*a, **kw)

    def fingerprint(path):
        calls["hash"] += 1
        return real_hash(path)

    monkeypatch.setattr(process, "extract_report", extract)
    monkeypatch.setattr(run, "fingerprint", fingerprint)
    out, lim = tmp_path / "out", limits(workers=0)  # in this process, so the counters see it
    first = run.run_batch([corpus], out, lim=lim)
    assert calls == {"extract": 3, "hash": 3} and first.n_documents == 3
    calls.update(extract=0, hash=0)
    again = run.run_batch([corpus], out, lim=lim)
    assert calls == {"extract": 0, "hash": 0}, "an unchanged re-run read or extracted documents"
    assert again.skipped == 3 and again.n_documents == 0
    changed = corpus / "r1.html"
    changed.write_bytes(changed.read_bytes() + b"<!-- changed -->")
    calls.update(extract=0, hash=0)
    run.run_batch([corpus], out, lim=lim)
    assert calls == {"extract": 1, "hash": 1}
    assert len(pq.read_table(out / "reports")) == 3  # the changed file replaced its old row


def test_flow_keeps_a_bounded_window_of_chunks_in_flight():
    import flows

    in_flight, peak = set(), {"n": 0}

    class Future:
        def __init__(self, chunk):
            self.chunk = chunk
            in_flight.add(id(self))
            peak["n"] = max(peak["n"], len(in_flight))

        def result(self):
            in_flight.discard(id(self))
            if self.chunk == "bad":
                raise RuntimeError("task failed")
            return [self.chunk]

    chunks = [f"c{i}" for i in range(20)] + ["bad"]
    got = list(flows._stream(chunks, Future, window=3))
    assert [c for c, _, _ in got] == chunks  # in order
    assert peak["n"] <= 3
    assert got[-1][1] is None and isinstance(got[-1][2], RuntimeError)


def test_chunks_spread_the_slow_formats_over_every_chunk():
    """Inputs come sorted by path (all PDFs last): every chunk gets its share of them."""
    import flows

    groups = [[f"r{i:03d}.html"] for i in range(90)] + [[f"r{i:03d}.pdf"] for i in range(10)]
    chunks = flows._chunks(groups, 25)
    assert len(chunks) == 4 and all(20 <= sum(len(g) for g in c) <= 30 for c in chunks)
    assert sorted(g[0] for c in chunks for g in c) == sorted(g[0] for g in groups)  # each once
    assert all(sum(g[0].endswith(".pdf") for g in c) >= 2 for c in chunks)
