"""Crawl portals for 政府信息公开工作年度报告: the crawl loop.

Start URLs are list pages (a start URL that turns out to be a report page is kept as one).
From a list page we follow its pagination and its report links; from a report page only its
attachments (rules in ``pipeline.discover``). Nothing else is followed, so a crawl stays inside
the 年报 column. Every request is recorded (``pipeline.crawl_store``); fetching is polite and
bounded (``pipeline.fetch``).

Entry points for the pipeline: ``crawl(start_urls, raw_dir, config)`` and, re-exported from
``pipeline.crawl_store``, ``load_documents``, ``changed_documents``, ``documents_to_extract``.
"""
from __future__ import annotations

import logging
import os
import posixpath
import secrets
import shutil
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

from pipeline.crawl_store import (CrawlLock, Journal, changed_documents, compact, documents_to_extract,  # noqa: F401
                                  load_documents, safe_file_name, target_path)
from pipeline.discover import (_YEAR, ParsedPage, classify_link, decode_html, is_report_text,  # noqa: F401
                               looks_like_html, parse_page, report_key)
from pipeline.fetch import Fetcher
from pipeline.sites import CrawlConfig, SiteConfig, SiteHooks, hooks_for

log = logging.getLogger("xxgk.crawl")

# ---------------------------------------------------------------- crawl loop

@dataclass
class Task:
    url: str
    kind: str
    site: SiteConfig
    parent_url: str | None = None
    report_key: str | None = None
    title: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _column_root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, posixpath.dirname(parts.path) + "/", "", ""))


class _Run:
    def __init__(self, raw_dir: Path, config: CrawlConfig, on_record: Callable | None):
        self.raw_dir, self.config, self.on_record = raw_dir.resolve(), config, on_record
        self.journal = Journal(raw_dir)
        # Bodies stream to RAW/_tmp (same filesystem: moved into place atomically). Leftovers
        # of a killed run are removed; the lock guarantees no other crawl is using them.
        self.spool_dir = self.raw_dir / "_tmp"
        shutil.rmtree(self.spool_dir, ignore_errors=True)
        events = self.journal.read()
        starts = [i for i, e in enumerate(events) if e.get("event") == "start"]
        unfinished = starts and not any(e.get("event") == "end" for e in events[starts[-1]:])
        if unfinished:   # resume the killed run: same id, its finished URLs are not asked again
            self.crawl_id = events[starts[-1]]["crawl_id"]
            self.done = {e["row"]["url"]: e["row"] for e in events[starts[-1]:]
                         if e.get("event") == "row"}
            log.info("resuming crawl %s (%d URLs already done)", self.crawl_id, len(self.done))
        else:
            compact(raw_dir, self.journal)   # a finished run killed before compaction
            self.crawl_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)
            self.done = {}
        self.state = {r["url"]: r for r in load_documents(raw_dir)}
        self.records: dict[str, dict[str, Any]] = {}
        self.journal.append({"event": "start", "crawl_id": self.crawl_id, "at": _now(),
                             "resumed": bool(unfinished)})

    def record(self, row: dict[str, Any]) -> None:
        if row["url"] not in self.done:
            self.journal.append({"event": "row", "row": row})
        self.records[row["url"]] = row
        self.state[row["url"]] = row
        if self.on_record:
            self.on_record(row)

    # -------------------------------------------------- one task (worker thread)

    def process(self, task: Task, fetcher: Fetcher, hooks: SiteHooks) -> tuple[dict, list[Task]]:
        if task.url in self.done:
            row = self.done[task.url]
            return row, self._discover(task, row, self._read_saved(row), hooks)
        prev = self.state.get(task.url)
        saved = self._saved_path(prev)
        conditional = prev and (saved is not None or (prev.get("error") and not prev.get("path")))
        res = fetcher.fetch(task.url, task.site,
                            etag=prev.get("etag") if conditional else None,
                            last_modified=prev.get("last_modified") if conditional else None,
                            spool_dir=self.spool_dir)
        now = _now()
        key = task.report_key or report_key(task.url)
        row = dict(prev or {}, url=task.url, parent_url=task.parent_url, kind=task.kind,
                   report_key=key, crawl_id=self.crawl_id, checked_at=now,
                   final_url=res.final_url, http_status=res.status)
        if not row.get("title"):
            row["title"] = task.title
        body, parsed = None, None
        if res.not_modified:
            row.update(change="unchanged", error=None if saved is not None else prev.get("error"),
                       kind=prev.get("kind") or task.kind)
            body = self._read_saved(row)
        elif res.ok:
            if task.kind != "attachment" and not looks_like_html(res.content_type, res.head()):
                row["kind"] = "attachment"   # a report link that serves the file itself (PDF...)
            if row["kind"] != "attachment":
                body = res.read_bytes()
            if task.kind == "list" and body is not None:
                parsed = parse_page(task.url, body, res.content_type)
                title = parsed.title or ""
                if is_report_text(title) and _YEAR.search(title) and not self._lists_reports(task, parsed, hooks):
                    row["kind"] = "page"     # a start URL that is itself a report page
            if saved is not None and prev.get("sha256") == res.sha256:
                row["change"] = "unchanged"
                res.discard()
            else:
                path = (self.raw_dir / prev["path"]) if prev and prev.get("path") else target_path(
                    self.raw_dir, row["kind"], task.url,
                    safe_file_name(task.url, res.content_disposition, res.content_type))
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(res.spooled, path)
                row.update(change="changed" if prev and prev.get("sha256") else "new",
                           path=path.relative_to(self.raw_dir).as_posix(), fetched_at=now)
            row.update(sha256=res.sha256, bytes=res.size, error=None, content_type=res.content_type,
                       etag=res.etag, last_modified=res.last_modified)
        else:
            skipped = res.error.startswith(("robots", "off_host"))
            row.update(change="skipped" if skipped else "failed", error=res.error)
            if res.etag or res.last_modified:    # e.g. too_large: lets the next run ask for a 304
                row.update(etag=res.etag, last_modified=res.last_modified)
        if body is not None and row["kind"] in ("list", "page"):
            parsed = parsed or parse_page(task.url, body, row.get("content_type"))
            if parsed.title:
                row["title"] = parsed.title
            return row, self._discover(task, row, body, hooks, parsed)
        return row, []

    def _lists_reports(self, task: Task, parsed: ParsedPage, hooks: SiteHooks) -> bool:
        root = _column_root(task.site.start_urls[0] if task.site.start_urls else task.url)
        kinds = [classify_link(u, t, "list", task.url, task.site, hooks, root) for u, t in parsed.links]
        # >= 3: a report page may still link 上一篇/下一篇 to two sibling reports
        return kinds.count("page") + kinds.count("attachment") >= 3

    def process_safely(self, task: Task, fetcher: Fetcher, hooks: SiteHooks) -> tuple[dict, list[Task]]:
        """A bug or disk error on one URL is recorded as that URL's failure; the crawl goes on."""
        try:
            return self.process(task, fetcher, hooks)
        except Exception as exc:  # noqa: BLE001 - recorded, never swallowed silently
            log.exception("internal error on %s", task.url)
            row = self.skipped_row(task, f"internal: {type(exc).__name__}: {exc}")
            row["change"] = "failed"
            return row, []

    def _saved_path(self, row: dict | None) -> Path | None:
        if not row or not row.get("path"):
            return None
        path = self.raw_dir / row["path"]
        return path if path.is_file() else None

    def _read_saved(self, row: dict) -> bytes | None:
        """The saved copy of a list/report page (parsed for links); attachments are never read."""
        path = self._saved_path(row)
        return path.read_bytes() if path is not None and row.get("kind") in ("list", "page") else None

    def _discover(self, task: Task, row: dict, body: bytes | None, hooks: SiteHooks,
                  parsed: ParsedPage | None = None) -> list[Task]:
        kind = row["kind"]
        if body is None or kind == "attachment":
            return []
        parsed = parsed or parse_page(task.url, body, row.get("content_type"))
        links = parsed.links + hooks.extra_links(task.url, parsed.html, kind)
        root = _column_root(task.site.start_urls[0] if task.site.start_urls else task.url)
        found = []
        for url, text in links:
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            link_kind = classify_link(url, text, kind, task.url, task.site, hooks, root)
            if link_kind:
                key = row["report_key"] if kind == "page" else None
                found.append(Task(url, link_kind, task.site, task.url, key, text or None))
        return found

    def skipped_row(self, task: Task, error: str) -> dict[str, Any]:
        prev = self.state.get(task.url) or {}
        return dict(prev, url=task.url, final_url=task.url, parent_url=task.parent_url,
                    title=prev.get("title") or task.title, kind=task.kind,
                    report_key=task.report_key or report_key(task.url), crawl_id=self.crawl_id,
                    checked_at=_now(), http_status=None, error=error, change="skipped")


