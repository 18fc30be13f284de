"""What a run reads: plain files and folders, or crawl folders (``xxgk crawl`` output).

A crawl folder (``RAW/documents/documents.parquet``) is read through its fetch table, so
- each document's source is its URL, not the local path it was saved under;
- the documents of one report (the inline page and its attachments, a mobile twin) form a
  group, and a group becomes ONE report: the best reading among them, with the others named in
  ``other_sources``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

STATUS_RANK = {"ok": 0, "partial": 1, "failed": 2}
KIND_RANK = {"page": 0, "attachment": 1}  # equal readings: the inline page is the canonical one


@dataclass(frozen=True)
class Input:
    path: Path  # where the bytes are
    sha256: str | None
    source: str  # what the datasets call it: the path as given, or the URL it was fetched from
    group: str | None = None  # documents of one report share a group
    kind: str | None = None  # page | attachment (crawl folders only)


def is_crawl_folder(path: Path) -> bool:
    docs = path / "documents"
    return path.is_dir() and ((docs / "documents.parquet").exists() or (docs / "journal.jsonl").exists())


def crawl_inputs(raw: Path) -> list[Input]:
    from pipeline.crawl_store import load_documents

    out = []
    for d in load_documents(raw):
        if d.get("kind") not in KIND_RANK or not d.get("path") or not d.get("sha256"):
            continue
        path = raw / d["path"]
        if path.is_file():
            out.append(Input(path, d["sha256"], d["url"], d.get("report_key") or d["url"], d["kind"]))
    return out


def grouped(inputs: list[Input]) -> Iterator[list[Input]]:
    """Inputs in order, the members of a group together (a group's first member sets its place)."""
    order: dict[str, list[Input]] = {}
    for i, inp in enumerate(inputs):
        order.setdefault(inp.group or f"\0{i}", []).append(inp)
    yield from order.values()


def _score(bundle: dict[str, Any], inp: Input) -> tuple:
    reps = bundle.get("datasets", {}).get("reports") or [{}]
    r = reps[0]
    return (STATUS_RANK.get(r.get("status"), 3), -(r.get("n_values") or 0), KIND_RANK.get(inp.kind, 2))


def choose(readings: list[tuple[Input, dict[str, Any]]]) -> dict[str, Any]:
    """One bundle for a group: the best reading; the others become ``other_sources``."""
    if len(readings) == 1:
        return readings[0][1]
    best_inp, best = min(readings, key=lambda t: _score(t[1], t[0]))
    others = sorted(inp.source for inp, _ in readings if inp is not best_inp)
    ds = dict(best["datasets"])
    ds["reports"] = [{**r, "other_sources": json.dumps(others, ensure_ascii=False)} for r in ds.get("reports", [])]
    return {**best, "datasets": ds}


def report_groups(inputs: Iterable[Input]) -> dict[str, list[str]]:
    """group -> sources, for tests and summaries."""
    out: dict[str, list[str]] = {}
    for inp in inputs:
        out.setdefault(inp.group or inp.source, []).append(inp.source)
    return out
