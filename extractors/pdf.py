"""PDF with a text layer -> Document (pdfplumber).

Each page is parsed once: its visible ruling gives the tables (``pdf_tables``), the characters
outside every table cell give text lines, and lines become paragraphs. Tables that run over a
page break are joined into one Table. Page numbers ("- 3 -") are page furniture: they go to
``meta["furniture"]``, not into the text, so a sentence cut by a page break reads as one.

Pages without any text are listed in ``meta["pages_without_text"]``. Those that carry an image
or drawing (a scan) are OCR'd (``extractors/ocr.py``, listed in ``meta["ocr_pages"]``): their text
lines and ruled tables enter the same paragraph and cross-page table joining as text pages, the
tables with ``method = "ocr"`` and a confidence per cell.
"""
from __future__ import annotations

import io
import logging
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

import pdfminer.pdftypes

from extractors.base import sha256_hex
from extractors.document import Document, Paragraph
from extractors.errors import MissingTool, ReadError, ResourceLimit
from extractors.pdf_tables import (
    PageTable, RawCell, build_table, can_continue, find_page_tables, is_visible_ruling, starts_new_item,
)

MAX_PAGES = 2000
MAX_OCR_PAGES = 150  # ~3-10 s a page: a longer scan is not an annual report worth the hours
FURNITURE_ZONE = 0.09  # top/bottom share of the page where page numbers live
PAGE_NUMBER_RE = re.compile(
    r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$"
    r"|^[-—–－\s]*[A-Za-z]*\s*\d{1,4}\s*[A-Za-z]*[-—–－\s]*$")
SECTION_HEADING_RE = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")
PDF_HEADER_RE = re.compile(rb"%PDF-\d")
CID_GLYPH_RE = re.compile(r"^\(cid:\d+\)$")
BOLD_FONT_RE = re.compile(r"bold|black|heavy|黑体|Hei", re.I)

MAX_STREAM_BYTES = 256 * 1024 * 1024  # one decompressed stream; a scanned A4 page at 600 dpi is ~100 MB


class _CappedDecompressor:
    """zlib decompressobj that refuses to inflate past MAX_STREAM_BYTES (decompression bombs)."""

    def __init__(self, *args, **kwargs):
        self._inner = zlib.decompressobj(*args, **kwargs)
        self._total = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        room = MAX_STREAM_BYTES - self._total + 1
        out = self._inner.decompress(data, room)
        self._total += len(out)
        if self._total > MAX_STREAM_BYTES or self._inner.unconsumed_tail:
            raise ResourceLimit(f"a PDF stream inflates past {MAX_STREAM_BYTES} bytes (decompression bomb?)")
        return out

    def flush(self, *args) -> bytes:
        return self._inner.flush(*args)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _CappedZlib:
    """Stands in for the ``zlib`` module inside pdfminer.pdftypes, which inflates whole streams
    with ``zlib.decompress`` and no limit: a small PDF could otherwise take all memory."""
    error = zlib.error

    @staticmethod
    def decompress(data: bytes, *args) -> bytes:
        d = _CappedDecompressor()
        return d.decompress(data) + d.flush()

    @staticmethod
    def decompressobj(*args, **kwargs) -> _CappedDecompressor:
        return _CappedDecompressor(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(zlib, name)


pdfminer.pdftypes.zlib = _CappedZlib()

for _name in ("pdfminer", "pdfplumber"):  # pdfminer warns loudly about harmless font quirks
    logging.getLogger(_name).setLevel(logging.ERROR)


@dataclass
class Line:
    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class PageContent:
    number: int
    height: float
    lines: list[Line] = field(default_factory=list)
    tables: list[PageTable] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)
    has_text: bool = False
    has_marks: bool = False  # an image or a drawing: a page without text that OCR might read


# ---------------------------------------------------------------- one page

