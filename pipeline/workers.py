"""Run one job per document in worker processes with a time and a memory cap.

Why processes: a native crash (segfault in a PDF or OCR library), a runaway allocation or an
endless loop must cost ONE document, not the night's batch. ``concurrent.futures`` pools are
unusable for that: one dead worker breaks the whole pool. Here each worker is a long-lived
process fed through a pipe; a worker that dies, overruns its time or hits its memory cap is
killed, the job is reported as failed, and a fresh worker takes its place.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator

DEFAULT_TIMEOUT_S = 300.0  # per document
DEFAULT_MEMORY_MB = 2048  # resident memory a document may add to its worker
# Address-space backstop, as a multiple of the memory cap on top of the worker's start-up size.
# Resident memory is what the cap is about (checked by the parent every POLL_S), but libraries
# reserve far more address space than they touch (onnxruntime for OCR: 2.6 GB for 1 GB resident),
# so the hard RLIMIT_AS only stops a runaway allocation that outpaces the polling.
ADDRESS_SPACE_FACTOR = 4
POLL_S = 0.25
MAX_JOBS_PER_WORKER = 200  # then a fresh worker: leaks and heap fragmentation do not pile up


@dataclass
class JobResult:
    index: int  # position of the job in the input
    ok: bool
    value: Any = None  # the function's return value when ok
    error: str | None = None  # exception class, "Timeout", "MemoryLimit" or "WorkerCrash"
    message: str | None = None


def _limit_memory(memory_mb: int | None) -> None:
    if not memory_mb:
        return
    try:
        import resource

        # The cap is memory a document may use ON TOP of the worker's start-up size: a forked
        # worker inherits the parent's address space (pyarrow, lxml... reserve hundreds of MB of
        # it without using it), so an absolute cap would leave documents a random budget.
        cap = _address_space() + ADDRESS_SPACE_FACTOR * memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):  # not available on this platform
        pass


def _resident(pid: int) -> int:
    """Resident memory of a process in bytes (0 if unknown)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the run is killed (kill -9 of the parent), so that a
    document stuck in an endless loop never outlives its run."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(0)
    except (OSError, AttributeError):
        pass


def _worker_main(conn: Connection, fn: Callable, memory_mb: int | None,
                 warmup: Callable[[], None] | None = None) -> None:
    try:  # own process group: killing the worker also kills what it started (LibreOffice, tesseract)
        os.setsid()
    except OSError:
        pass
    _die_with_parent()
    if warmup is not None:  # import the native libraries before the cap: a lazy import under it
        warmup()            # could fail to map its shared object and look like a bug
    _limit_memory(memory_mb)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        index, arg = msg
        try:
            conn.send(JobResult(index, True, fn(arg)))
        except (MemoryError, ImportError) as e:
            if isinstance(e, ImportError) and "failed to map" not in str(e):
                conn.send(JobResult(index, False, error=type(e).__name__, message=str(e)[:2000]))
                continue
            conn.send(JobResult(index, False, error="MemoryLimit",
                                message=f"document needed more than the {memory_mb} MB memory cap"))
        except BaseException as e:  # noqa: BLE001 - the worker must answer whatever happened
            conn.send(JobResult(index, False, error=type(e).__name__, message=str(e)[:2000]))


class _Worker:
    def __init__(self, ctx, fn, memory_mb, warmup=None):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, memory_mb, warmup), daemon=True)
        self.proc.start()
        child.close()
        self.job: int | None = None
        self.started = 0.0
        self.base_rss = 0  # resident size when the current job started
        self.jobs_done = 0

    def kill(self) -> None:
        try:  # the worker's process group: it and whatever it started (LibreOffice, tesseract)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def run_isolated(fn: Callable[[Any], Any], args: Iterable[Any], *, workers: int | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 start_method: str | None = None, warmup: Callable[[], None] | None = None
                 ) -> Iterator[JobResult]:
    """Yield a JobResult per arg (in completion order). ``fn`` must be importable (picklable).

    ``start_method``: ``fork`` by default (cheap: the workers share the parent's imports); pass
    ``forkserver`` or ``spawn`` from a process that runs threads (e.g. inside a Prefect flow),
    where forking could copy a lock held by another thread. ``warmup`` runs in each worker before
    its memory cap is set (import what the jobs will need). ``memory_mb`` caps the resident memory
    a job adds to its worker (polled), with a hard address-space backstop (ADDRESS_SPACE_FACTOR)."""
    jobs = list(args)
    if not jobs:
        return
    methods = mp.get_all_start_methods()
    ctx = mp.get_context(start_method if start_method in methods else ("fork" if "fork" in methods else "spawn"))
    n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    pool = [_Worker(ctx, fn, memory_mb, warmup) for _ in range(n)]
    pending = list(enumerate(jobs))[::-1]
    done = 0
    try:
        while done < len(jobs):
            for w in pool:
                if w.job is None and pending:
                    w.job, arg = pending.pop()
                    w.started = time.monotonic()
                    w.base_rss = _resident(w.proc.pid)
                    w.conn.send((w.job, arg))
            busy = [w for w in pool if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=POLL_S)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.job is None:
                    continue
                result = None
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                if result is None and (w.proc.sentinel in ready or not w.proc.is_alive()):
                    code = w.proc.exitcode
                    result = JobResult(w.job, False, error="WorkerCrash",
                                       message=f"worker process died (exit code {code}) while reading this document")
                elif result is None and now - w.started > timeout_s:
                    result = JobResult(w.job, False, error="Timeout",
                                       message=f"document took longer than the {timeout_s:g} s time cap")
                elif result is None and memory_mb and \
                        _resident(w.proc.pid) - w.base_rss > memory_mb * 1024 * 1024:
                    result = JobResult(w.job, False, error="MemoryLimit",
                                       message=f"document needed more than the {memory_mb} MB memory cap")
                if result is None:
                    continue
                done += 1
                failed_hard = result.error in ("WorkerCrash", "Timeout", "MemoryLimit")
                w.job = None
                w.jobs_done += 1
                # never reuse a worker that crashed, overran or ran out of memory; retire old ones
                if failed_hard or w.jobs_done >= MAX_JOBS_PER_WORKER:
                    w.kill()
                    pool[i] = _Worker(ctx, fn, memory_mb, warmup)
                yield result
    finally:
        for w in pool:
            try:
                w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            w.kill()
