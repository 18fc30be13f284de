"""Prefect 3 flow of a batch run: chunks of documents per task, results streamed into one atomic write.

Thin by design: the tasks wrap the plain functions of ``pipeline/run.py`` (read -> normalise ->
claims -> validate -> dataset rows). Never a (sub)flow per report (each costs ~1 s), and not a
task per report either: a task costs ~2-10 ms on threads and ~60 ms on Dask, a report ~30 ms, so
``DEFAULT_CHUNK`` documents share a task.

Incremental: documents already committed with this ``EXTRACTOR_VERSION`` (``pipeline/incremental``)
and documents whose bundle is in the per-document cache (``OUT/.cache/results``, keyed on sha256 +
version) never enter a task; input hashes come from a stat cache (``pipeline/fs.HashCache``). So an
unchanged re-run submits no task, a changed file re-extracts that file only, and a version bump
re-extracts everything.

Memory: at most ``window`` chunk results are in flight; each is written as soon as it arrives.

Runners (``task_runner``): ``local`` threads in this process; ``processes`` (each chunk in an
isolated worker process under the caps of ``pipeline/limits.py``); ``dask`` (prefect-dask, a
LocalCluster or ``--dask-address``); ``ray`` (prefect-ray, ``--ray-address``). On a cluster the
output folder (and its ``.cache``) must be on storage every worker sees, or use ``--out s3://...``.

Local mode: with ``PREFECT_API_URL`` unset, Prefect starts a temporary local server by itself; no
server needs to be configured.
"""
from __future__ import annotations

import os


