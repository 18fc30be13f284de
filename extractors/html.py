"""HTML reader: portal pages (and saved .htm/.shtml/.jsp/.aspx pages) -> Document.

Steps: decode the bytes ourselves (BOM, declared charset, then strict UTF-8 / GB18030, since
Chinese portals often declare the wrong one), parse the str with lxml's HTML parser (no network,
no DTD, huge_tree off), drop site chrome (menus, breadcrumbs, footers, share bars...), keep the
article container when one clearly holds the report, then walk it in reading order emitting one
Paragraph per printed line of a block and one Table per data table (grid in html_grid.py).
"""
from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

from extractors.base import sha256_hex
from extractors.document import Document, Paragraph, Table
from extractors.errors import ReadError
from extractors.html_grid import (BLOCK_TAGS, build_table, clean_line, is_layout_table,
                                  table_rows)

SNIFF_BYTES = 4096
CHARSET_SCAN_BYTES = 16384
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|table|meta|div|p)[\s>/]", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_DECLARED = re.compile(
    rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "cp936", "gb18030", "euc_cn", "hz", "gb2312_80", "x-gbk"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")
_BREAK = "\n\x00"


# ---------------------------------------------------------------- bytes -> str

def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return None


def declared_charset(data: bytes) -> str | None:
    """Codec named by ``<meta charset>``, http-equiv content, or the XML declaration."""
    m = _DECLARED.search(data[:CHARSET_SCAN_BYTES])
    if not m:
        return None
    return normalise_codec((m.group(1) or m.group(2)).decode("ascii", "ignore"))


def normalise_codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in _GB_FAMILY or label.strip().lower() in _GB_FAMILY:
        return "gb18030"  # GB18030 is a superset of GB2312 and GBK
    if name.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
        return "utf-8"  # a UTF-16 label on ASCII-compatible bytes is a lie (WHATWG)
    return name


def _single_byte(codec: str) -> bool:
    """Latin-1 and friends decode any byte string, so they can never be caught lying."""
    high = bytes(range(128, 256))
    try:
        return len(high.decode(codec)) == len(high)
    except (UnicodeDecodeError, LookupError):
        return False


def decode_html(data: bytes) -> tuple[str, str]:
    """(text, codec). A BOM wins. Otherwise bytes that are valid UTF-8 are UTF-8 whatever the
    meta says: GBK text is practically never valid UTF-8, while UTF-8 text often IS valid GBK
    (so a page claiming gb2312 over UTF-8 bytes would decode to mojibake without an error).
    Then the declared codec, then GB18030, each strictly; a lying meta cannot win by default."""
    bom = _bom(data)
    if bom:
        codec, skip = bom
        return data[skip:].decode(codec, "replace"), codec
    declared = declared_charset(data)
    order = ["utf-8", declared, "gb18030"] if declared else ["utf-8", "gb18030"]
    if declared and _single_byte(declared):  # latin-1 & co. never fail: try them last
        order = ["utf-8", "gb18030", declared]
    order = list(dict.fromkeys(order))
    for codec in order:
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    # Nothing decodes cleanly (truncated download, stray bytes): least damage wins.
    best = min(order, key=lambda c: data.decode(c, "replace").count("\ufffd"))
    return data.decode(best, "replace"), best


# ---------------------------------------------------------------- sniff / parse

def looks_like_html(data: bytes) -> bool:
    if data.startswith((b"%PDF", b"PK\x03\x04")):
        return False
    bom = _bom(data)
    if bom and bom[0] != "utf-8":
        head = data[bom[1]:bom[1] + SNIFF_BYTES * 4].decode(bom[0], "ignore").encode("utf-8")
    else:
        head = data[len(codecs.BOM_UTF8) if bom else 0:][:SNIFF_BYTES]
    head = head.lstrip()
    return head.startswith(b"<") and bool(_HTML_START.search(head))


def parse_html(text: str, source: str):
    text = _XML_DECL.sub("", text, count=1)  # lxml refuses str input with an encoding decl
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  huge_tree=False, default_doctype=False)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(f"HTML could not be parsed: {exc}", source=source) from exc


# ---------------------------------------------------------------- tree -> blocks

