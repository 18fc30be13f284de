"""Parquet datasets under ``--out``: streamed writes, atomic commits, a manifest and a lock.

Layout, chosen when an output folder is first written and recorded in ``_manifest.json``:
- ``flat`` (default): ``OUT/<dataset>/part-<stamp>-<run>-<n>.parquet``; every file has exactly the
  Arrow schema of ``schemas/datasets.py`` and readers see exactly those columns.
- ``report_year`` (``xxgk run --partition year``, or ``xxgk compact OUT --layout report_year``):
  hive partitions ``OUT/<dataset>/report_year=<YYYY>/part-*.parquet`` for every per-report dataset
  (the derived ``agencies``/``metrics`` stay flat). The partition key is deliberately NOT ``year``:
  a hive key lives in the path only and would clash with the ``year`` column of ``reports``
  (int64 in the file vs int32 from the path: pyarrow refuses to merge them). So ``year`` stays an
  ordinary nullable int64 column, and readers additionally get ``report_year`` (pyarrow: int32;
  pandas: category). Reports whose year is unknown go to ``report_year=0`` (never
  ``__HIVE_DEFAULT_PARTITION__``, which pandas cannot read back); failures without a report go
  there too.
Small files are merged by compaction (``pipeline/compact.py``), automatically after a commit when a
folder holds more than ``compact.AUTO_MIN_FILES`` small files.

Guarantees (local filesystem; for object stores see ``pipeline/fs.py``):
- Rows are streamed into temporary files (``.tmp-*``, hidden from pyarrow/pandas readers by the
  leading dot) in row groups; memory is bounded by one row group per dataset and partition.
- File names are written once: a file that loses rows (re-processed documents) is rewritten under
  a NEW name and the old one deleted, so a name always means the same bytes (mirrors and object
  stores can sync by name).
- ``commit()`` makes a run visible: a journal (``_journal.json``) lists every rename and deletion,
  they are applied with ``os.replace``/unlink, ``_manifest.json`` is rewritten, and the journal
  removed. A crash before the journal leaves the previous state; a crash after it is completed by
  the next writer (``recover``). A re-run never duplicates rows.
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
ROW_GROUP_ROWS = 50_000  # rows buffered per dataset (and partition) before a row group is written
FILE_ROWS = 2_000_000  # rows per part file before the writer starts a new one
LAYOUTS = ("flat", "report_year")
PARTITION_KEY = "report_year"
UNKNOWN_YEAR = 0  # partition value of rows whose report year is unknown


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


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)


def committed_files(out: Path, dataset: str) -> list[Path]:
    """Every visible Parquet file of a dataset, in partition folders too."""
    d = Path(out) / dataset
    return sorted(p for p in d.rglob("*.parquet") if _visible(p, d)) if d.is_dir() else []


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def current_layout(out: Path) -> str:
    return read_manifest(out).get("layout", "flat")


def partition_dir(layout: str, dataset: str, year: Any) -> str:
    """Sub-folder (relative to the dataset folder) of a report's rows; '' when flat."""
    if layout == "flat" or dataset in DERIVED:
        return ""
    y = int(year) if isinstance(year, (int, float)) and year == year and year else UNKNOWN_YEAR
    return f"{PARTITION_KEY}={y}"