def _quiet_local_prefect() -> None:
    """Before prefect is imported: no analytics, quiet logs. PREFECT_API_URL is never set here:
    unset means local mode, and an empty string would break Prefect, so an empty one is dropped."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The temporary server logs cancelled event flushes as errors when it is stopped at exit.
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    # The first start creates the local database; on a busy 2-core machine that takes longer than
    # Prefect's default 20 s wait.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if os.environ.get("PREFECT_API_URL") == "":
        del os.environ["PREFECT_API_URL"]


_quiet_local_prefect()

import json  # noqa: E402
import time  # noqa: E402
from collections import deque  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

from prefect import flow, task  # noqa: E402

from pipeline import rows, run  # noqa: E402
from extractors.errors import XxgkError  # noqa: E402
from pipeline.incremental import todo  # noqa: E402
from pipeline.inputs import Input, choose, grouped  # noqa: E402
from pipeline.limits import limits  # noqa: E402
from pipeline.process import failure  # noqa: E402
from pipeline.version import EXTRACTOR_VERSION  # noqa: E402

CACHE_DIR = ".cache"
RESULTS_DIR = "results"  # OUT/.cache/results/<version>-<sha256>.json: one bundle per document
DEFAULT_CHUNK = 25  # documents per task: a task costs ~2-60 ms (threads .. Dask), a report ~30 ms
ISOLATED_CHUNK_MAX = 200  # documents per worker process in the ``processes`` runner
STOPPED = ("Timeout", "MemoryLimit", "WorkerCrash")  # transient: never cached, retried next run


def _cache_file(cache: str, sha: str | None) -> Path | None:
    return Path(cache) / RESULTS_DIR / f"{EXTRACTOR_VERSION}-{sha}.json" if sha else None


def _cached_bundle(cache: str, sha: str | None) -> dict[str, Any] | None:
    f = _cache_file(cache, sha)
    if f is None or not f.exists():
        return None
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _store_bundle(cache: str, sha: str | None, bundle: dict[str, Any]) -> None:
    f = _cache_file(cache, sha)
    if f is None or any(r.get("error") in STOPPED for r in bundle.get("datasets", {}).get("failures", [])):
        return
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_name(f".tmp-{os.getpid()}-{f.name}")
    tmp.write_text(json.dumps(bundle, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, f)


_preloaded: list[bool] = []


def _preload_steps() -> None:
    """Import every extraction step (and cpca's division list) once in this process, so that the
    worker forked for each chunk starts warm instead of paying ~2-4 s of imports per chunk."""
    if not _preloaded:
        import importlib

        for name in run.STEP_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        _preloaded.append(True)


def extract_documents(docs: list[tuple[str, str | None]], cache: str | None, isolate: bool) -> list[dict[str, Any]]:
    """Bundles of (path, sha256) documents in order; each document's bundle is cached on its own
    (sha256 + EXTRACTOR_VERSION), so a chunk never hides a cache hit. ``isolate``: extract in one
    worker process under the caps of ``pipeline/limits.py`` (a crash costs one document)."""
    out: list[dict[str, Any] | None] = [_cached_bundle(cache, sha) if cache else None for _, sha in docs]
    for b in out:
        if b is not None:
            b["_cached"] = True
    todo = [i for i, b in enumerate(out) if b is None]
    inputs = [Input(Path(docs[i][0]), docs[i][1], docs[i][0]) for i in todo]
    if isolate:
        _preload_steps()
        lim = replace(limits(), workers=1)
        if lim.start_method is None:
            # Chunk tasks run on threads: a worker forked while another thread holds a lock
            # hung until the 300 s cap (one PDF in 390, reproducibly); a fork server is a clean
            # single-threaded parent (26 reports/s, no stop). XXGK_START_METHOD overrides it.
            import multiprocessing as mp

            if "forkserver" in mp.get_all_start_methods():
                lim = replace(lim, start_method="forkserver")
        for inp, bundle in run.process_inputs(inputs, lim):
            out[todo[inputs.index(inp)]] = bundle
    else:
        for i, inp in zip(todo, inputs):
            out[i] = run.process_input(inp, limits().max_file_bytes)
    if cache:
        for i in todo:
            _store_bundle(cache, docs[i][1], out[i])
    return out  # type: ignore[return-value]


@task(name="extract-chunk")
def extract_chunk(docs: list[tuple[str, str | None]], cache: str | None, isolate: bool) -> list[dict[str, Any]]:
    """A chunk of documents -> their bundles (never one task per document: see DEFAULT_CHUNK)."""
    return extract_documents(docs, cache, isolate)


# Progress callbacks of the current run (flow parameters must be serialisable, callbacks are not).
_hooks: dict[str, Callable | None] = {"on_start": None, "on_report": None}


def _chunks(groups: list[list[Input]], size: int) -> list[list[list[Input]]]:
    """About ``size`` documents per chunk, dealt round robin: inputs come sorted by path, so
    consecutive chunks would put all the PDFs (10x the cost of an HTML report) in the last
    chunks and leave the other workers idle at the end."""
    total = sum(len(g) for g in groups)
    n = max(1, -(-total // max(1, size)))
    out: list[list[list[Input]]] = [[] for _ in range(n)]
    for i, g in enumerate(groups):
        out[i % n].append(g)
    return [c for c in out if c]


def _stream(chunks, submit, window: int):
    """Submit chunk tasks with at most ``window`` in flight and yield (chunk, bundles) in order:
    results go to the writer as they come, so memory stays flat in corpus size."""
    pending: deque = deque()
    it = iter(chunks)
    for chunk in it:
        pending.append((chunk, submit(chunk)))
        if len(pending) >= window:
            break
    while pending:
        chunk, fut = pending.popleft()
        try:
            yield chunk, fut.result(), None
        except Exception as e:  # noqa: BLE001 - a failed task costs its documents
            yield chunk, None, e
        del fut
        nxt = next(it, None)
        if nxt is not None:
            pending.append((nxt, submit(nxt)))


@flow(name="xxgk-extract-reports", validate_parameters=False)
def extract_reports(paths: list[str], out: str, chunk_size: int = DEFAULT_CHUNK, isolate: bool = False,
                    window: int = 4, force: bool = False) -> dict[str, Any]:
    """Extract every document under ``paths`` and write the datasets under ``out``.

    Done documents (committed with this EXTRACTOR_VERSION, ``pipeline/incremental.py``) never
    enter a task; the rest go in chunks of ``chunk_size`` documents to the flow's task runner.
    ``out`` and ``paths`` may be fsspec URLs (s3://..., memory://...; ``pipeline/fs.py``), so a
    deployment can be given them directly."""
    from pipeline import fs

    if fs.is_remote(out):
        with fs.RemoteOutput(out) as local:
            result = extract_reports.fn(paths, str(local), chunk_size, isolate, window, force)
        result["out"] = out
        return result
    paths = fs.localize_inputs(list(paths), fs.inputs_cache())
    out = str(fs.local_path(out))
    t0 = time.perf_counter()
    inputs, dups = run.plan(paths, out)
    summary = run.Summary(duplicates=dups, out=str(out))
    cache = Path(out) / CACHE_DIR
    cache.mkdir(parents=True, exist_ok=True)
    counts = {"cached": 0, "extracted": 0, "tasks": 0}
    if isolate:  # a worker process per chunk: fewer, larger chunks (still >= 2 per task slot)
        # rounded up: a whole number of rounds over the task slots, no lone last chunk
        chunk_size = max(chunk_size, min(ISOLATED_CHUNK_MAX, -(-len(inputs) // max(1, 2 * window))))

    def submit(chunk):
        counts["tasks"] += 1
        docs = [(str(i.path), i.sha256) for g in chunk for i in g]
        return extract_chunk.submit(docs, str(cache.resolve()), isolate)

    def bundles():
        work = todo(inputs, out, force=force)
        groups = list(grouped(work))
        summary.skipped = len(list(grouped(inputs))) - len(groups)
        counts["cached"] += summary.skipped
        if _hooks["on_start"]:
            _hooks["on_start"](len(groups))
        pending = []
        for g in groups:  # documents answered by the per-document cache never enter a task
            hits = [_cached_bundle(str(cache), i.sha256) for i in g]
            if all(h is not None for h in hits):
                counts["cached"] += len(g)
                yield choose([(i, rows.with_source(h, i.source)) for i, h in zip(g, hits)])
            else:
                pending.append(g)
        for chunk, got, err in _stream(_chunks(pending, chunk_size), submit, window):
            flat = [i for g in chunk for i in g]
            if got is None:
                got = [rows.failure_bundle(**failure(str(i.path), err, "task", i.sha256)) for i in flat]
            by_input = dict(zip(map(id, flat), got))
            for g in chunk:
                readings = []
                for inp in g:
                    b = by_input[id(inp)]
                    hit = b.pop("_cached", False)
                    counts["cached" if hit else "extracted"] += 1
                    readings.append((inp, rows.with_source(b, inp.source)))
                yield choose(readings)

    run.write_bundles(bundles(), out, summary, _hooks["on_report"])
    if summary.n_documents or not run.derived_present(out):  # nothing new: derived data is current
        run.finalize(out)
    summary.seconds = time.perf_counter() - t0
    result = summary.to_dict()
    result.update(counts)
    return result


def task_runner(runner: str = "local", dask_address: str | None = None, ray_address: str | None = None,
                workers: int | None = None):
    """The Prefect task runner of ``--runner``: local threads, Dask (prefect-dask) or Ray (prefect-ray)."""
    n = workers or min(os.cpu_count() or 1, 4)
    if runner in ("local", "processes"):
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=n)
    if runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as e:
            raise XxgkError(f"--runner dask needs prefect-dask: pip install 'xxgk[dask]' ({e})") from None
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": n, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if runner == "ray":
        try:
            from prefect_ray import RayTaskRunner
        except ImportError as e:
            raise XxgkError(f"--runner ray needs prefect-ray: pip install 'xxgk[ray]' ({e})") from None
        init = {"num_cpus": n, "include_dashboard": False} if not ray_address else {}
        return RayTaskRunner(address=ray_address, init_kwargs=init)
    raise XxgkError(f"unknown runner {runner!r} (local, processes, dask, ray)")


def run_flow(paths: list[str], out: str, on_start: Callable[[int], None] | None = None,
             on_report: Callable[[dict], None] | None = None, runner: str = "local",
             dask_address: str | None = None, ray_address: str | None = None,
             chunk_size: int = DEFAULT_CHUNK, workers: int | None = None, force: bool = False) -> dict[str, Any]:
    """Run the flow in this process (local mode) on the chosen task runner, with optional progress
    callbacks. ``processes``: chunks in isolated worker processes (threads wait on them); Dask and
    Ray workers extract in their own processes already."""
    _hooks.update(on_start=on_start, on_report=on_report)
    try:
        flow_ = extract_reports.with_options(task_runner=task_runner(runner, dask_address, ray_address, workers))
        n = workers or min(os.cpu_count() or 1, 4)
        return flow_([str(p) for p in paths], str(out), chunk_size=chunk_size,
                     isolate=runner in ("local", "processes"), window=2 * n, force=force)
    finally:
        _hooks.update(on_start=None, on_report=None)


if __name__ == "__main__":
    import sys

    print(run_flow(sys.argv[1:-1] or ["data/samples"], sys.argv[-1] if len(sys.argv) > 2 else "data/out"))


@task(name="crawl")
def crawl_task(start_urls: list[str], raw: str, config: str | None) -> list[dict[str, Any]]:
    from pipeline.crawl import crawl
    from pipeline.sites import load_config

    return crawl(start_urls, raw, load_config(config) if config else None)


@flow(name="xxgk-crawl-and-extract", validate_parameters=False)
def crawl_and_extract(start_urls: list[str], raw: str, out: str, config: str | None = None) -> dict[str, Any]:
    """Crawl the portals into RAW, then extract what is new or changed into OUT.

    Unchanged documents cost nothing: the crawl does not re-download them (conditional GET) and
    the extraction task cache is keyed on their sha256. Failed fetches become ``failures`` rows.
    """
    fetched = crawl_task(start_urls, raw, config)
    run.write_fetch_failures(fetched, out)
    return extract_reports([raw], out)
