"""A batch run as plain functions: discover inputs, process each, write the datasets, summarise.

``flows.py`` wraps the same functions in Prefect tasks; ``xxgk run --no-prefect`` calls
``run_batch`` directly. Nothing here knows about Prefect or the terminal.
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from extractors.base import sha256_hex
from pipeline import process, rows
from pipeline.inputs import Input, choose, crawl_inputs, grouped, is_crawl_folder
from extractors.errors import ResourceLimit
from pipeline.limits import Limits, limits
from pipeline.storage import DatasetWriter
from pipeline.workers import run_isolated

SKIP_SUFFIXES = (".expected.json",)
# A crawl folder's own bookkeeping (RAW/documents/: the fetch table and its journal) is not input.
CRAWL_METADATA = ("documents/documents.parquet", "documents/journal.jsonl")


def _hidden(path: Path, root: Path) -> bool:
    rel = path.relative_to(root).parts if path != root else ()
    return any(part.startswith((".", "_")) for part in rel)


def discover(paths: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> list[Path]:
    """Input files: files as given, folders recursively. Skips hidden files and folders (``.*``,
    ``_*``), golden files (``*.expected.json``) and anything under ``exclude`` (the output folder,
    when it sits inside an input folder). Sorted, each file once."""
    found: list[Path] = []
    seen: set[Path] = set()
    skip_dirs = [Path(x).resolve() for x in exclude]
    for p in map(Path, paths):
        if p.is_dir():
            cands = sorted(q for q in p.rglob("*") if q.is_file() and not _hidden(q, p))
        elif p.exists():
            cands = [p]
        else:
            raise FileNotFoundError(f"input not found: {p}")
        for q in cands:
            if q.name.endswith(SKIP_SUFFIXES) or q.as_posix().endswith(CRAWL_METADATA):
                continue
            key = q.resolve()
            if any(key.is_relative_to(d) for d in skip_dirs):
                continue
            if key not in seen:
                seen.add(key)
                found.append(q)
    return found


def read_input(path: Path, max_bytes: int | None = None) -> bytes:
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise ResourceLimit(f"file of {path.stat().st_size} bytes, more than the cap of {max_bytes} "
                            "(limits: XXGK_MAX_FILE_MB)", source=str(path))
    return path.read_bytes()


def process_bytes(data: bytes, source: str) -> dict[str, Any]:
    """One document's bytes -> its bundle of dataset rows (never raises for bad input)."""
    report = process.extract_report(data, source)
    return rows.report_rows(report)


def process_path(path: str | Path, max_bytes: int | None = None) -> dict[str, Any]:
    source = str(path)
    try:
        data = read_input(Path(path), max_bytes)
    except OSError as e:
        return rows.failure_bundle(source, "read", type(e).__name__, f"cannot read the file: {e}")
    except ResourceLimit as e:
        return rows.failure_bundle(source, e.stage, e.error, e.message, fingerprint(Path(path)))
    try:
        return process_bytes(data, source)
    except Exception as e:  # noqa: BLE001 - even a bug in row building costs one document
        if process.IN_WORKER and isinstance(e, MemoryError):
            raise  # the worker reports MemoryLimit and is replaced
        f = process.failure(source, e, "rows", sha256_hex(data))
        return rows.failure_bundle(**f)