def crawl(start_urls: list[str], raw_dir: str | Path, config: CrawlConfig | None = None, *,
          on_record: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Crawl from ``start_urls`` (or every configured site if empty) into ``raw_dir``.

    Returns this run's document rows (crawl_store.DOCUMENT_COLUMNS), one per URL touched.
    ``on_record`` is called after each row is journaled (progress display; tests use it to
    simulate a kill). A run that is interrupted is resumed by the next call.
    """
    config = config or CrawlConfig()
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    with CrawlLock(raw_dir):
        return _crawl_locked(start_urls, raw_dir, config, on_record)


def _crawl_locked(start_urls: list[str], raw_dir: Path, config: CrawlConfig,
                  on_record: Callable[[dict[str, Any]], None] | None) -> list[dict[str, Any]]:
    sites = [config.site_for(u) for u in start_urls] if start_urls else list(config.sites)
    run = _Run(raw_dir, config, on_record)
    hooks = {id(s): hooks_for(s) for s in sites}
    budget = {id(s): s.max_pages for s in sites}
    workers = max(1, min(16, sum(s.concurrency for s in sites)))
    seen: set[str] = set()
    pending: dict[Future, Task] = {}
    queue: list[Task] = [Task(u, "list", s) for s in sites for u in s.start_urls]
    with Fetcher() as fetcher, ThreadPoolExecutor(workers, thread_name_prefix="crawl") as pool:
        try:
            while queue or pending:
                while queue:
                    task = queue.pop(0)
                    if task.url in seen:
                        continue
                    seen.add(task.url)
                    if not task.site.allows(task.url):
                        if task.kind != "list":   # off-host report links are worth knowing about
                            run.record(run.skipped_row(task, "off_host: link to a host that is not allowed"))
                        continue
                    if budget[id(task.site)] <= 0:
                        log.warning("max_pages reached for %s; not following %s", task.site.name, task.url)
                        continue
                    budget[id(task.site)] -= 1
                    pending[pool.submit(run.process_safely, task, fetcher, hooks[id(task.site)])] = task
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = pending.pop(future)
                    row, found = future.result()
                    run.record(row)
                    log.info("%s %s %s", row["change"], task.kind, task.url)
                    queue.extend(found)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            run.journal.close()
            raise
    shutil.rmtree(run.spool_dir, ignore_errors=True)
    run.journal.append({"event": "end", "crawl_id": run.crawl_id, "at": _now()})
    compact(raw_dir, run.journal)
    return sorted(run.records.values(), key=lambda r: r["url"])