class _BlockWriter:
    """Collects inline text; each block boundary or <br> ends a printed line (one Paragraph)."""

    def __init__(self) -> None:
        self.blocks: list = []
        self.pieces: list[str] = []
        self.style: str | None = None

    def add(self, text: str | None, style: str | None) -> None:
        if not text:
            return
        if self.pieces and style != self.style:
            self.flush()
        self.pieces.append(text)
        self.style = style

    def flush(self) -> None:
        raw = "".join(self.pieces)
        self.pieces = []
        for chunk in raw.split(_BREAK):
            line = clean_line(chunk)
            if line:
                self.blocks.append(Paragraph(text=line, page=None, style=self.style))

    def line_break(self) -> None:
        self.pieces.append(_BREAK)

    def walk(self, el, style: str | None = None, depth: int = 0) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag in ALWAYS_DROP:
            return
        if depth > 200:  # pathological nesting: keep the words, forget the structure
            self.add("".join(el.itertext()), style)
            return
        if tag == "br":
            self.line_break()
        elif tag == "pre":  # preformatted text keeps its line breaks
            self.flush()
            self.add("".join(el.itertext()).replace("\n", _BREAK), style)
            self.flush()
        elif tag == "table":
            self.flush()
            self._table(el, style, depth)
        elif tag in BLOCK_TAGS:
            self.flush()
            inner = "heading" if tag in HEADINGS else style
            self.add(el.text, inner)
            for child in el:
                self.walk(child, inner, depth + 1)
                self.add(child.tail, inner)
            self.flush()
        else:
            self.add(el.text, style)
            for child in el:
                self.walk(child, style, depth + 1)
                self.add(child.tail, style)

    def _table(self, table, style: str | None, depth: int) -> None:
        for caption in table.findall("caption"):
            self.walk(caption, style, depth + 1)
        if is_layout_table(table):
            for row in table_rows(table):
                for td in row:
                    self.walk(td, style, depth + 1)
            self.flush()
            return
        grid = build_table(table)
        if grid.cells:
            self.blocks.append(grid)


# ---------------------------------------------------------------- site chrome

ALWAYS_DROP = frozenset({
    "script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "template",
    "head", "title", "select", "option", "button", "input", "textarea", "svg", "canvas", "map",
    "audio", "video", "link", "meta"})
CHROME_TAGS = frozenset({"nav", "header", "footer", "aside"})
# Words of class/id values that mark portal furniture. Matched per word (class "menu_hov" ->
# "menu", "hov"; "topNav" -> "top", "nav"), so "research" or "content" never match.
CHROME_WORDS = frozenset({
    "foot", "wx", "ewm", "erweima", "yqlj", "dqwz", "mianbao", "fenxiang"})
CHROME_PREFIXES = ("nav", "menu", "submenu", "footer", "header", "breadcrumb", "crumb", "share",
                   "search", "copyright", "sidebar", "topbar", "login", "weixin", "qrcode",
                   "toolbar", "bdshare")
_NUMBER = re.compile(r"^[-+]?\d[\d,.]*%?$")


_WHITESPACE = re.compile(r"\s+")


def _text_len(el) -> int:
    """Visible characters under ``el`` (whitespace not counted)."""
    return len(_WHITESPACE.sub("", el.xpath("string()")))


def _class_words(el) -> list[str]:
    raw = f"{el.get('class') or ''} {el.get('id') or ''}"
    if raw == " ":
        return []
    raw = re.sub(r"([a-z])([A-Z])", r"\1 \2", raw)
    return [w for w in re.split(r"[\s_\-:.]+", raw.lower()) if w]


_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_chrome_marked(el) -> bool:
    """Portal furniture by tag or class/id words, or a box the page never shows."""
    if el.tag in CHROME_TAGS or el.get("hidden") is not None:
        return True
    if _HIDDEN.search(el.get("style") or ""):
        return True
    return any(w in CHROME_WORDS or w.startswith(CHROME_PREFIXES) for w in _class_words(el))


def is_data_table(table) -> bool:
    """A table that prints numbers: at least three cells that are just a number."""
    if is_layout_table(table):
        return False
    numbers = 0
    for row in table_rows(table):
        for td in row:
            numbers += bool(_NUMBER.match(clean_line(td.text_content())))
            if numbers >= 3:
                return True
    return False


def _protected(el, total: int) -> bool:
    """Chrome-looking boxes that still hold the report are kept (losing text is worse)."""
    if total and _text_len(el) >= 0.3 * total:
        return True
    if any(is_data_table(t) for t in el.iter("table")):
        return True
    return any("报告" in h.text_content() for h in el.iter("h1", "h2", "h3"))


def drop_chrome(body) -> int:
    for el in list(body.iter(*ALWAYS_DROP)):
        el.drop_tree()
    return _sweep(body, _text_len(body), 0)


