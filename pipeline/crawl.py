"""Crawl portals for 政府信息公开工作年度报告: discovery and the crawl loop.

Start URLs are list pages. From a list page we follow its pagination (下一页/尾页/page numbers,
TRS ``index_N.htm`` incl. ``createPageHTML(...)`` JavaScript pagers, ``?page=N``) and its
report links (link text with 信息公开 + 年度报告, or a report URL token such as ``zfxxgknb``).
From a report page we take only its attachments (pdf, doc, docx, wps, xls...). Nothing else is
followed, so a crawl stays inside the 年报 column. Every request is recorded (crawl_store).

Entry points for the pipeline: ``crawl(start_urls, raw_dir, config)`` and, re-exported from
``pipeline.crawl_store``, ``load_documents``, ``changed_documents``, ``documents_to_extract``.
"""
from __future__ import annotations

import codecs
import hashlib
import logging
import posixpath
import re
import secrets
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from pipeline.crawl_store import (Journal, changed_documents, compact, documents_to_extract,  # noqa: F401
                                  load_documents, safe_file_name, target_path, write_atomic)
from pipeline.fetch import Fetcher
from pipeline.sites import CrawlConfig, SiteConfig, SiteHooks, hooks_for

log = logging.getLogger("xxgk.crawl")

# ---------------------------------------------------------------- discovery

ATTACHMENT_EXTS = {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "rtf"}
REPORT_URL_TOKENS = ("zfxxgknb", "xxgknb", "bmxxgknb", "qzfxxgknb", "gknb", "bmnb", "ndbg",
                     "szfxxgkndbg")
_YEAR = re.compile(r"(19|20)\d\d")
_PAGER_TEXT = re.compile(r"^(下一?页|下页|后页|尾页|末页|上一?页|前页|首页|第?\[?\d{1,4}\]?页?|>|>>|»|next|last)$",
                         re.I)
_PAGE_PARAM = re.compile(r"(?:^|&)(page|pageno|pageindex|pagenum|currentpage|curpage|pn|p)=\d+", re.I)
_INDEX_N = re.compile(r"/index_\d+\.s?html?$", re.I)
_LISTLIKE = re.compile(r"(/|/index(_\d+)?\.\w+)$", re.I)
_CREATE_PAGE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,"
                          r"\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.I)
