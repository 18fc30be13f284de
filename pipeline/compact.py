"""Compaction: merge the small part files of each dataset folder, or re-lay out a whole output.

Every run adds one file per dataset and partition; 10^5 reports run in daily batches would leave
thousands of tiny files, slow for every reader. ``compact`` merges a folder's small ``part-*`` files
into one streamed file (row group by row group) and swaps them in with the same journal as a run
(``storage.commit_journal``): readers see either the old files or the merged one, never both.

- Automatic: after each commit, a folder with more than ``AUTO_MIN_FILES`` small part files.
- ``xxgk compact OUT``: every folder with at least two small part files.
- ``xxgk compact OUT --layout report_year|flat``: rewrite every dataset into that layout.

Files not named ``part-*`` (e.g. ``findings/derived-cross_year.parquet``, replaced whole by
``pipeline/postprocess.py``) are never merged: merging them would duplicate their rows.
"""
from __future__ import annotations

import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractors.errors import StorageError
from pipeline import storage
from schemas.datasets import DATASETS, DERIVED

AUTO_MIN_FILES = 32  # more small files than this in one folder -> merged after the commit
SMALL_BYTES = 64 * 1024 * 1024  # files at least this big are left alone


def _part_files(out: Path, dataset: str) -> list[Path]:
    return [p for p in storage.committed_files(out, dataset) if p.name.startswith("part-")]


def _year_of_reports(out: Path) -> dict[str, int]:
    years: dict[str, int] = {}
    for p in storage.committed_files(out, "reports"):
        t = pq.read_table(p, columns=["report_id", "year"])
        for rid, y in zip(t.column("report_id").to_pylist(), t.column("year").to_pylist()):
            if rid:
                years[rid] = y
    return years


class _Merger:
    """Routes tables to per-folder writers, buffering up to a row group per folder."""

    def __init__(self, out: Path, dataset: str, tag: str):
        self.out, self.dataset, self.tag = out, dataset, tag
        self.writers: dict[str, storage.PartWriter] = {}
        self.buffers: dict[str, list[pa.Table]] = defaultdict(list)

    def add(self, sub: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.buffers[sub].append(table)
        if sum(t.num_rows for t in self.buffers[sub]) >= storage.ROW_GROUP_ROWS:
            self._flush(sub)

    def _flush(self, sub: str) -> None:
        tables = self.buffers.pop(sub, [])
        if not tables:
            return
        w = self.writers.get(sub)
        if w is None:
            schema = tables[0].schema
            w = self.writers[sub] = storage.PartWriter(self.out, self.dataset, self.tag, sub, schema=schema)
        w.write_table(pa.concat_tables(tables))

    def close(self) -> list[tuple[Path, Path]]:
        for sub in list(self.buffers):
            self._flush(sub)
        parts = []
        for w in self.writers.values():
            w.close()
            parts.extend(w.parts)
        return parts


def _router(out: Path, dataset: str, layout: str) -> Callable[[pa.Table], dict[str, pa.Table]]:
    """table -> {partition folder: rows} for ``layout``."""
    if layout == "flat" or dataset in DERIVED:
        return lambda t: {"": t}
    years = _year_of_reports(out)

    def route(t: pa.Table) -> dict[str, pa.Table]:
        if dataset == "reports":
            ys = t.column("year").to_pylist()
        else:
            ys = [years.get(rid) for rid in t.column("report_id").to_pylist()]
        subs = [storage.partition_dir(layout, dataset, y) for y in ys]
        if len(set(subs)) == 1:
            return {subs[0]: t}
        arr = pa.array(subs)
        return {s: t.filter(pc.equal(arr, s)) for s in set(subs)}

    return route


def _merge(out: Path, dataset: str, files: list[Path], route: Callable, tag: str, journal: dict) -> None:
    merger = _Merger(out, dataset, tag)
    for f in files:
        pf = pq.ParquetFile(f)
        for i in range(pf.num_row_groups):
            for sub, t in route(pf.read_row_group(i)).items():
                merger.add(sub, t)
    rel = lambda p: p.relative_to(out).as_posix()  # noqa: E731
    journal["replace"].extend([rel(t), rel(f)] for t, f in merger.close())
    journal["delete"].extend(rel(f) for f in files)


def compact_locked(out: str | Path, auto: bool = False, layout: str | None = None,
                   min_files: int | None = None) -> dict[str, Any]:
    """Merge small files (or re-lay out everything when ``layout`` differs); the caller holds the
    lock. Returns {dataset: files merged}, empty when nothing was done."""
    out = Path(out)
    current = storage.current_layout(out)
    target = layout or current
    relayout = target != current
    threshold = (AUTO_MIN_FILES + 1) if auto else (min_files or 2)
    tag = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-c{uuid.uuid4().hex[:6]}"
    journal: dict[str, Any] = {"run_id": None, "layout": target, "replace": [], "delete": []}
    done: dict[str, int] = {}
    for name in DATASETS:
        if name in DERIVED:  # replaced whole by pipeline/postprocess.py, flat in every layout
            continue
        files = _part_files(out, name)
        if relayout:
            chosen = files
        else:
            by_dir: dict[Path, list[Path]] = defaultdict(list)
            for f in files:
                if f.stat().st_size < SMALL_BYTES:
                    by_dir[f.parent].append(f)
            chosen = [f for group in by_dir.values() if len(group) >= threshold for f in group]
        if not chosen:
            continue
        _merge(out, name, chosen, _router(out, name, target), tag, journal)
        done[name] = len(chosen)
        left = [f for f in storage.committed_files(out, name) if f not in chosen]
        if not left and not any(r[1].startswith(f"{name}/") for r in journal["replace"]):
            empty = storage.PartWriter(out, name, tag)  # every dataset keeps a typed file
            empty.write_empty()
            journal["replace"].extend([t.relative_to(out).as_posix(), f.relative_to(out).as_posix()]
                                      for t, f in empty.parts)
    if done or relayout:
        storage.commit_journal(out, journal)
    return done


def compact(out: str | Path, layout: str | None = None, min_files: int = 2) -> dict[str, Any]:
    """``xxgk compact OUT``: take the lock, finish any crashed commit, merge, release."""
    out = Path(out)
    if layout is not None and layout not in storage.LAYOUTS:
        raise StorageError(f"unknown layout {layout!r} (one of {', '.join(storage.LAYOUTS)})")
    if not (out / storage.MANIFEST).exists():
        raise StorageError(f"{out} holds no datasets (no {storage.MANIFEST})")
    lock = storage._Lock(out)
    lock.acquire()
    try:
        storage.recover(out)
        return compact_locked(out, layout=layout, min_files=min_files)
    finally:
        lock.release()
