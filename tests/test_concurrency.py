"""Two runs into the same --out at once: the second refuses with a clear message, the first
completes untouched; a killed run's lock does not block the next one."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from pipeline import storage
from schemas.datasets import KEYS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_crash import make_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", *args, "--no-prefect", "--no-progress"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, text=True)


def wait_for_lock(out: Path, pid: int, timeout: float = 120) -> None:
    """Until the run ``pid`` holds the output's lock (it writes its pid into the lock file)."""
    lock = out / storage.LOCK
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"run {pid} never took the lock")


def test_second_run_into_the_same_out_refuses(tmp_path: Path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, n=20)
    out = tmp_path / "out"
    first = cli(str(corpus), "--out", str(out))
    wait_for_lock(out, first.pid)
    second = cli(str(corpus), "--out", str(out))
    text, _ = second.communicate(timeout=300)
    assert first.poll() is None, "the first run should still be writing (make the corpus larger)"
    assert second.returncode == 2, text
    assert "another xxgk run" in text and f"pid {first.pid}" in text and "--out" in text, text
    text1, _ = first.communicate(timeout=600)
    assert first.returncode == 0, text1
    reports = pd.read_parquet(out / "reports")
    assert len(reports) == 22 and not reports.duplicated(list(KEYS["reports"])).any()


def test_the_lock_of_a_killed_run_is_free(tmp_path: Path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, n=20)
    out = tmp_path / "out"
    first = cli(str(corpus), "--out", str(out))
    wait_for_lock(out, first.pid)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    again = cli(str(corpus), "--out", str(out))
    text, _ = again.communicate(timeout=600)
    assert again.returncode == 0, text
    assert len(pd.read_parquet(out / "reports")) == 22