def fingerprint(path: Path) -> str | None:
    """sha256 of the file (the report_id), None if it cannot be read. Streamed: a huge input costs
    no memory in the parent process."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


@dataclass
class Summary:
    """What a run did, for the terminal and for tests."""

    reports: Counter = field(default_factory=Counter)  # status -> count
    findings: Counter = field(default_factory=Counter)  # severity -> count
    failures: Counter = field(default_factory=Counter)  # stage -> count
    worst: list[tuple[int, int, str]] = field(default_factory=list)  # (errors, warnings, source)
    duplicates: int = 0  # inputs skipped because the same bytes were already in this run
    skipped: int = 0  # reports already committed (same content, version, ok/partial): not re-read
    seconds: float = 0.0
    out: str = ""

    def add(self, bundle: dict[str, Any]) -> None:
        ds = bundle.get("datasets", {})
        reps = ds.get("reports", [])
        if not reps:  # never became a report (e.g. unreadable file)
            self.reports["failed"] += 1
        for r in reps:
            self.reports[r["status"]] += 1
            if r.get("n_errors") or r.get("n_warnings"):
                self.worst.append((r.get("n_errors") or 0, r.get("n_warnings") or 0, r["source"]))
        for f in ds.get("findings", []):
            self.findings[f["severity"]] += 1
        for f in ds.get("failures", []):
            self.failures[f["stage"]] += 1

    def worst_reports(self, n: int = 5) -> list[tuple[int, int, str]]:
        return sorted(self.worst, key=lambda t: (-t[0], -t[1], t[2]))[:n]

    @property
    def n_documents(self) -> int:
        return sum(self.reports.values())

    def to_dict(self) -> dict[str, Any]:
        return {"reports": dict(self.reports), "findings": dict(self.findings),
                "failures": dict(self.failures), "worst": self.worst_reports(),
                "duplicates": self.duplicates, "skipped": self.skipped, "seconds": round(self.seconds, 3), "out": self.out}


def unique_inputs(files: list[Path], hashes: Any = None) -> tuple[list[tuple[Path, str | None]], int]:
    """(path, sha256) of each distinct content once; identical copies count as duplicates.
    ``hashes`` (``pipeline.fs.HashCache``) skips re-hashing files whose size and mtime are known."""
    seen: set[str] = set()
    out, dups = [], 0
    for f in files:
        sha = hashes.sha256(f, fingerprint) if hashes is not None else fingerprint(f)
        if sha is not None and sha in seen:
            dups += 1
            continue
        if sha is not None:
            seen.add(sha)
        out.append((f, sha))
    return out, dups


def plan(paths: Iterable[str | Path], out: str | Path) -> tuple[list[Input], int]:
    """Everything this run reads: crawl folders through their fetch table (URL sources, one
    report per group of documents), other files and folders as found. Identical bytes once."""
    plain: list[str | Path] = []
    crawled: list[Input] = []
    for p in paths:
        if is_crawl_folder(Path(p)):
            crawled.extend(crawl_inputs(Path(p)))
        else:
            plain.append(p)
    from pipeline.fs import HashCache

    hashes = HashCache(out)
    files, dups = unique_inputs(discover(plain, exclude=[out]), hashes) if plain else ([], 0)
    hashes.save()
    inputs = [Input(f, sha, str(f)) for f, sha in files]
    seen = {i.sha256 for i in inputs if i.sha256}
    for inp in crawled:
        if inp.sha256 in seen:
            dups += 1
            continue
        seen.add(inp.sha256)
        inputs.append(inp)
    return inputs, dups


def process_input(inp: Input, max_bytes: int | None = None) -> dict[str, Any]:
    return rows.with_source(process_path(inp.path, max_bytes), inp.source)


def _isolated_job(job: tuple[Input, int | None]) -> dict[str, Any]:
    return process_input(*job)


STEP_MODULES = ("pipeline.run", "extractors.pdf", "extractors.pdf_tables", "extractors.docx", "extractors.html",
                "extractors.text", "extractors.doc", "extractors.ocr", "extractors.normalise",
                "extractors.glued", "extractors.claims", "extractors.legacy", "pipeline.validate",
                "pdfplumber", "pypdf", "docx", "lxml.html", "lxml.etree",
                # Everything a worker imports lazily: imported once in the parent (or the fork
                # server, flows.py), not again in every worker.
                "extractors.pdf_textpages", "extractors.pdf_second", "extractors.ocr_fix",
                "pipeline.second_reading", "pdfplumber.utils.text", "pdfminer.pdftypes",
                "pypdfium2", "pypdfium2.raw", "numpy",
                # rows of a report name the agency's place (pipeline/agencies.py): cpca loads its
                # division list on import (~1.3 s), paid once here rather than per worker/chunk.
                "pipeline.rows", "pipeline.agencies", "cpca")


def import_steps() -> None:
    """Import every step (cached in sys.modules: paid once per process)."""
    import importlib

    for name in STEP_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def warm_up() -> None:
    """In a worker, before its memory cap is set (see workers.run_isolated). Forked workers find
    the steps already imported by the parent (process_inputs), so this costs nothing there."""
    process.IN_WORKER = True
    import_steps()


def _start_method(lim: Limits) -> str | None:
    """fork by default, also from a Prefect task thread: the forked worker runs only extraction
    code, and a fork server (``XXGK_START_METHOD=forkserver``) re-imports the ``__main__``
    script in every worker, which breaks scripts without an ``if __name__ == "__main__"`` guard.
    With a fork server the steps are imported once in the server, so a worker starts fast."""
    import multiprocessing as mp

    if lim.start_method == "forkserver" and "forkserver" in mp.get_all_start_methods():
        mp.get_context("forkserver").set_forkserver_preload(list(STEP_MODULES))
    return lim.start_method


def stopped_bundle(inp: Input, error: str, message: str) -> dict[str, Any]:
    """The bundle of a document whose worker was stopped (time or memory cap, native crash)."""
    if not inp.sha256:
        return rows.failure_bundle(inp.source, "extract", error, message)
    return rows.report_rows(process.stopped_report(inp.source, inp.sha256, error, message))


def process_inputs(inputs: list[Input], lim: Limits | None = None) -> Iterator[tuple[Input, dict[str, Any]]]:
    """(input, bundle) for every input, in completion order. Isolated (``lim.workers > 0``): each
    document runs in a worker process under the time and memory caps of ``lim``; a document that
    overruns them or crashes its worker becomes a failure (stage ``extract``) and costs nothing else.
    Workers are long-lived (one fork each, not one per document), so isolation costs about one
    pipe round trip per document."""
    lim = lim or limits()
    if not lim.isolated:
        for inp in inputs:
            yield inp, process_input(inp, lim.max_file_bytes)
        return
    jobs = [(inp, lim.max_file_bytes) for inp in inputs]
    import_steps()  # before forking: every worker (one per chunk in the flow) inherits the imports
    for res in run_isolated(_isolated_job, jobs, workers=lim.workers, timeout_s=lim.timeout,
                            memory_mb=lim.memory, start_method=_start_method(lim), warmup=warm_up):
        inp = inputs[res.index]
        if res.ok:
            yield inp, res.value
        elif res.error in ("Timeout", "MemoryLimit", "WorkerCrash"):
            yield inp, stopped_bundle(inp, res.error, res.message or res.error)
        else:  # an exception escaped process_input (cannot happen by design; still one document)
            yield inp, rows.failure_bundle(inp.source, "internal", res.error or "Error",
                                           f"unexpected error in the worker: {res.message}", inp.sha256)


def write_bundles(bundles: Iterable[dict[str, Any]], out: str | Path, summary: Summary,
                  on_report: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Stream bundles into the datasets (one atomic commit at the end) and count them."""
    with DatasetWriter(out) as writer:
        for bundle in bundles:
            writer.add(bundle)
            summary.add(bundle)
            if on_report:
                on_report(bundle)


