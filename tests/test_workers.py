"""Worker isolation: a crash, a hang or a memory hog costs one job, and the rest complete."""
import os
import time

from pipeline.workers import run_isolated


def _job(arg):
    kind, n = arg
    if kind == "crash":
        os._exit(139)  # what a segfault in a native library looks like from outside
    if kind == "hang":
        time.sleep(60)
    if kind == "hog":
        blocks = [bytearray(50 * 1024 * 1024) for _ in range(100)]  # 5 GB
        return len(blocks)
    if kind == "raise":
        raise ValueError(f"bad input {n}")
    return n * 2


def test_failures_are_isolated_and_the_batch_completes():
    jobs = [("ok", 1), ("crash", 2), ("ok", 3), ("hang", 4), ("raise", 5), ("hog", 6), ("ok", 7)]
    results = {r.index: r for r in run_isolated(_job, jobs, workers=2, timeout_s=2, memory_mb=512)}
    assert sorted(results) == list(range(len(jobs)))
    assert [results[i].value for i in (0, 2, 6)] == [2, 6, 14]
    assert results[1].error == "WorkerCrash" and not results[1].ok
    assert results[3].error == "Timeout"
    assert results[4].error == "ValueError" and "bad input 5" in results[4].message
    assert results[5].error == "MemoryLimit"


def test_empty_input_yields_nothing():
    assert list(run_isolated(_job, [])) == []
