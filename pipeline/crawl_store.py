"""Where the crawler keeps things under RAW/: files with safe names, and the documents table.

Layout::

    RAW/pages/<host>/<hash>_<name>        report detail pages (HTML as served)
    RAW/attachments/<host>/<hash>_<name>  pdf, doc, docx, wps, xls, ... attachments
    RAW/_lists/<host>/<hash>_<name>       list pages (kept so a 304 can still be parsed for links;
                                          the leading _ keeps them out of `xxgk run RAW`)
    RAW/documents/documents.parquet       one row per URL: its latest fetch (DOCUMENT_COLUMNS)
    RAW/documents/journal.jsonl           rows of the running crawl, appended and fsynced one
                                          by one; merged into the Parquet at the end of a run

The journal is what makes a killed crawl resumable: a run without its "end" line is resumed
(same crawl_id, URLs already done are not asked for again).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from extractors.errors import StorageError
from pipeline.sites import host_of

_S, _I = pa.string(), pa.int64()
DOCUMENT_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("url", _S, "URL as discovered (fragment removed)"),
    ("final_url", _S, "URL after redirects"),
    ("parent_url", _S, "page the link was found on (null for start URLs)"),
    ("title", _S, "page title (ArticleTitle/<title>) or the link text for attachments"),
    ("fetched_at", _S, "UTC ISO time the current content was downloaded"),
    ("checked_at", _S, "UTC ISO time of the latest request (304s and failures included)"),
    ("http_status", _I, "status of the latest request (304 = unchanged)"),
    ("content_type", _S, "Content-Type header"),
    ("bytes", _I, "size of the saved file"),
    ("sha256", _S, "SHA-256 of the saved file (= report_id of what is extracted from it)"),
    ("etag", _S, "ETag header, sent back as If-None-Match"),
    ("last_modified", _S, "Last-Modified header, sent back as If-Modified-Since"),
    ("error", _S, "code: message of the latest failure (null when the latest request succeeded)"),
    ("path", _S, "saved file relative to RAW (null if never downloaded)"),
    ("kind", _S, "list, page (report detail page) or attachment"),
    ("report_key", _S, "same key for a report page and its attachments: one report, several sources"),
    ("crawl_id", _S, "crawl run that last touched the row"),
    ("change", _S, "in that run: new, changed, unchanged, failed or skipped"),
]
DOCUMENT_SCHEMA = pa.schema([pa.field(n, t) for n, t, _ in DOCUMENT_COLUMNS])
COLUMN_NAMES = [n for n, _, _ in DOCUMENT_COLUMNS]
KIND_DIRS = {"page": "pages", "attachment": "attachments", "list": "_lists"}  # "_": `xxgk run RAW` skips it

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_CT_EXT = {"text/html": ".html", "application/pdf": ".pdf", "application/msword": ".doc",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
           "application/vnd.ms-excel": ".xls", "text/plain": ".txt"}
MAX_NAME_BYTES = 150


# ---------------------------------------------------------------- file names

def _repair_header_text(value: str) -> str:
    """Header bytes arrive as latin-1 text; Chinese servers often send raw UTF-8 or GBK there."""
    if any("\x80" <= ch <= "\xff" for ch in value) and all(ord(ch) < 256 for ch in value):
        raw = value.encode("latin-1")
        for encoding in ("utf-8", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                pass
    return value


def filename_from_disposition(value: str | None) -> str | None:
    if not value:
        return None
    value = _repair_header_text(value)
    star = re.search(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", value, re.I)
    if star:
        charset = star.group(1).strip() or "utf-8"
        try:
            return unquote(star.group(2).strip().strip('"'), encoding=charset, errors="replace")
        except LookupError:
            return unquote(star.group(2).strip().strip('"'))
    plain = re.search(r'filename\s*=\s*("([^"]*)"|[^;]+)', value, re.I)
    if plain:
        name = plain.group(2) if plain.group(2) is not None else plain.group(1).strip()
        return unquote(name)
    return None


def sanitise_name(name: str) -> str:
    """A single harmless path component: no separators, no dot-only names, bounded length."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]          # basename only: "../../x" and "/etc/x" -> "x"
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name or set(name) <= {"_", "."}:
        name = "file"
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 8:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    while len((stem + ext).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem or "file") + ext


def safe_file_name(url: str, content_disposition: str | None = None,
                   content_type: str | None = None) -> str:
    """``<hash of URL>_<name>``: stable per URL, unique even when many URLs end in index.htm."""
    name = filename_from_disposition(content_disposition)
    if not name:
        name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or "index"
    name = sanitise_name(name)
    if "." not in name and content_type:
        name += _CT_EXT.get(content_type.split(";")[0].strip().lower(), "")
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    return f"{digest}_{name}"