_DOWNLOAD_TEXT = re.compile(r"附件|下载")
_DOWNLOAD_URL = re.compile(r"down|attach|file|upload", re.I)
_DOWNLOAD_ENDPOINT = re.compile(r"download|attach", re.I)   # e.g. /attach/download.jsp?id=7


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    if name in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030"):
        return "gb18030"    # superset: GBK-labelled pages often hold GB18030-only characters
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None) -> str:
    """Strict UTF-8 first, then the HTTP charset, <meta charset>, GB18030.

    UTF-8 goes first because mislabelled portals are common and GBK text is practically never
    valid UTF-8, whereas UTF-8 bytes often decode "successfully" as GBK into mojibake.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace")
    header = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    meta = _META_CHARSET.search(body[:4096])
    candidates = ["utf-8", _codec(header and header.group(1)), _codec(meta and meta.group(1).decode()),
                  "gb18030"]
    for codec in dict.fromkeys(c for c in candidates if c):
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", "replace")


@dataclass
class ParsedPage:
    title: str | None
    links: list[tuple[str, str]]   # (absolute URL without fragment, visible text or title attr)
    html: str


def parse_page(url: str, body: bytes, content_type: str | None) -> ParsedPage:
    html = decode_html(body, content_type)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ParsedPage(None, [], html)
    base = url
    for href in tree.xpath("//base/@href")[:1]:
        base = urljoin(url, href.strip())
    meta_title = tree.xpath("//meta[translate(@name,'ARTICLETITLE','articletitle')='articletitle']/@content")
    titles = [t for t in meta_title + tree.xpath("//title/text()") if t.strip()]
    links = []
    for a in tree.xpath("//a[@href]"):
        href = a.get("href", "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#", "tel:")):
            continue
        absolute = urljoin(base, href).split("#")[0]
        text = " ".join(a.text_content().split())
        title = (a.get("title") or "").strip()
        links.append((absolute, title if len(title) > len(text) else text))
    for count, _cur, name, ext in _CREATE_PAGE.findall(html):   # TRS pager written by JavaScript
        for i in range(min(int(count), 1000)):
            links.append((urljoin(url, f"{name}_{i}.{ext}" if i else f"{name}.{ext}"), str(i + 1)))
    return ParsedPage(" ".join(titles[0].split()) if titles else None, links, html)


_FILE_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def looks_like_html(content_type: str | None, body: bytes) -> bool:
    if body.startswith(_FILE_MAGIC):
        return False
    ct = (content_type or "").split(";")[0].strip().lower()
    if "html" in ct or "xml" in ct:
        return True
    head = body[:1024].lstrip().lower()
    return ct in ("", "application/octet-stream", "text/plain") and head.startswith(
        (b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--"))


def is_report_text(text: str) -> bool:
    text = re.sub(r"\s+", "", text)
    return "信息公开" in text and ("年度报告" in text or ("年报" in text and bool(_YEAR.search(text))))


def _ext(url: str) -> str:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _has_report_token(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return "xxgkannualreport" in path or any(t in path.split("/") for t in REPORT_URL_TOKENS)


def _looks_like_article(url: str) -> bool:
    parts = urlsplit(url)
    last = parts.path.rsplit("/", 1)[-1]
    if not last or re.fullmatch(r"index(_\d+)?\.\w+", last, re.I):
        return False
    return bool(re.search(r"\d{3,}", last) or parts.query)


def _is_pagination(url: str, text: str, list_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(list_url)
    if a.netloc != b.netloc:
        return False
    same_path = a.path == b.path
    same_dir = posixpath.dirname(a.path) == posixpath.dirname(b.path)
    if same_path and _PAGE_PARAM.search(a.query):
        return True
    if same_dir and _INDEX_N.search(a.path):
        return True
    return bool(_PAGER_TEXT.match(text.strip())) and (same_dir or same_path)


def classify_link(url: str, text: str, page_kind: str, page_url: str, site: SiteConfig,
                  hooks: SiteHooks, root: str) -> str | None:
    """"list", "page", "attachment" or None (not followed)."""
    decided = hooks.classify(url, text, page_kind, page_url)
    if decided is not None:
        return None if decided == "skip" else decided
    is_file = _ext(url) in ATTACHMENT_EXTS or _ext(text) in ATTACHMENT_EXTS
    if page_kind == "page":   # from a report page only its attachments
        if is_file or (_DOWNLOAD_TEXT.search(text) and _DOWNLOAD_URL.search(url)):
            return "attachment"
        if _DOWNLOAD_ENDPOINT.search(urlsplit(url).path) and not re.search(r"\.s?html?$", url, re.I):
            return "attachment"
        return None
    if any(re.search(p, url) for p in site.detail_patterns):
        return "attachment" if is_file else "page"
    if any(re.search(p, url) for p in site.list_patterns):
        return "list"
    if _is_pagination(url, text, page_url):
        return "list"
    if is_file:
        return "attachment" if is_report_text(text) else None
    if is_report_text(text) or (_has_report_token(url) and _looks_like_article(url)):
        return "page"
    if _has_report_token(url) and _LISTLIKE.search(urlsplit(url).path) and url.startswith(root):
        return "list"     # a sub-column (e.g. bmxxgknb/) under the start column
    return None


def report_key(url: str) -> str:
    """Key shared by a report page and its twins/attachments (mobile ``_wap`` twin folded in)."""
    return re.sub(r"_wap(\.s?html?)$", r"\1", url, flags=re.I)


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
            return row, self._discover(task, row, self._saved(row), hooks)
        prev = self.state.get(task.url)
        saved = self._saved(prev) if prev else None
        conditional = prev and (saved is not None or (prev.get("error") and not prev.get("path")))
        res = fetcher.fetch(task.url, task.site,
                            etag=prev.get("etag") if conditional else None,
                            last_modified=prev.get("last_modified") if conditional else None)
        now = _now()
        key = task.report_key or report_key(task.url)
        row = dict(prev or {}, url=task.url, parent_url=task.parent_url, kind=task.kind,
                   report_key=key, crawl_id=self.crawl_id, checked_at=now,
                   final_url=res.final_url, http_status=res.status)
        if not row.get("title"):
            row["title"] = task.title
        body = None
        if res.not_modified:
            row.update(change="unchanged", error=None if saved is not None else prev.get("error"),
                       kind=prev.get("kind") or task.kind)
            body = saved
        elif res.ok:
            body = res.body
            if task.kind != "attachment" and not looks_like_html(res.content_type, body):
                row["kind"] = "attachment"   # a report link that serves the file itself (PDF...)
            digest = hashlib.sha256(body).hexdigest()
            if saved is not None and prev.get("sha256") == digest:
                row["change"] = "unchanged"
            else:
                path = (self.raw_dir / prev["path"]) if prev and prev.get("path") else target_path(
                    self.raw_dir, row["kind"], task.url,
                    safe_file_name(task.url, res.content_disposition, res.content_type))
                write_atomic(path, body)
                row.update(change="changed" if prev and prev.get("sha256") else "new",
                           path=path.relative_to(self.raw_dir.resolve()).as_posix(), fetched_at=now)
            row.update(sha256=digest, bytes=len(body), error=None, content_type=res.content_type,
                       etag=res.etag, last_modified=res.last_modified)
        else:
            skipped = res.error.startswith(("robots", "off_host"))
            row.update(change="skipped" if skipped else "failed", error=res.error)
            if res.etag or res.last_modified:    # e.g. too_large: lets the next run ask for a 304
                row.update(etag=res.etag, last_modified=res.last_modified)
        if body is not None and row["kind"] in ("list", "page"):
            parsed = parse_page(task.url, body, row.get("content_type"))
            if parsed.title:
                row["title"] = parsed.title
            return row, self._discover(task, row, body, hooks, parsed)
        return row, []

    def process_safely(self, task: Task, fetcher: Fetcher, hooks: SiteHooks) -> tuple[dict, list[Task]]:
        """A bug or disk error on one URL is recorded as that URL's failure; the crawl goes on."""
        try:
            return self.process(task, fetcher, hooks)
        except Exception as exc:  # noqa: BLE001 - recorded, never swallowed silently
            log.exception("internal error on %s", task.url)
            row = self.skipped_row(task, f"internal: {type(exc).__name__}: {exc}")
            row["change"] = "failed"
            return row, []

    def _saved(self, row: dict | None) -> bytes | None:
        if not row or not row.get("path"):
            return None
        path = self.raw_dir / row["path"]
        return path.read_bytes() if path.is_file() else None

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
    run.journal.append({"event": "end", "crawl_id": run.crawl_id, "at": _now()})
    compact(raw_dir, run.journal)
    return sorted(run.records.values(), key=lambda r: r["url"])
