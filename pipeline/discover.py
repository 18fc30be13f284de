"""Discovery for the crawler: decode pages, extract links, and tell lists, reports and files apart.

Generic rules, no per-site code: a link is a *list* page to follow when it is pagination of the
current list (下一页/尾页/page numbers in the same folder, TRS ``index_N.htm`` including the
``createPageHTML(...)`` JavaScript pager, ``?page=N`` on the same path) or a report-token
sub-column under the start column; it is a *report page* when its text (or title attribute)
says 信息公开 + 年度报告 (or 年报 + a year), or its URL carries a report token (FORMAT.md §6:
``zfxxgknb``, ``gknb``, ``ndbg``, ``xxgkAnnualReport.jsp``...) and looks like an article; it is
an *attachment* when it points at a pdf/doc/docx/wps/xls... file. From a report page only
attachments are followed. Site config patterns and registered SiteHooks come first.
"""
from __future__ import annotations

import codecs
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from pipeline.sites import SiteConfig, SiteHooks

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
