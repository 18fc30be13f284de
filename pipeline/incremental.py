"""What a run must (re)process: the one place that decides it (failure retries and incremental runs).

A report is *done* when the committed ``reports`` dataset holds a row with its content
(``report_id`` = sha256 of the bytes), the current ``EXTRACTOR_VERSION``, a status ``ok`` or
``partial``, and the same sources (``source`` plus ``other_sources``: a crawl group that gained or
lost a document is chosen again). Everything else is to do:
- failed documents are retried (a ``failed`` status, or a ``failures`` row without any report row);
- a changed file (new sha256) is new content; the writer replaces its previous version;
- a version bump re-extracts everything.
The rows of done reports stay as committed (the writer only replaces documents it processes).

Call ``todo`` with the output's lock held (inside ``DatasetWriter``), after its recovery, so that
a concurrent run or a half-finished commit cannot change the answer under it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import pyarrow.parquet as pq

from pipeline.inputs import Input, grouped
from pipeline.storage import committed_files
from pipeline.version import EXTRACTOR_VERSION

DONE_STATUSES = ("ok", "partial")


def done_reports(out: str | Path, version: str | None = None) -> dict[str, set[str]]:
    """report_id -> the sources of its committed row, for reports that need no more work."""
    version = version or EXTRACTOR_VERSION
    done: dict[str, set[str]] = {}
    for path in committed_files(Path(out), "reports"):
        pf = pq.ParquetFile(path)
        names = set(pf.schema_arrow.names)
        cols = [c for c in ("report_id", "source", "status", "extractor_version", "other_sources") if c in names]
        table = pf.read(columns=cols).to_pylist()
        for row in table:
            if row.get("status") not in DONE_STATUSES or row.get("extractor_version") != version:
                continue
            sources = {row.get("source")}
            if row.get("other_sources"):
                try:
                    sources |= set(json.loads(row["other_sources"]))
                except (ValueError, TypeError):
                    pass
            done.setdefault(row["report_id"], set()).update(sources)
    return done


def todo(inputs: Iterable[Input], out: str | Path, *, force: bool = False) -> list[Input]:
    """The inputs to process now, whole groups at a time (a group is one report), in input order.
    ``force=True`` processes everything."""
    inputs = list(inputs)
    if force or not inputs:
        return inputs
    done = done_reports(out)
    keep: list[Input] = []
    for group in grouped(inputs):
        sources = {i.source for i in group}
        finished = any(done.get(i.sha256) == sources for i in group)
        if not finished:
            keep.extend(group)
    return keep