def _in_any_cell(obj: dict, tables: list[PageTable]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    for t in tables:
        if t.x0 <= cx <= t.x1 and t.top <= cy <= t.bottom:
            if any(c.x0 <= cx <= c.x1 and c.top <= cy <= c.bottom for c in t.cells):
                return True
    return False


def _line_from(raw: dict, page: int) -> Line:
    chars = [c for c in raw["chars"] if c["text"].strip()]
    # Half up to 0.1 pt, past float noise: 319 x 0.05 is 15.9499… in pdfminer and 15.9500…
    # in pdfium (extractors/pdf_textpages.py); both mean 16.0.
    sizes = sorted(math.floor(c["size"] * 10 + 0.5 + 1e-6) / 10 for c in chars) or [0.0]
    # Bold only when the whole line is: a run-in heading "（五）…情况。" followed by body text
    # on the same line is a body line.
    bold = bool(chars) and all(BOLD_FONT_RE.search(c.get("fontname", "")) for c in chars)
    return Line(raw["text"], page, raw["x0"], raw["x1"], raw["top"], raw["bottom"],
                sizes[len(sizes) // 2], bold)


def has_overprint(chars: list[dict], tol: int = 1) -> bool:
    """Is some glyph printed twice within ``tol`` pt (fake bold)? One pass with a grid of
    integer positions: two glyphs within 1 pt have floors at most 1 apart."""
    seen: set[tuple[str, int, int]] = set()
    for c in chars:
        t = c["text"]
        if not t.strip():
            continue
        x, y = math.floor(c["x0"]), math.floor(c["top"])
        if any((t, x + dx, y + dy) in seen for dx in range(-tol, tol + 1) for dy in range(-tol, tol + 1)):
            return True
        seen.add((t, x, y))
    return False


def without_fake_bold(page):
    """Fake bold is the same glyph printed twice, a hair apart: one printed character.
    pdfplumber's dedupe costs more than table finding, so it runs only where a twin exists."""
    if has_overprint(page.chars):
        return page.dedupe_chars(tolerance=1, extra_attrs=("size",))
    return page


def read_page(page) -> PageContent:
    number = page.page_number
    page = without_fake_bold(page)
    content = PageContent(number, float(page.height))
    # "(cid:123)" is what pdfminer gives for glyphs it cannot map to Unicode: not a text layer.
    visible = [c["text"] for c in page.chars if c["text"].strip()]
    real = sum(1 for t in visible if not CID_GLYPH_RE.match(t))
    content.has_text = real > 0 and real >= 0.5 * len(visible)
    if not content.has_text:
        content.has_marks = bool(page.images or page.rects or page.lines or page.curves)
        return content
    ruled = page.filter(is_visible_ruling)
    if ruled.lines or ruled.rects or ruled.curves:  # table finding is the slow part: only where something is ruled
        content.tables = find_page_tables(ruled, number)
    text_page = page.filter(lambda o: o.get("object_type") != "char" or not _in_any_cell(o, content.tables)) \
        if content.tables else page
    for raw in text_page.extract_text_lines(return_chars=True, strip=True):
        if raw["text"].strip():
            _place_line(content, _line_from(raw, number))
    return content


def open_pdfium(data: bytes):
    """The same PDF in pdfium, for reading pages from its objects (extractors/pdf_textpages.py); None
    when pdfium cannot open it (the pdfplumber path reads every page then)."""
    try:
        import pypdfium2 as pdfium

        return pdfium.PdfDocument(data)
    except Exception:  # noqa: BLE001 - missing package or a file pdfium refuses: the slow path
        return None


def _place_line(content: PageContent, line: Line) -> None:
    """A text line goes to the page furniture (page number), a table's loose lines, or the text."""
    zone = FURNITURE_ZONE * content.height
    in_margin = line.top < zone or line.bottom > content.height - zone
    if in_margin and PAGE_NUMBER_RE.match(line.text.strip()):
        content.furniture.append(line.text.strip())
        return
    host = _table_around(line, content.tables)
    (host.loose_lines if host else content.lines).append(line)


# ---------------------------------------------------------------- pages without a text layer

def ocr_page_content(found, number: int, height: float) -> PageContent:
    """An ``extractors.ocr.OcrPage`` (pixels) -> PageContent in PDF points, like a text page."""
    s = height / found.height
    content = PageContent(number, height)
    loose: list[Line] = []
    for t in found.tables:
        n_rows = max((c.row + c.rowspan for c in t.cells), default=0)
        n_cols = max((c.col + c.colspan for c in t.cells), default=0)
        if n_rows < 2 or n_cols < 2:  # a framed box of prose, not a table (as for text pages)
            loose.extend(_ocr_line(c.text, c.x0, c.y0, c.x1, c.y1, number, s) for c in t.cells if c.text.strip())
            continue
        cells = [RawCell(c.x0 * s, c.y0 * s, c.x1 * s, c.y1 * s, c.text, c.confidence) for c in t.cells]
        content.tables.append(PageTable(number, t.x0 * s, t.y0 * s, t.x1 * s, t.y1 * s, cells=cells,
                                        page_height=height, method="ocr"))
    lines = [_ocr_line(b.text, b.x0, b.y0, b.x1, b.y1, number, s) for b in found.lines if b.text.strip()]
    for line in sorted(lines + loose, key=lambda ln: ln.top):
        _place_line(content, line)
    content.has_text = bool(content.lines or content.tables)
    return content


def _ocr_line(text: str, x0: float, y0: float, x1: float, y1: float, page: int, s: float) -> Line:
    # The OCR box is a little taller than the glyphs; 0.8 of it is close to the font size.
    return Line(text.replace("\n", ""), page, x0 * s, x1 * s, y0 * s, y1 * s, round((y1 - y0) * s * 0.8, 1), False)


def ocr_pages(data: bytes, pages: list[PageContent], source: str) -> list[int]:
    """OCR every page that has no text layer but an image or drawing; returns the page numbers."""
    todo = [p for p in pages if not p.has_text and p.has_marks]
    if not todo:
        return []
    if len(todo) > MAX_OCR_PAGES:
        raise ResourceLimit(f"{len(todo)} pages need OCR, more than the cap of {MAX_OCR_PAGES}", source=source)
    try:
        from extractors import ocr
        ocr.require_engine()
    except MissingTool as e:
        e.source = e.source or source
        raise
    except ImportError as e:  # numpy / opencv / pypdfium2 absent
        raise MissingTool(f"scanned pages need OCR, which needs {e.name or 'a package'}: "
                          "pip install 'xxgk[ocr]'", source=source) from e
    by_number = {p.number: i for i, p in enumerate(pages)}
    for p in todo:
        found = ocr.analyse_page(ocr.render_pdf_page(data, p.number - 1))
        pages[by_number[p.number]] = ocr_page_content(found, p.number, p.height)
    return [p.number for p in todo]


def _table_around(line: Line, tables: list[PageTable]) -> PageTable | None:
    cy = (line.top + line.bottom) / 2
    for t in tables:
        if t.top <= cy <= t.bottom and line.x0 < t.x1 and line.x1 > t.x0:
            return t
    return None


def _drop_running_heads(pages: list[PageContent]) -> None:
    """A line in the top/bottom margin repeated on many pages (digits aside) is a running header."""
    if len(pages) < 3:
        return
    def key(ln: Line) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", ln.text))

    def in_margin(ln: Line, p: PageContent) -> bool:
        zone = FURNITURE_ZONE * p.height
        return ln.top < zone or ln.bottom > p.height - zone

    seen = Counter()
    for p in pages:
        seen.update({key(ln) for ln in p.lines if in_margin(ln, p)})
    need = max(3, len(pages) // 2)
    for p in pages:
        heads = [ln for ln in p.lines if in_margin(ln, p) and seen[key(ln)] >= need]
        for ln in heads:
            p.lines.remove(ln)
            p.furniture.append(ln.text.strip())


# ---------------------------------------------------------------- lines -> paragraphs

@dataclass
class Layout:
    """Document-wide body metrics, so one short page does not skew the paragraph rules."""
    body_size: float
    left: float
    right: float

    @classmethod
    def of(cls, lines: list[Line]) -> "Layout":
        if not lines:
            return cls(12.0, 0.0, 0.0)
        weight = Counter()
        for ln in lines:
            weight[round(ln.size)] += len(ln.text)
        body = weight.most_common(1)[0][0]
        body_lines = [ln for ln in lines if round(ln.size) == body] or lines
        left = Counter(round(ln.x0) for ln in body_lines).most_common(1)[0][0]
        right = Counter(round(ln.x1) for ln in body_lines).most_common(1)[0][0]
        return cls(float(body), float(left), float(right))


def _starts_paragraph(prev: Line, cur: Line, lay: Layout) -> bool:
    size = max(cur.size, lay.body_size, 1.0)
    if abs(cur.size - prev.size) > 0.15 * max(cur.size, prev.size):
        return True
    if cur.bold != prev.bold:
        return True
    if starts_new_item(cur.text):
        return True
    if cur.x0 > lay.left + 0.9 * size:  # indented first line
        return True
    if prev.x1 < lay.right - 1.5 * size:  # previous line stops short of the margin
        return True
    if cur.page == prev.page and cur.top - prev.bottom > 1.6 * size:  # blank space between
        return True
    return False


def _join_lines(a: str, b: str) -> str:
    """Chinese wraps mid-word and mid-number: join with nothing, except between Latin words."""
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b


def _style(lines: list[Line], text: str, lay: Layout) -> str | None:
    if lines[0].size > 1.2 * lay.body_size:
        return "title"
    if len(text) <= 40 and (SECTION_HEADING_RE.match(text) or lines[0].bold) and text[-1:] not in "。；;":
        return "heading"
    return None


# ---------------------------------------------------------------- the reader

def _our_error(exc: BaseException) -> ReadError | None:
    """Our own error (e.g. the stream cap) raised inside pdfminer and wrapped by pdfplumber."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ReadError):
            return exc
        nxt = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = nxt or exc.__cause__ or exc.__context__
        seen += 1
    return None


def _open(data: bytes, source: str):
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect, PDFEncryptionError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        n_pages = len(pdf.pages)
    except Exception as exc:  # pdfplumber wraps pdfminer errors; unwrap for the message
        ours = _our_error(exc)
        if ours is not None:
            ours.source = ours.source or source
            raise ours from exc
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, PDFPasswordIncorrect) or isinstance(exc, PDFPasswordIncorrect):
            raise ReadError("encrypted PDF (password required)", source=source) from exc
        if isinstance(inner, PDFEncryptionError):
            raise ReadError(f"encrypted PDF (unsupported encryption: {inner})", source=source) from exc
        reason = str(inner) or type(inner).__name__
        raise ReadError(f"cannot parse PDF: {reason}", source=source) from exc
    return pdf, n_pages


def _decode_info(value) -> str | None:
    """PDF info strings: UTF-16 with BOM (WPS writes LE) or PDFDocEncoding."""
    from pdfminer.psparser import PSLiteral
    from pdfminer.utils import decode_text

    if isinstance(value, PSLiteral):
        value = value.name
    if isinstance(value, str):
        return value
    if not isinstance(value, bytes):
        return None
    if value.startswith(b"\xff\xfe"):
        return value[2:].decode("utf-16-le", "replace").rstrip("\x00")
    if value.startswith(b"\xfe\xff"):
        return value[2:].decode("utf-16-be", "replace").rstrip("\x00")
    return decode_text(value)


def pdf_info(pdf) -> dict:
    from pdfminer.pdftypes import resolve1

    out = {}
    for info in getattr(pdf.doc, "info", []) or []:
        for k in ("Title", "Creator", "Producer", "CreationDate", "ModDate"):
            try:
                text = _decode_info(resolve1(info.get(k)))
            except Exception:  # a broken info entry never stops the read
                text = None
            if text and text.strip():
                out[k] = text.strip()
    return out


def _title(info_title: str | None, paragraphs: list[Paragraph]) -> str | None:
    titles = []
    for p in paragraphs:
        if p.style == "title":
            titles.append(p.text)
        elif titles:
            break
    if titles:
        return "".join(titles)
    for p in paragraphs:
        if "年度报告" in p.text and len(p.text) <= 80:
            return p.text
    return info_title


class PdfReader:
    format = "pdf"
    extensions = (".pdf",)

    def sniff(self, data: bytes, name: str) -> bool:
        # The header may follow some junk (allowed within 1 KB), but not markup: an HTML page
        # that merely mentions "%PDF-1.7" is not a PDF.
        m = PDF_HEADER_RE.search(data[:1024])
        return bool(m) and b"<" not in data[:m.start()]

    def read(self, data: bytes, source: str) -> Document:
        from extractors.pdf_textpages import pdfium_page

        pdf, n_pages = _open(data, source)
        fast = None
        try:
            info = pdf_info(pdf)
            if n_pages > MAX_PAGES:
                raise ResourceLimit(f"PDF has {n_pages} pages, more than the cap of {MAX_PAGES}",
                                    source=source)
            pages = []
            fast = open_pdfium(data)
            for page in pdf.pages:
                try:
                    pages.append(pdfium_page(fast, page) or read_page(page))
                except MemoryError:
                    raise
                except Exception as exc:
                    inner = _our_error(exc)
                    if inner is not None:
                        inner.source = inner.source or source
                        raise inner from exc
                    raise ReadError(f"cannot read page {page.page_number}: {exc}", source=source) from exc
                finally:
                    page.close()  # drop the page's parsed objects: memory stays flat on long PDFs
        finally:
            pdf.close()
            if fast is not None:
                fast.close()
        if not pages:
            raise ReadError("PDF has no pages", source=source)
        without_text = [p.number for p in pages if not p.has_text]
        ocr_done = ocr_pages(data, pages, source)
        if all(not p.has_text for p in pages):
            why = "OCR found no text on its pages" if ocr_done else "no page carries an image to OCR"
            raise ReadError(f"no text layer (scanned PDF?) and {why}", source=source)
        _drop_running_heads(pages)
        doc = Document(source=source, format=self.format, sha256=sha256_hex(data), n_pages=n_pages)
        doc.blocks = assemble_blocks(pages)
        doc.title = _title(info.get("Title"), doc.paragraphs)
        doc.meta["pdf_info"] = info
        doc.meta["pages_without_text"] = without_text
        doc.meta["ocr_pages"] = ocr_done
        doc.meta["furniture"] = [{"page": p.number, "text": t} for p in pages for t in p.furniture]
        return doc


def assemble_blocks(pages: list[PageContent]) -> list:
    """Reading order over all pages: paragraphs from lines, tables joined over page breaks."""
    items: list[tuple[str, object]] = []
    for p in pages:
        page_items = [(ln.top, "line", ln) for ln in p.lines] + [(t.top, "table", t) for t in p.tables]
        page_items.sort(key=lambda it: (it[0], it[1] == "line"))
        items.extend((kind, obj) for _, kind, obj in page_items)
    lay = Layout.of([obj for kind, obj in items if kind == "line"])

    blocks: list = []
    table_parts: list[PageTable] = []
    para_lines: list[Line] = []

    def flush_paragraph() -> None:
        if para_lines:
            text = ""
            for ln in para_lines:
                text = _join_lines(text, ln.text)
            blocks.append(Paragraph(text=text, page=para_lines[0].page, style=_style(para_lines, text, lay)))
            para_lines.clear()

    def flush_table() -> None:
        if table_parts:
            blocks.append(build_table(list(table_parts)))
            for part in table_parts:
                for ln in part.loose_lines:
                    blocks.append(Paragraph(text=ln.text, page=ln.page, style="table-text"))
            table_parts.clear()

    for kind, obj in items:
        if kind == "table":
            flush_paragraph()
            if table_parts and not can_continue(table_parts[-1], obj):
                flush_table()
            table_parts.append(obj)
        else:
            flush_table()
            if para_lines and _starts_paragraph(para_lines[-1], obj, lay):
                flush_paragraph()
            para_lines.append(obj)
    flush_paragraph()
    flush_table()
    return blocks


READER = PdfReader()