def grouped_bundles(inputs: list[Input], lim: Limits | None = None) -> Iterator[dict[str, Any]]:
    """One bundle per group (one report), as soon as all its documents are processed."""
    groups = list(grouped(inputs))
    group_of = {id(inp): g for g, members in enumerate(groups) for inp in members}
    got: dict[int, list[tuple[Input, dict[str, Any]]]] = {}
    for inp, bundle in process_inputs(inputs, lim):
        g = group_of[id(inp)]
        got.setdefault(g, []).append((inp, bundle))
        if len(got[g]) == len(groups[g]):
            readings = got.pop(g)
            order = {id(m): k for k, m in enumerate(groups[g])}
            yield choose(sorted(readings, key=lambda t: order[id(t[0])]))


def run_batch(paths: Iterable[str | Path], out: str | Path,
              on_start: Callable[[int], None] | None = None,
              on_report: Callable[[dict[str, Any]], None] | None = None,
              lim: Limits | None = None, force: bool = False) -> Summary:
    """The whole run without Prefect: discover, keep what is not done yet (``incremental.todo``:
    new, changed and failed documents; everything with ``force``), process in isolated workers,
    write, summarise."""
    from pipeline.incremental import todo

    t0 = time.perf_counter()
    inputs, dups = plan(paths, out)
    summary = Summary(duplicates=dups, out=str(out))

    def bundles() -> Iterator[dict[str, Any]]:
        # Runs inside the writer: the lock is held and an interrupted commit recovered, so the
        # committed state that ``todo`` reads cannot change under it.
        work = todo(inputs, out, force=force)
        summary.skipped = len(list(grouped(inputs))) - len(list(grouped(work)))
        if on_start:
            on_start(len(list(grouped(work))))
        yield from grouped_bundles(work, lim)

    write_bundles(bundles(), out, summary, on_report)
    if summary.n_documents or not derived_present(out):  # nothing new: derived data is current
        finalize(out)
    summary.seconds = time.perf_counter() - t0
    return summary


def write_fetch_failures(fetched: list[dict[str, Any]], out: str | Path) -> int:
    """Failed fetches of a crawl as ``failures`` rows (stage fetch); a re-crawl replaces them."""
    from pipeline.crawl_store import failure_rows

    fails = failure_rows(fetched)
    with DatasetWriter(out) as writer:
        for f in fails:
            writer.add({"report_id": None, "source": f["source"], "datasets": {"failures": [f]}})
    return len(fails)


def derived_present(out: str | Path) -> bool:
    """The derived datasets of ``finalize`` exist (a run that wrote nothing can skip it)."""
    from pipeline.postprocess import DERIVED_FILE

    return all((Path(out) / name / DERIVED_FILE).exists() for name in ("agencies", "metrics"))


def finalize(out: str | Path) -> None:
    """Datasets that span reports (agencies, metrics, cross-year findings), over the whole output."""
    from pipeline.postprocess import finalize as recompute

    recompute(out)
