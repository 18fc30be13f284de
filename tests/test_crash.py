"""Crash safety: ``kill -9`` a run at random moments (seeded), re-run, and get exactly the datasets
of a clean run: no row lost, none duplicated, every dataset readable after every kill.

Also: re-running after failures retries only the failed documents (``pipeline.incremental.todo``).
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from pipeline import samplegen, storage
from schemas.datasets import DATASETS, KEYS

ROOT = Path(__file__).resolve().parents[1]
N_REPORTS = 30
KILLS = 5
SEED = 20261128

RUN = """
import sys
from pipeline.limits import limits
from pipeline.run import run_batch
run_batch([sys.argv[1]], sys.argv[2], lim=limits(workers=2))
"""


def make_corpus(folder: Path, n: int = N_REPORTS, seed: int = SEED) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(n):
        template = rng.choice(("2021", "2021", "2019"))
        defects = (rng.choice(samplegen.KNOWN_DEFECTS),) if rng.random() < 0.3 else ()
        spec = samplegen.random_spec(rng, template, defects, file=f"r{i:03d}.html")
        (folder / spec["file"]).write_bytes(samplegen.render(spec))
    # a few documents that fail, so that failures and retries are part of the picture
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "notice.html").write_text("<html><body><h1>关于印发《某办法》的通知</h1><p>各部门：现印发。</p></body></html>",
                                        encoding="utf-8")


def start(corpus: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", RUN, str(corpus), str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def run_to_end(corpus: Path, out: Path) -> float:
    t0 = time.perf_counter()
    proc = start(corpus, out)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()[-3000:]
    return time.perf_counter() - t0


def readable(out: Path) -> None:
    """Every committed file of every dataset opens and reads (what a reader sees between runs)."""
    for name in DATASETS:
        if (out / name).is_dir():
            ds.dataset(out / name, partitioning="hive").to_table()
            pd.read_parquet(out / name)


def snapshot(out: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for name in DATASETS:
        if not (out / name).is_dir():
            continue
        df = pd.read_parquet(out / name)
        df = df.astype({c: "string" for c in df.columns if df[c].dtype == object})
        frames[name] = df.sort_values(list(df.columns), na_position="first", kind="stable").reset_index(drop=True)
    return frames


def test_kill_9_at_random_moments_then_rerun_equals_a_clean_run(tmp_path: Path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus)
    clean = tmp_path / "clean"
    t_clean = run_to_end(corpus, clean)

    out = tmp_path / "crashed"
    rng = random.Random(SEED)
    kills = 0
    t0 = time.perf_counter()
    for _ in range(KILLS):
        proc = start(corpus, out)
        time.sleep(rng.uniform(0.05, 1.1) * t_clean)  # anywhere: start-up, extraction, commit
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, at once
            kills += 1
        proc.wait()
        readable(out)
    run_to_end(corpus, out)
    t_crash = time.perf_counter() - t0
    print(f"\ncrash test: clean run {t_clean:.1f} s; {kills} kills + final run {t_crash:.1f} s")

    a, b = snapshot(clean), snapshot(out)
    assert sorted(a) == sorted(b)
    for name in a:
        pd.testing.assert_frame_equal(b[name], a[name], obj=name)
        key = [k for k in KEYS.get(name, ()) if k in b[name].columns]
        if key and name in ("reports", "applications", "reviews_litigation", "active_disclosure", "sections"):
            assert not b[name].duplicated(key).any(), f"{name}: duplicated rows after the kills"
    assert len(a["reports"]) == N_REPORTS + 2
    assert not list(out.rglob(f"{storage.TMP_PREFIX}*")), "temporary files left after the final run"
    assert not (out / storage.JOURNAL).exists()
    manifest = json.loads((out / storage.MANIFEST).read_text())
    for name in DATASETS:
        if name in manifest["datasets"] and (out / name).is_dir():
            assert manifest["datasets"][name]["rows"] == len(pd.read_parquet(out / name)), name


def test_rerun_retries_only_the_failed_documents(tmp_path: Path, monkeypatch):
    from extractors.base import sha256_hex
    from pipeline import run
    from pipeline.limits import limits

    corpus = tmp_path / "corpus"
    make_corpus(corpus, n=4)
    out = tmp_path / "out"
    first = run.run_batch([corpus], out, lim=limits(workers=0))
    assert first.skipped == 0 and first.n_documents == 6

    seen: list[str] = []
    real = run.process_path

    def spy(path, max_bytes=None):
        seen.append(Path(path).name)
        return real(path, max_bytes)

    monkeypatch.setattr(run, "process_path", spy)
    again = run.run_batch([corpus], out, lim=limits(workers=0))
    assert sorted(seen) == ["empty.pdf", "notice.html"], "only the failed documents are retried"
    assert again.skipped == 4

    # a changed file is new content: processed, and it replaces its previous version
    seen.clear()
    changed = corpus / "r000.html"
    changed.write_bytes(changed.read_bytes().replace("</body>".encode(), "<p>更正</p></body>".encode()))
    run.run_batch([corpus], out, lim=limits(workers=0))
    assert sorted(seen) == ["empty.pdf", "notice.html", "r000.html"]
    reports = pd.read_parquet(out / "reports")
    assert (reports.source == str(changed)).sum() == 1
    assert reports.loc[reports.source == str(changed), "report_id"].item() == sha256_hex(changed.read_bytes())

    # force re-reads everything; the datasets stay the same
    seen.clear()
    before = snapshot(out)
    run.run_batch([corpus], out, lim=limits(workers=0), force=True)
    assert len(seen) == 6
    for name, df in snapshot(out).items():
        pd.testing.assert_frame_equal(df, before[name], obj=name)


def test_a_version_bump_reprocesses_everything(tmp_path: Path, monkeypatch):
    from pipeline import incremental
    from pipeline.inputs import Input
    from pipeline.run import fingerprint, run_batch
    from pipeline.limits import limits

    corpus = tmp_path / "corpus"
    make_corpus(corpus, n=2)
    out = tmp_path / "out"
    run_batch([corpus], out, lim=limits(workers=0))
    inputs = [Input(p, fingerprint(p), str(p)) for p in sorted(corpus.iterdir())]
    assert {i.path.name for i in incremental.todo(inputs, out)} == {"empty.pdf", "notice.html"}
    monkeypatch.setattr(incremental, "EXTRACTOR_VERSION", "999-test")
    assert len(incremental.todo(inputs, out)) == len(inputs)


@pytest.mark.parametrize("kind", ["page", "attachment"])
def test_a_crawl_group_is_done_only_with_the_same_members(tmp_path: Path, kind):
    """A report published as a page plus an attachment is one group: it is skipped only when its
    committed row names the same documents (a new attachment means choosing again)."""
    from pipeline import incremental
    from pipeline.inputs import Input

    out = tmp_path / "out"
    a = Input(tmp_path / "a.html", "a" * 64, "http://x/a", "g1", "page")
    b = Input(tmp_path / "b.pdf", "b" * 64, "http://x/b.pdf", "g1", "attachment")
    row = {"report_id": "a" * 64 if kind == "page" else "b" * 64,
           "source": a.source if kind == "page" else b.source,
           "other_sources": json.dumps([b.source] if kind == "page" else [a.source]),
           "status": "ok"}
    with storage.DatasetWriter(out) as w:
        w.add({"report_id": row["report_id"], "source": row["source"], "datasets": {"reports": [
            {**row, "extractor_version": incremental.EXTRACTOR_VERSION}]}})
    assert incremental.todo([a, b], out) == []
    c = Input(tmp_path / "c.pdf", "c" * 64, "http://x/c.pdf", "g1", "attachment")
    assert incremental.todo([a, b, c], out) == [a, b, c]