def _sweep(el, total: int, depth: int) -> int:
    dropped = 0
    for child in list(el):
        if not isinstance(child.tag, str):
            continue
        if is_chrome_marked(child) and not _protected(child, total):
            child.drop_tree()
            dropped += 1
        elif depth < 200:
            dropped += _sweep(child, total, depth + 1)
    return dropped


def find_title_element(body, page_title: str | None):
    """The printed report heading: an h1-h6 or a *title* box whose text names a 报告/年报."""
    found = []
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag not in HEADINGS and not any(
                w.startswith("title") or w.endswith("title") for w in _class_words(el)):
            continue
        if el.tag == "a" or any(a.tag == "a" for a in el.iterancestors()):
            continue  # a link to some other report ("相关阅读"), not this page's heading
        text = clean_line(el.text_content())
        if 4 <= len(text) <= 120 and ("报告" in text or "年报" in text):
            found.append((el, text))
    # Of nested boxes with the same heading keep the innermost.
    found = [(el, t) for el, t in found
             if not any(o is not el and _inside(o, el) for o, _ in found)]
    if not found:
        return None
    key = (page_title or "").replace(" ", "")
    for el, text in found:
        if key and text.replace(" ", "") == key:
            return el
    return found[0][0]


def _prose_len(el) -> int:
    """Text outside links: menus and link lists are all links, report prose is not."""
    return _text_len(el) - sum(_text_len(a) for a in el.iter("a"))


def article_container(body):
    """The deepest box holding >= 90% of the page's prose and every data table; else body."""
    tables = [t for t in body.iter("table") if is_data_table(t)]
    total = _prose_len(body)
    node = body
    while total:
        for child in node:
            if (isinstance(child.tag, str) and _prose_len(child) >= 0.9 * total
                    and all(_inside(t, child) for t in tables)):
                node = child
                break
        else:
            break
    return node


def describe(el) -> str:
    label = el.tag
    if el.get("id"):
        label += "#" + el.get("id")
    if el.get("class"):
        label += "." + ".".join(el.get("class").split())
    return label


# ---------------------------------------------------------------- the reader

def html_title(root) -> str | None:
    """<title> without the portal suffix ("报告名_栏目_网站")."""
    node = root.find(".//title")
    if node is None:
        return None
    text = clean_line(node.text_content())
    parts = [p.strip() for p in re.split(r"\s*[_|｜]\s*|\s+[-－—]+\s+", text) if p.strip()]
    for part in parts:
        if "报告" in part or "年报" in part:
            return part
    return parts[0] if parts else None


def _mark_title(blocks: list, title: str | None) -> None:
    if not title:
        return
    for block in blocks:
        if isinstance(block, Paragraph) and block.text.replace(" ", "") == title.replace(" ", ""):
            block.style = "title"
            return


def _check_text(text: str, source: str) -> None:
    bad = len(_CONTROL.findall(text))
    if bad > max(8, len(text) // 100):
        raise ReadError("binary data, not HTML text (control bytes or undecodable bytes)",
                        source=source)


class HtmlReader:
    format = "html"
    extensions = (".html", ".htm", ".shtml", ".xhtml", ".jsp", ".aspx")

    def sniff(self, data: bytes, name: str) -> bool:
        return looks_like_html(data)

    def read(self, data: bytes, source: str) -> Document:
        if not data or not data.strip(b" \t\r\n\f\x00" + codecs.BOM_UTF8):
            raise ReadError("empty file", source=source)
        if data.startswith((b"%PDF", b"PK\x03\x04")):
            raise ReadError("this is a PDF or ZIP file, not HTML", source=source)
        text, codec = decode_html(data)
        _check_text(text, source)
        root = parse_html(text, source)
        page_title = html_title(root)
        body = root.find("body")
        body = body if body is not None else root
        dropped = drop_chrome(body)
        heading = find_title_element(body, page_title)
        container = article_container(body)
        writer = _BlockWriter()
        if heading is not None and not _inside(heading, container):
            writer.walk(heading, "title")  # title printed above the article box
        writer.walk(container)
        writer.flush()
        title = clean_line(heading.text_content()) if heading is not None else page_title
        _mark_title(writer.blocks, title)
        meta = {"encoding": codec, "declared_encoding": declared_charset(data),
                "chrome_removed": dropped, "container": describe(container),
                "n_tables": sum(isinstance(b, Table) for b in writer.blocks)}
        return Document(source=source, format="html", sha256=sha256_hex(data),
                        blocks=writer.blocks, title=title or None, n_pages=None, meta=meta)


def _inside(el, ancestor) -> bool:
    node = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


READER = HtmlReader()