def write_manifest(out: Path, run_id: str | None = None, layout: str | None = None) -> dict[str, Any]:
    """``_manifest.json``: every committed file with its row count. File names are written once,
    so the counts of files already listed are reused and only new footers are read."""
    old = read_manifest(out)
    known = {f["path"]: f["rows"] for d in old.get("datasets", {}).values() for f in d.get("files", [])}
    datasets = {}
    for name in DATASETS:
        files = []
        for p in committed_files(out, name):
            rel = p.relative_to(out).as_posix()
            rows = known.get(rel)
            files.append({"path": rel, "rows": pq.ParquetFile(p).metadata.num_rows if rows is None else rows})
        datasets[name] = {"rows": sum(f["rows"] for f in files), "files": files}
    manifest = {"format": 1, "committed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "run_id": run_id, "extractor_version": EXTRACTOR_VERSION,
                "layout": layout or old.get("layout", "flat"), "datasets": datasets}
    _atomic_write_text(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def committed_documents(out: Path) -> dict[str, tuple[str, str]]:
    """source -> (sha256, extractor_version) of every committed report row: what a re-run may skip."""
    known: dict[str, tuple[str, str]] = {}
    for p in committed_files(Path(out), "reports"):
        t = pq.read_table(p, columns=["source", "sha256", "extractor_version"])
        for src, sha, ver in zip(*(t.column(c).to_pylist() for c in t.column_names)):
            if src and sha:
                known[src] = (sha, ver)
    return known


def _apply_journal(out: Path, journal: dict[str, Any]) -> None:
    """Idempotent: a rename whose temp file is gone was already done."""
    for tmp, final in journal.get("replace", []):
        if (out / tmp).exists():
            (out / final).parent.mkdir(parents=True, exist_ok=True)
            os.replace(out / tmp, out / final)
    for rel in journal.get("delete", []):
        (out / rel).unlink(missing_ok=True)
    for name in DATASETS:  # partition folders left empty by deletions
        d = out / name
        if d.is_dir():
            for sub in d.iterdir():
                if sub.is_dir() and sub.name.startswith(f"{PARTITION_KEY}=") and not any(sub.iterdir()):
                    sub.rmdir()


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
        write_manifest(out, journal.get("run_id"), journal.get("layout"))
        jpath.unlink()
        replayed = True
    for name in DATASETS:
        d = out / name
        if d.is_dir():
            for p in d.rglob(f"{TMP_PREFIX}*"):
                p.unlink(missing_ok=True)
    for p in out.glob(f"{TMP_PREFIX}*"):
        p.unlink(missing_ok=True)
    return replayed


def commit_journal(out: Path, journal: dict[str, Any]) -> dict[str, Any]:
    """Write the journal, apply it, rewrite the manifest, drop the journal (lock held)."""
    _atomic_write_text(out / JOURNAL, json.dumps(journal, ensure_ascii=False))
    _apply_journal(out, journal)
    manifest = write_manifest(out, journal.get("run_id"), journal.get("layout"))
    (out / JOURNAL).unlink()
    return manifest


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


def init_layout(out: str | Path, layout: str) -> str:
    """Choose the layout of an output folder before its first run (recorded in the manifest).
    An output that already holds rows keeps its layout unless re-laid out by compaction."""
    if layout not in LAYOUTS:
        raise StorageError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = _Lock(out)
    lock.acquire()
    try:
        recover(out)
        manifest = read_manifest(out)
        has_rows = any(d.get("rows") for d in manifest.get("datasets", {}).values())
        existing = manifest.get("layout", "flat")
        if has_rows and existing != layout:
            raise StorageError(f"{out} is laid out {existing!r}; run `xxgk compact {out} --layout {layout}` "
                               "to change it")
        if not has_rows:
            write_manifest(out, layout=layout)
        return layout
    finally:
        lock.release()


class PartWriter:
    """Streams one dataset's (one partition's) new rows into temporary part files, by row group."""

    def __init__(self, out: Path, dataset: str, run_tag: str, subdir: str = "", schema: pa.Schema | None = None):
        self.dir = out / dataset / subdir if subdir else out / dataset
        self.dataset = dataset
        self.schema = schema or arrow_schema(dataset)
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

    def write_table(self, table: pa.Table) -> None:
        if self.writer is None or self.file_rows >= FILE_ROWS:
            self.close()
            self._open()
        self.writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.file_rows += table.num_rows

    def flush(self) -> None:
        if not self.buffer:
            return
        try:
            table = pa.Table.from_pylist(self.buffer, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise StorageError(f"rows do not fit the {self.dataset} schema: {e}") from e
        self.buffer = []
        self.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            _fsync_path(self.parts[-1][0])
            self.writer = None

    def write_empty(self) -> None:
        """A 0-row file, so that every dataset directory exists and carries its schema."""
        self._open()
        self.close()


_PartWriter = PartWriter  # the name other modules used before it became public


class DatasetWriter:
    """Collects bundles (pipeline/rows.py) of one run and commits them atomically.

    with DatasetWriter(out) as w:
        for bundle in bundles: w.add(bundle)
    # committed on a clean exit, discarded on an exception (the previous state stays intact)
    """

    def __init__(self, out: str | Path, run_id: str | None = None, layout: str | None = None,
                 auto_compact: bool = True):
        if layout is not None and layout not in LAYOUTS:
            raise StorageError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
        self.out = Path(out)
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.run_tag = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{self.run_id}"
        self.lock = _Lock(self.out)
        self.requested_layout = layout
        self.layout = layout or "flat"
        self.auto_compact = auto_compact
        self.parts: dict[tuple[str, str], PartWriter] = {}
        self.report_ids: set[str] = set()  # documents (re)processed in this run
        self.sources: set[str] = set()
        self.committed = False

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "DatasetWriter":
        self.out.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            recover(self.out)
            self._settle_layout()
        except BaseException:
            self.lock.release()
            raise
        return self

    def _settle_layout(self) -> None:
        """An existing output keeps its layout; asking for another one is an error (re-lay it out
        with ``xxgk compact OUT --layout ...``)."""
        manifest = read_manifest(self.out)
        existing = manifest.get("layout", "flat") if manifest else None
        has_rows = any(d.get("rows") for d in manifest.get("datasets", {}).values()) if manifest else False
        if existing and has_rows and self.requested_layout and self.requested_layout != existing:
            raise StorageError(f"{self.out} is laid out {existing!r}; run `xxgk compact {self.out} --layout "
                               f"{self.requested_layout}` first to change it")
        self.layout = existing if (existing and has_rows) else (self.requested_layout or existing or "flat")

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
                sub = partition_dir(self.layout, name, bundle.get("year"))
                part = self.parts.get((name, sub))
                if part is None:
                    part = self.parts[(name, sub)] = PartWriter(self.out, name, self.run_tag, sub)
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
                    ) -> tuple[str, Path | None, Path | None]:
        """('keep'|'delete'|'rewrite', temp, final) for one committed file, streaming its row groups.
        A rewrite gets a new name: names are written once."""
        pf = pq.ParquetFile(path)
        if pf.metadata.num_rows == 0:
            return ("delete" if new_files else "keep"), None, None
        if not ids and not self.sources:
            return "keep", None, None
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
            return "keep", None, None
        if dropped == pf.metadata.num_rows:
            return "delete", None, None
        final = path.with_name(f"part-{self.run_tag}-r{uuid.uuid4().hex[:6]}.parquet")
        tmp = final.with_name(f"{TMP_PREFIX}{final.name}")
        with pq.ParquetWriter(tmp, pf.schema_arrow, compression="zstd") as w:
            for i, mask in enumerate(keep_masks):
                if any(mask):
                    w.write_table(pf.read_row_group(i).filter(pa.array(mask)))
        _fsync_path(tmp)
        return "rewrite", tmp, final

    def commit(self) -> dict[str, Any]:
        """Make this run's rows visible, replacing older rows of the same documents."""
        if self.committed:
            raise StorageError("this DatasetWriter was already committed")
        for part in self.parts.values():
            part.flush()
            part.close()
        ids = self._superseded_ids()
        journal: dict[str, Any] = {"run_id": self.run_id, "layout": self.layout, "replace": [], "delete": []}
        rel = lambda p: p.relative_to(self.out).as_posix()  # noqa: E731

        def add_empty(name: str) -> None:
            empty = PartWriter(self.out, name, self.run_tag)
            empty.write_empty()
            journal["replace"].extend([rel(t), rel(f)] for t, f in empty.parts)

        for name in DATASETS:
            if name in DERIVED:  # recomputed whole after the run (pipeline/postprocess.py)
                if not committed_files(self.out, name):  # but always present and typed
                    add_empty(name)
                continue
            new_parts = [f for (n, _), p in self.parts.items() if n == name for f in p.parts]
            old_files = committed_files(self.out, name)
            for old in old_files:
                action, tmp, final = self._filter_old(name, old, ids, bool(new_parts))
                if action in ("delete", "rewrite"):
                    journal["delete"].append(rel(old))
                if action == "rewrite":
                    journal["replace"].append([rel(tmp), rel(final)])
            journal["replace"].extend([rel(t), rel(f)] for t, f in new_parts)
            if not new_parts and all(rel(o) in journal["delete"] for o in old_files) and not any(
                    r[1].startswith(f"{name}/") for r in journal["replace"]):
                add_empty(name)
        manifest = commit_journal(self.out, journal)
        self.committed = True
        if self.auto_compact:
            from pipeline.compact import compact_locked

            if compact_locked(self.out, auto=True):
                manifest = read_manifest(self.out)
        return manifest
