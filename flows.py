"""Prefect 3 flow of a batch run: one task per document, then one streamed, atomic write.

Thin by design: the tasks wrap the plain functions of ``pipeline/run.py`` (read -> normalise ->
claims -> validate -> dataset rows); there is no subflow per report (each costs ~1 s).

Local mode: with ``PREFECT_API_URL`` unset, Prefect starts a temporary local server by itself; no
server needs to be configured. The task cache lives under the output folder (``OUT/.cache``) and is
keyed on the file's sha256 and ``EXTRACTOR_VERSION``, so an unchanged re-run re-extracts nothing,
a changed file re-extracts that file only, and a version bump re-extracts everything.
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

import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

from prefect import flow, task  # noqa: E402

from pipeline import rows, run  # noqa: E402
from pipeline.inputs import choose, grouped  # noqa: E402
from pipeline.process import failure  # noqa: E402
from pipeline.version import EXTRACTOR_VERSION  # noqa: E402

CACHE_DIR = ".cache"


def cache_key(context: Any, parameters: dict[str, Any]) -> str | None:
    """sha256 of the file + extractor version; unreadable files (no sha) are never cached."""
    sha = parameters.get("sha256")
    return f"xxgk-{EXTRACTOR_VERSION}-{sha}" if sha else None


@task(name="extract-report", persist_result=True, cache_key_fn=cache_key)
def extract_task(path: str, sha256: str | None) -> dict[str, Any]:
    """One document -> its bundle of dataset rows (pipeline/rows.py). ``sha256`` is the cache key."""
    return run.process_path(path)


# Progress callbacks of the current run (flow parameters must be serialisable, callbacks are not).
_hooks: dict[str, Callable | None] = {"on_start": None, "on_report": None}


@flow(name="xxgk-extract-reports", validate_parameters=False)
def extract_reports(paths: list[str], out: str) -> dict[str, Any]:
    """Extract every document under ``paths`` and write the datasets under ``out``."""
    t0 = time.perf_counter()
    inputs, dups = run.plan(paths, out)
    groups = list(grouped(inputs))
    summary = run.Summary(duplicates=dups, out=str(out))
    if _hooks["on_start"]:
        _hooks["on_start"](len(groups))
    cache = Path(out) / CACHE_DIR
    cache.mkdir(parents=True, exist_ok=True)
    extract = extract_task.with_options(result_storage=cache.resolve())
    futures = dict(zip(inputs, extract.map([str(i.path) for i in inputs], [i.sha256 for i in inputs])))

    cached = 0

    def reading(inp):
        nonlocal cached
        fut = futures[inp]
        try:
            bundle = fut.result()
            cached += fut.state.name == "Cached"
        except Exception as e:  # noqa: BLE001 - a failed task costs one document
            bundle = rows.failure_bundle(**failure(str(inp.path), e, "task", inp.sha256))
        return inp, rows.with_source(bundle, inp.source)

    def bundles():
        for group in groups:
            yield choose([reading(inp) for inp in group])

    run.write_bundles(bundles(), out, summary, _hooks["on_report"])
    run.finalize(out)
    summary.seconds = time.perf_counter() - t0
    result = summary.to_dict()
    result["cached"] = cached
    return result


def run_flow(paths: list[str], out: str, on_start: Callable[[int], None] | None = None,
             on_report: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Run the flow in this process (local mode), with optional progress callbacks."""
    _hooks.update(on_start=on_start, on_report=on_report)
    try:
        return extract_reports([str(p) for p in paths], str(out))
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
