"""Filesystems beyond the local disk (fsspec), and the stat cache of input hashes.

Output to an object store (``--out s3://bucket/prefix``, ``memory://...``, ``file://...``): the run
works on a local mirror of the output (``RemoteOutput``) and publishes it when it is done:
1. ``pull``: files of the remote output missing from the mirror are downloaded (names are written
   once by ``pipeline/storage.py``, so a name present locally is the same bytes);
2. the run commits locally with the usual journal and lock (atomic on the local disk);
3. ``push``: new files are uploaded under their final names (each object is written once, never
   renamed: a rename on S3 is a copy and not atomic), files the run removed are deleted, and
   ``_manifest.json`` is uploaded LAST. Readers that follow the manifest always see a complete
   state; readers that list the prefix may briefly see both an old file and its replacement
   between the upload and the deletions (at most one run's worth).
The remote lock (``_lock.json``: who and since when) is advisory: object stores have no atomic
create-if-absent in fsspec, so two runs started within the same second could both take it. Run
one writer per prefix (e.g. one Prefect deployment with a concurrency limit of 1).

Raw inputs given as URLs (``memory://raw``, ``s3://bucket/raw``, ``file:///data/raw``) are
downloaded into a local cache (``inputs_cache``) and read from there; their ``source`` in the
datasets is the local copy's path.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from extractors.errors import StorageError

REMOTE_LOCK = "_lock.json"
STALE_LOCK_S = 6 * 3600


def is_url(path: str | os.PathLike) -> bool:
    return "://" in str(path)


def is_remote(path: str | os.PathLike) -> bool:
    return is_url(path) and not str(path).startswith("file://")


def local_path(path: str | os.PathLike) -> Path:
    """A local path for ``file://`` URLs and plain paths."""
    s = str(path)
    return Path(s[len("file://"):]) if s.startswith("file://") else Path(s)


