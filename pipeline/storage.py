"""Parquet datasets under ``--out``: streamed writes, atomic commits, a manifest and a lock.

Layout: ``OUT/<dataset>/part-<stamp>-<run>-<n>.parquet``, flat (no hive partitions), every file
with exactly the Arrow schema of ``schemas/datasets.py``. Why flat: hive partitioning by ``year``
puts ``year`` in the path only, so pyarrow reads it back as int32 and pandas as a categorical, and
a ``__HIVE_DEFAULT_PARTITION__`` folder (reports whose year is unknown) makes
``pandas.read_parquet(dir)`` fail ("Cannot yet unify dictionaries with nulls"). Flat files keep
the column types of the schema for every reader.

Guarantees:
- Rows are streamed into temporary files (``.tmp-*``, hidden from pyarrow/pandas readers by the
  leading dot) in row groups; memory is bounded by one row group per dataset.
- ``commit()`` makes a run visible: rows of re-processed documents are filtered out of the older
  files (rewritten to temporary files), then a journal (``_journal.json``) lists every rename and
  deletion, the renames and deletions are applied with ``os.replace``/unlink, ``_manifest.json``
  is rewritten, and the journal removed. A crash before the journal leaves the previous state; a
  crash after it is completed by the next writer (``recover``). A re-run never duplicates rows.
- One writer per ``--out`` at a time (``.lock``, fcntl); a second one fails with a clear message.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from extractors.errors import StorageError
from pipeline.version import EXTRACTOR_VERSION
from schemas.datasets import DATASETS, DERIVED, arrow_schema

MANIFEST = "_manifest.json"
JOURNAL = "_journal.json"
LOCK = ".lock"
TMP_PREFIX = ".tmp-"
ROW_GROUP_ROWS = 50_000  # rows buffered per dataset before a row group is written
FILE_ROWS = 2_000_000  # rows per part file before the writer starts a new one


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}-{path.name}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def committed_files(out: Path, dataset: str) -> list[Path]:
    d = out / dataset
    return sorted(p for p in d.glob("*.parquet") if not p.name.startswith((".", "_"))) if d.is_dir() else []


def write_manifest(out: Path, run_id: str | None = None) -> dict[str, Any]:
    """``_manifest.json``: every committed file with its row count (from the Parquet footer)."""
    datasets = {}
    for name in DATASETS:
        files = [{"path": f"{name}/{p.name}", "rows": pq.ParquetFile(p).metadata.num_rows}
                 for p in committed_files(out, name)]
        datasets[name] = {"rows": sum(f["rows"] for f in files), "files": files}
    manifest = {"format": 1, "committed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "run_id": run_id, "extractor_version": EXTRACTOR_VERSION, "datasets": datasets}
    _atomic_write_text(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def _apply_journal(out: Path, journal: dict[str, Any]) -> None:
    """Idempotent: a rename whose temp file is gone was already done."""
    for tmp, final in journal.get("replace", []):
        if (out / tmp).exists():
            os.replace(out / tmp, out / final)
    for rel in journal.get("delete", []):
        (out / rel).unlink(missing_ok=True)


def recover(out: Path) -> bool:
    """Finish a commit that crashed after its journal was written; drop orphaned temp files.
    Call with the lock held. Returns True when a journal was replayed."""
    replayed = False
    jpath = out / JOURNAL
    if jpath.exists():
        try:
            journal = json.loads(jpath.read_text(encoding="utf-8"))
        except ValueError:  # a torn journal was never renamed into place; cannot happen via os.replace
            journal = {}
        _apply_journal(out, journal)
        write_manifest(out, journal.get("run_id"))
        jpath.unlink()
        replayed = True
    for name in DATASETS:
        d = out / name
        if d.is_dir():
            for p in d.glob(f"{TMP_PREFIX}*"):
                p.unlink(missing_ok=True)
    for p in out.glob(f"{TMP_PREFIX}*"):
        p.unlink(missing_ok=True)
    return replayed


class _Lock:
    def __init__(self, out: Path):
        self.path = out / LOCK
        self.fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StorageError(f"another xxgk run (pid {holder}) is writing to {self.path.parent}; "
                               "wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock; the file stays (harmless, reused)
            self.fd = None


class _PartWriter:
    """Streams one dataset's new rows into temporary part files, row group by row group."""

    def __init__(self, out: Path, dataset: str, run_tag: str):
        self.dir = out / dataset
        self.dataset = dataset
        self.schema = arrow_schema(dataset)
        self.run_tag = run_tag
        self.buffer: list[dict[str, Any]] = []
        self.writer: pq.ParquetWriter | None = None
        self.file_rows = 0
        self.parts: list[tuple[Path, Path]] = []  # (temp, final)

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        self.buffer.extend(rows)
        if len(self.buffer) >= ROW_GROUP_ROWS:
            self.flush()

    def _open(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        final = self.dir / f"part-{self.run_tag}-{len(self.parts):04d}.parquet"
        tmp = self.dir / f"{TMP_PREFIX}{final.name}"
        self.writer = pq.ParquetWriter(tmp, self.schema, compression="zstd")
        self.parts.append((tmp, final))
        self.file_rows = 0

    def flush(self) -> None:
        if not self.buffer:
            return
        try:
            table = pa.Table.from_pylist(self.buffer, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise StorageError(f"rows do not fit the {self.dataset} schema: {e}") from e
        if self.writer is None or self.file_rows >= FILE_ROWS:
            self.close()
            self._open()
        self.writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.file_rows += len(self.buffer)
        self.buffer = []

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            _fsync_path(self.parts[-1][0])
            self.writer = None

    def write_empty(self) -> None:
        """A 0-row file, so that every dataset directory exists and carries its schema."""
        self._open()
        self.close()


class DatasetWriter:
    """Collects bundles (pipeline/rows.py) of one run and commits them atomically.

    with DatasetWriter(out) as w:
        for bundle in bundles: w.add(bundle)
    # committed on a clean exit, discarded on an exception (the previous state stays intact)
    """

    def __init__(self, out: str | Path, run_id: str | None = None):
        self.out = Path(out)
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.run_tag = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{self.run_id}"
        self.lock = _Lock(self.out)
        self.parts: dict[str, _PartWriter] = {}
        self.report_ids: set[str] = set()  # documents (re)processed in this run
        self.sources: set[str] = set()
        self.committed = False

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "DatasetWriter":
        self.out.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            recover(self.out)
        except BaseException:
            self.lock.release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and not self.committed:
                self.commit()
            elif exc_type is not None:
                self.abort()
        finally:
            self.lock.release()

    def add(self, bundle: dict[str, Any]) -> None:
        if bundle.get("report_id"):
            self.report_ids.add(bundle["report_id"])
        if bundle.get("source"):
            self.sources.add(bundle["source"])
        for name, rows in bundle.get("datasets", {}).items():
            if name not in DATASETS:
                raise StorageError(f"unknown dataset {name!r} (schemas/datasets.py declares {sorted(DATASETS)})")
            if rows:
                part = self.parts.get(name) or self.parts.setdefault(name, _PartWriter(self.out, name, self.run_tag))
                part.add(rows)

    def abort(self) -> None:
        for part in self.parts.values():
            try:
                part.close()
            finally:
                for tmp, _ in part.parts:
                    tmp.unlink(missing_ok=True)

    # -- commit ----------------------------------------------------------------------------
    def _superseded_ids(self) -> set[str]:
        """Documents whose old rows go: the ones processed now, plus older contents of the sources
        processed now (a changed file replaces its previous version) unless another, unprocessed
        source still holds the same content."""
        ids = set(self.report_ids)
        if not self.sources:
            return ids
        by_id: dict[str, set[str]] = {}
        for p in committed_files(self.out, "reports"):
            t = pq.read_table(p, columns=["report_id", "source"])
            for rid, src in zip(t.column("report_id").to_pylist(), t.column("source").to_pylist()):
                by_id.setdefault(rid, set()).add(src)
        for rid, srcs in by_id.items():
            if srcs & self.sources and srcs <= self.sources:
                ids.add(rid)
        return ids

    def _filter_old(self, dataset: str, path: Path, ids: set[str], new_files: bool
                    ) -> tuple[str, Path | None]:
        """('keep'|'delete'|'rewrite', temp) for one committed file, streaming its row groups."""
        pf = pq.ParquetFile(path)
        if pf.metadata.num_rows == 0:
            return ("delete" if new_files else "keep"), None
        by_source = dataset in ("failures", "reports")
        cols = ["report_id", "source"] if by_source else ["report_id"]
        keep_masks, dropped = [], 0
        for i in range(pf.num_row_groups):
            t = pf.read_row_group(i, columns=cols)
            mask = [rid not in ids for rid in t.column("report_id").to_pylist()]
            if by_source:
                mask = [m and s not in self.sources for m, s in zip(mask, t.column("source").to_pylist())]
            dropped += mask.count(False)
            keep_masks.append(mask)
        if dropped == 0:
            return "keep", None
        if dropped == pf.metadata.num_rows:
            return "delete", None
        tmp = path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex[:8]}-{path.name}")
        with pq.ParquetWriter(tmp, pf.schema_arrow, compression="zstd") as w:
            for i, mask in enumerate(keep_masks):
                if any(mask):
                    w.write_table(pf.read_row_group(i).filter(pa.array(mask)))
        _fsync_path(tmp)
        return "rewrite", tmp

    def commit(self) -> dict[str, Any]:
        """Make this run's rows visible, replacing older rows of the same documents."""
        if self.committed:
            raise StorageError("this DatasetWriter was already committed")
        for name in DATASETS:
            part = self.parts.get(name)
            if part is not None:
                part.flush()
                part.close()
        ids = self._superseded_ids()
        journal: dict[str, Any] = {"run_id": self.run_id, "replace": [], "delete": []}
        rel = lambda p: str(p.relative_to(self.out))  # noqa: E731
        for name in DATASETS:
            if name in DERIVED:  # recomputed whole after the run (pipeline/postprocess.py)
                if not committed_files(self.out, name):  # but always present and typed
                    empty = _PartWriter(self.out, name, self.run_tag)
                    empty.write_empty()
                    journal["replace"].extend([rel(t), rel(f)] for t, f in empty.parts)
                continue
            part = self.parts.get(name)
            new_files = bool(part and part.parts)
            for old in committed_files(self.out, name):
                action, tmp = self._filter_old(name, old, ids, new_files)
                if action == "delete":
                    journal["delete"].append(rel(old))
                elif action == "rewrite":
                    journal["replace"].append([rel(tmp), rel(old)])
            if new_files:
                journal["replace"].extend([rel(t), rel(f)] for t, f in part.parts)
            elif not committed_files(self.out, name) or all(
                    d in journal["delete"] for d in map(rel, committed_files(self.out, name))):
                empty = _PartWriter(self.out, name, self.run_tag)
                empty.write_empty()
                journal["replace"].extend([rel(t), rel(f)] for t, f in empty.parts)
        _atomic_write_text(self.out / JOURNAL, json.dumps(journal, ensure_ascii=False))
        _apply_journal(self.out, journal)
        manifest = write_manifest(self.out, self.run_id)
        (self.out / JOURNAL).unlink()
        self.committed = True
        return manifest