def target_path(raw_dir: Path, kind: str, url: str, file_name: str) -> Path:
    host = sanitise_name(host_of(url).replace(":", "_"))
    root = raw_dir.resolve()
    path = (root / KIND_DIRS[kind] / host / sanitise_name(file_name)).resolve()
    if root not in path.parents:   # belt and braces: sanitise_name already forbids separators
        raise StorageError(f"refusing to write outside RAW: {path}", source=url)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------- documents table

def documents_dir(raw_dir: Path) -> Path:
    return Path(raw_dir) / "documents"


def read_state(raw_dir: Path) -> dict[str, dict[str, Any]]:
    """Latest row per URL from the Parquet (journal not included)."""
    path = documents_dir(raw_dir) / "documents.parquet"
    if not path.exists():
        return {}
    rows = pq.read_table(path).to_pylist()
    return {row["url"]: row for row in rows}


def write_state(raw_dir: Path, rows: Iterable[dict[str, Any]]) -> None:
    rows = sorted(rows, key=lambda r: r["url"])
    table = pa.Table.from_pylist([{c: r.get(c) for c in COLUMN_NAMES} for r in rows],
                                 schema=DOCUMENT_SCHEMA)
    target = documents_dir(raw_dir) / "documents.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(".documents.parquet.part")
    pq.write_table(table, tmp)
    os.replace(tmp, target)


class Journal:
    """Append-only JSONL of the running crawl: {"event": "start"|"row"|"end", ...} per line."""

    def __init__(self, raw_dir: Path):
        self.path = documents_dir(raw_dir) / "journal.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = None

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        events = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                break   # a line cut by the kill: everything before it is intact
        return events

    def append(self, event: dict[str, Any]) -> None:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")
        self._fh.write(json.dumps(event, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def clear(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class CrawlLock:
    """One crawl per RAW at a time (a cron run must not interleave with a long manual one).

    ``RAW/documents/.lock`` holds the owner's pid; a lock whose process is gone (killed run) is
    taken over, so a kill never blocks the resume.
    """

    def __init__(self, raw_dir: Path):
        self.path = documents_dir(raw_dir) / ".lock"

    def __enter__(self) -> "CrawlLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if _alive(self._owner()):
                    raise StorageError(f"another crawl (pid {self._owner()}) is writing this RAW folder; "
                                       f"wait for it or remove {self.path} if it is stale",
                                       source=str(self.path.parent.parent)) from None
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return self
        raise StorageError(f"cannot take the crawl lock {self.path}")

    def __exit__(self, *exc) -> None:
        if self._owner() == os.getpid():
            self.path.unlink(missing_ok=True)

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def compact(raw_dir: Path, journal: Journal) -> dict[str, dict[str, Any]]:
    """Merge journal rows into the Parquet (later rows win) and empty the journal."""
    state = read_state(raw_dir)
    rows = [e["row"] for e in journal.read() if e.get("event") == "row"]
    for row in rows:
        state[row["url"]] = row
    if rows or not (documents_dir(raw_dir) / "documents.parquet").exists():
        write_state(raw_dir, state.values())
    journal.clear()
    return state


def load_documents(raw_dir: str | Path) -> list[dict[str, Any]]:
    """Every known URL with its latest fetch, journal of an unfinished run included."""
    raw_dir = Path(raw_dir)
    state = read_state(raw_dir)
    for event in Journal(raw_dir).read():
        if event.get("event") == "row":
            state[event["row"]["url"]] = event["row"]
    return sorted(state.values(), key=lambda r: r["url"])


def changed_documents(raw_dir: str | Path, crawl_id: str | None = None) -> list[dict[str, Any]]:
    """Report pages and attachments that were new or changed in ``crawl_id`` (default: latest run)."""
    rows = load_documents(raw_dir)
    if crawl_id is None:
        ids = [r["crawl_id"] for r in rows if r.get("crawl_id")]
        crawl_id = max(ids) if ids else None
    return [r for r in rows if r["crawl_id"] == crawl_id and r["change"] in ("new", "changed")
            and r["kind"] in ("page", "attachment") and r.get("path")]


def documents_to_extract(raw_dir: str | Path, known_sha256: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Saved report pages/attachments whose current bytes (sha256 = report_id) were not yet seen.

    Robust "new or changed since the last extraction": pass the report_ids (and failure
    report_ids) already in the output datasets.
    """
    known = set(known_sha256)
    return [r for r in load_documents(raw_dir)
            if r["kind"] in ("page", "attachment") and r.get("path") and r.get("sha256")
            and r["sha256"] not in known]


def failure_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failed fetches as rows of the ``failures`` dataset (schemas/datasets.py), stage "fetch".

    Skipped links (robots.txt, other hosts) are deliberate, not failures, and are left out.
    """
    return [{"source": r["url"], "stage": "fetch", "error": "FetchError",
             "message": r.get("error") or "", "report_id": None}
            for r in rows if r.get("change") == "failed"]