def filesystem(url: str):
    """(fsspec filesystem, root path inside it)."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    return fs, root.rstrip("/")


def _remote_files(fs, root: str) -> dict[str, int]:
    if not fs.exists(root):
        return {}
    found = fs.find(root, detail=True)
    return {p[len(root):].lstrip("/"): int(info.get("size") or 0) for p, info in found.items()
            if info.get("type", "file") == "file"}


def _local_files(root: Path) -> dict[str, int]:
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            out[rel.as_posix()] = p.stat().st_size
    return out


class RemoteOutput:
    """A local mirror of a remote output folder, published on a clean exit.

    with RemoteOutput("s3://bucket/xxgk", mirror) as local_dir:
        run_batch(inputs, local_dir)
    """

    def __init__(self, url: str, mirror: str | Path | None = None):
        import hashlib
        import tempfile

        self.url = url
        self.fs, self.root = filesystem(url)
        tag = hashlib.sha256(url.encode()).hexdigest()[:16]
        self.mirror = Path(mirror) if mirror else Path(tempfile.gettempdir()) / "xxgk-mirror" / tag
        self.locked = False

    def _lock(self) -> None:
        path = f"{self.root}/{REMOTE_LOCK}"
        if self.fs.exists(path):
            try:
                held = json.loads(self.fs.cat_file(path))
            except (OSError, ValueError):
                held = {}
            if time.time() - float(held.get("since", 0)) < STALE_LOCK_S:
                raise StorageError(f"another xxgk run ({held.get('host')}, pid {held.get('pid')}) is writing "
                                   f"to {self.url}; wait for it or remove {REMOTE_LOCK} if it died")
        self.fs.makedirs(self.root, exist_ok=True)
        self.fs.pipe_file(path, json.dumps({"host": os.uname().nodename, "pid": os.getpid(),
                                            "since": time.time()}).encode())
        self.locked = True

    def _unlock(self) -> None:
        if self.locked:
            self.fs.rm_file(f"{self.root}/{REMOTE_LOCK}")
            self.locked = False

    def pull(self) -> int:
        """Download what the mirror lacks; drop mirror files the remote no longer has."""
        self.mirror.mkdir(parents=True, exist_ok=True)
        remote = {k: v for k, v in _remote_files(self.fs, self.root).items() if k != REMOTE_LOCK}
        local = _local_files(self.mirror)
        n = 0
        for rel, size in remote.items():
            if local.get(rel) != size:
                dest = self.mirror / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                self.fs.get_file(f"{self.root}/{rel}", str(dest))
                n += 1
        for rel in set(local) - set(remote):
            (self.mirror / rel).unlink()
        return n

    def push(self) -> int:
        """Upload new files, delete removed ones, manifest last. Returns files uploaded."""
        remote = {k: v for k, v in _remote_files(self.fs, self.root).items() if k != REMOTE_LOCK}
        local = _local_files(self.mirror)
        manifest = "_manifest.json"
        n = 0
        for rel, size in sorted(local.items()):
            if rel != manifest and remote.get(rel) != size:
                self.fs.put_file(str(self.mirror / rel), f"{self.root}/{rel}")
                n += 1
        for rel in sorted(set(remote) - set(local)):
            if rel != manifest:
                self.fs.rm_file(f"{self.root}/{rel}")
        if manifest in local:
            self.fs.put_file(str(self.mirror / manifest), f"{self.root}/{manifest}")
        return n

    def __enter__(self) -> Path:
        self._lock()
        try:
            self.pull()
        except BaseException:
            self._unlock()
            raise
        return self.mirror

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.push()
        finally:
            self._unlock()


def inputs_cache() -> Path:
    """Where remote inputs are copied: outside any output folder (outputs are excluded from input
    discovery). ``XXGK_INPUT_CACHE`` overrides it."""
    import tempfile

    return Path(os.environ.get("XXGK_INPUT_CACHE") or Path(tempfile.gettempdir()) / "xxgk-inputs")


def localize_inputs(paths: list[str], cache: Path) -> list[str]:
    """Inputs given as URLs -> local copies under ``cache`` (re-downloaded only when the size
    changed); plain paths and ``file://`` URLs pass through as local paths."""
    out = []
    for p in paths:
        if not is_remote(p):
            out.append(str(local_path(p)))
            continue
        fs, root = filesystem(p)
        import hashlib

        dest_root = cache / hashlib.sha256(p.encode()).hexdigest()[:16]
        if fs.isfile(root):
            files = {Path(root).name: fs.size(root)}
            root = str(Path(root).parent)
        else:
            files = _remote_files(fs, root)
        for rel, size in files.items():
            dest = dest_root / rel
            if not dest.exists() or dest.stat().st_size != size:
                dest.parent.mkdir(parents=True, exist_ok=True)
                fs.get_file(f"{root}/{rel}", str(dest))
        out.append(str(dest_root))
    return out


class HashCache:
    """(path, size, mtime_ns) -> sha256, kept in ``OUT/.cache/sha256.json``: a re-run hashes only
    files whose size or modification time changed (reading every byte was the remaining cost of an
    unchanged re-run). A file rewritten with the same size within the same mtime tick would be
    missed; ``xxgk run --force`` re-reads everything."""

    FILE = "sha256.json"

    def __init__(self, out: str | Path):
        self.path = local_path(out) / ".cache" / self.FILE
        try:
            self.known: dict[str, list[Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.fresh: dict[str, list[Any]] = {}

    def sha256(self, path: Path, compute) -> str | None:
        try:
            st = path.stat()
        except OSError:
            return None
        key = str(path.resolve())
        hit = self.known.get(key)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            self.fresh[key] = hit
            return hit[2]
        sha = compute(path)
        if sha is not None:
            self.fresh[key] = [st.st_size, st.st_mtime_ns, sha]
        return sha

    def save(self) -> None:
        """Keeps the entries of this run's files plus the older ones (other input folders)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".tmp-{os.getpid()}-{self.FILE}")
            tmp.write_text(json.dumps({**self.known, **self.fresh}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a read-only output still runs; it just hashes again next time
            pass
