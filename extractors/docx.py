"""DOCX reader: body paragraphs and tables, in reading order, with the REAL merge structure.

Why not python-docx's ``row.cells``: it repeats a merged cell once per grid position it covers,
so a vertically merged label such as 三、本年度办理结果 would come back 22 times. We read each
``w:tc``'s ``gridSpan`` and ``vMerge`` ourselves and emit one Cell per printed cell.

Why python-docx at all: it opens the package and parses its XML with ``resolve_entities=False``
(so no entity expansion, no external entities); we only walk ``doc.element.body``.

Why we render list numbering: Word headings are often auto-numbered ("一、" comes from
``numbering.xml``, not from the text), and the normaliser anchors sections on that numeral.
"""
from __future__ import annotations

import io
import re
import zipfile

from extractors.base import sha256_hex
from extractors.document import Block, Cell, Document, Paragraph, Table
from extractors.errors import ReadError, ResourceLimit

ZIP_MAGIC = b"PK\x03\x04"
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024  # the whole package, as declared by the zip directory
MAX_MEMBERS = 10_000

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Subtrees whose text is not part of the printed paragraph flow.
_SKIP = {W + "del", W + "moveFrom", W + "txbxContent", MC + "Fallback", W + "pPr", W + "rPr",
         W + "instrText", W + "delText", W + "footnoteReference", W + "endnoteReference"}
# Containers that only wrap block content (content controls, custom XML, tracked moves).
_WRAPPERS = {W + "sdt", W + "customXml", W + "ins", W + "moveTo"}


# ---- package checks -------------------------------------------------------------------------
def _check_package(data: bytes, source: str) -> None:
    """Refuse zip bombs and non-zips before python-docx inflates anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise ReadError(f"not a valid DOCX (zip) file: {e}", source=source) from e
    if len(infos) > MAX_MEMBERS:
        raise ResourceLimit(f"DOCX has {len(infos)} zip members (cap {MAX_MEMBERS})", source=source)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ResourceLimit(f"DOCX inflates to {total} bytes (cap {MAX_UNCOMPRESSED_BYTES})", source=source)
    if not any(i.filename == "word/document.xml" for i in infos):
        raise ReadError("zip file without word/document.xml: not a Word document", source=source)


# ---- list numbering -------------------------------------------------------------------------
_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _chinese_counting(n: int, digits: str = _CN_DIGITS) -> str:
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return "".join(digits[int(d)] for d in str(n))  # rare in reports; keep it readable


def _roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                 (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


def _letters(n: int) -> str:
    n = max(n, 1)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCountingThousand",
               "japaneseCounting"):
        return _chinese_counting(n)
    if fmt == "chineseLegalSimplified":
        return _chinese_counting(n, _CN_LEGAL)
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "decimalFullWidth":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


def _val(el, path: str, default=None):
    found = el.find(path) if el is not None else None
    return found.get(W + "val", default) if found is not None else default


class Numbering:
    """Turns a paragraph's numPr (direct or through its style) into the printed label."""

    def __init__(self, doc):
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractId -> ilvl -> (start, fmt, text)
        self.num_abstract: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.style_numpr: dict[str, tuple[str | None, int]] = {}
        self._load(doc)

    def _load(self, doc) -> None:
        try:
            root = doc.part.numbering_part.element
        except Exception:  # no numbering part: nothing is numbered
            root = None
        if root is not None:
            for an in root.findall(W + "abstractNum"):
                lv = {}
                for lvl in an.findall(W + "lvl"):
                    ilvl = int(lvl.get(W + "ilvl", "0"))
                    lv[ilvl] = (int(_val(lvl, W + "start", "1") or 1), _val(lvl, W + "numFmt", "decimal"),
                                _val(lvl, W + "lvlText", "") or "")
                self.levels[an.get(W + "abstractNumId")] = lv
            for num in root.findall(W + "num"):
                nid = num.get(W + "numId")
                self.num_abstract[nid] = _val(num, W + "abstractNumId")
                ov = {}
                for o in num.findall(W + "lvlOverride"):
                    start = _val(o, W + "startOverride")
                    if start is not None:
                        ov[int(o.get(W + "ilvl", "0"))] = int(start)
                self.overrides[nid] = ov
        try:
            styles = doc.styles.element.findall(W + "style")
        except Exception:
            styles = []
        based: dict[str, str] = {}
        for st in styles:
            sid = st.get(W + "styleId")
            parent = _val(st, W + "basedOn")
            if parent:
                based[sid] = parent
            numpr = st.find(f"{W}pPr/{W}numPr")
            if numpr is not None:
                self.style_numpr[sid] = (_val(numpr, W + "numId"), int(_val(numpr, W + "ilvl", "0") or 0))
        for sid in list(based):  # inherit numbering through basedOn chains
            seen, cur = set(), sid
            while cur not in self.style_numpr and cur in based and cur not in seen:
                seen.add(cur)
                cur = based[cur]
            if cur in self.style_numpr and sid not in self.style_numpr:
                self.style_numpr[sid] = self.style_numpr[cur]

    def label(self, p, style_id: str | None) -> str:
        numpr = p.find(f"{W}pPr/{W}numPr")
        num_id, ilvl = None, 0
        if style_id in self.style_numpr:
            num_id, ilvl = self.style_numpr[style_id]
        if numpr is not None:
            num_id = _val(numpr, W + "numId", num_id)
            ilvl = int(_val(numpr, W + "ilvl", str(ilvl)) or 0)
        if not num_id or num_id == "0" or num_id not in self.num_abstract:
            return ""
        aid = self.num_abstract[num_id]
        levels = self.levels.get(aid, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in self.overrides.get(num_id, {}).items():
                counters[lvl] = start - 1
        start = levels[ilvl][0]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new item restarts its sub-levels
        text = levels[ilvl][2]

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            return format_number(counters.get(k, levels[k][0]), levels[k][1])

        out = re.sub(r"%(\d)", sub, text)
        if levels[ilvl][1] == "bullet" or not out.strip():
            return ""
        # "一、" needs no separator; "1" or "(1)" followed by text reads better with a space.
        return out if out[-1] in "、，,.．）)：:" else out + " "


# ---- text ---------------------------------------------------------------------------------
def _run_text(el, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == W + "t":
            out.append(child.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            if child.get(W + "type") not in ("page", "column"):
                out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "sym":
            code = child.get(W + "char", "")
            try:
                cp = int(code, 16)
            except ValueError:
                cp = 0
            if 0x20 <= cp < 0xE000:  # PUA codes are font-specific glyphs; no honest character
                out.append(chr(cp))
        else:
            _run_text(child, out)


def paragraph_text(p) -> str:
    out: list[str] = []
    _run_text(p, out)
    return "".join(out)


# ---- body walk ----------------------------------------------------------------------------
class _Walker:
    def __init__(self, doc):
        self.numbering = Numbering(doc)
        self.style_names: dict[str, str] = {}
        try:
            for st in doc.styles.element.findall(W + "style"):
                name = _val(st, W + "name")
                if name:
                    self.style_names[st.get(W + "styleId")] = name
        except Exception:
            pass

    def style_of(self, p) -> tuple[str | None, str | None]:
        sid = _val(p, f"{W}pPr/{W}pStyle")
        name = (self.style_names.get(sid) or sid or "").lower() if sid else ""
        if name in ("title", "标题"):
            return sid, "title"
        if name.startswith(("heading", "标题 ", "标题")):
            return sid, "heading"
        return sid, None

    def paragraph(self, p) -> Paragraph | None:
        sid, kind = self.style_of(p)
        text = (self.numbering.label(p, sid) + paragraph_text(p)).strip()
        if not text:
            return None
        return Paragraph(text=text, page=None, style=kind)

    def blocks(self, container) -> list[Block]:
        out: list[Block] = []
        for child in container:
            tag = child.tag
            if tag == W + "p":
                para = self.paragraph(child)
                if para is not None:
                    out.append(para)
            elif tag == W + "tbl":
                out.extend(self.table(child))
            elif tag in _WRAPPERS:
                inner = child.find(W + "sdtContent") if tag == W + "sdt" else child
                if inner is not None:
                    out.extend(self.blocks(inner))
        return out

    def table(self, tbl) -> list[Block]:
        """One Table, followed by the tables nested in its cells (in reading order).

        A 1x1 table is a layout frame, not data: its content is returned as plain blocks.
        """
        rows = [tr for tr in _children(tbl, W + "tr")]
        tcs_per_row = [list(_children(tr, W + "tc")) for tr in rows]
        if len(rows) == 1 and len(tcs_per_row[0]) == 1:
            return self.blocks(tcs_per_row[0][0])
        cells: list[Cell] = []
        nested: list[Block] = []
        open_vmerge: dict[int, Cell] = {}
        for r, (tr, tcs) in enumerate(zip(rows, tcs_per_row)):
            col = int(_val(tr, f"{W}trPr/{W}gridBefore", "0") or 0)
            last: Cell | None = None
            for tc in tcs:
                span = max(int(_val(tc, f"{W}tcPr/{W}gridSpan", "1") or 1), 1)
                vmerge_el = tc.find(f"{W}tcPr/{W}vMerge")
                vmerge = None if vmerge_el is None else (vmerge_el.get(W + "val") or "continue")
                hmerge = _val(tc, f"{W}tcPr/{W}hMerge")
                text, inner_tables = self.cell_content(tc)
                nested.extend(inner_tables)
                origin = open_vmerge.get(col)
                if vmerge == "continue" and origin is not None and origin.row + origin.rowspan == r:
                    origin.rowspan += 1
                elif hmerge == "continue" and last is not None:  # legacy horizontal merge
                    last.colspan += span
                else:
                    cell = Cell(text=text, row=r, col=col, colspan=span, page=None)
                    cells.append(cell)
                    last = cell
                    if vmerge == "restart":
                        open_vmerge[col] = cell
                    else:
                        open_vmerge.pop(col, None)
                col += span
        return [Table(cells=cells, page=None, pages=(), method="grid"), *nested]

    def cell_content(self, tc) -> tuple[str, list[Block]]:
        texts: list[str] = []
        tables: list[Block] = []
        for b in self.blocks(tc):
            if isinstance(b, Paragraph):
                texts.append(b.text)
            else:
                tables.append(b)
        return "\n".join(texts), tables


def _children(el, tag: str):
    """Direct children with this tag, looking through content-control/custom-XML wrappers."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            inner = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if inner is not None:
                yield from _children(inner, tag)


def _pick_title(blocks: list[Block], core_title: str | None) -> str | None:
    paras = [b for b in blocks if isinstance(b, Paragraph)]
    for p in paras:
        if p.style == "title":
            return p.text
    for p in paras[:30]:
        if "年度报告" in p.text and len(p.text) <= 80:
            return p.text
    for p in paras:
        if p.style == "heading":
            return p.text
    return core_title or None


# ---- the reader ---------------------------------------------------------------------------
class DocxReader:
    format = "docx"
    extensions = (".docx", ".docm", ".dotx")

    def sniff(self, data: bytes, name: str) -> bool:
        if not data.startswith(ZIP_MAGIC):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return "word/document.xml" in zf.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return False

    def read(self, data: bytes, source: str) -> Document:
        import docx  # python-docx; imported here so a missing package only disables this reader

        if not data:
            raise ReadError("empty file", source=source)
        _check_package(data, source)
        try:
            doc = docx.Document(io.BytesIO(data))
        except Exception as e:  # python-docx raises KeyError, ValueError, XMLSyntaxError...
            raise ReadError(f"cannot open DOCX: {type(e).__name__}: {e}", source=source) from e
        walker = _Walker(doc)
        try:
            blocks = walker.blocks(doc.element.body)
        except (ValueError, TypeError) as e:  # malformed attribute values (gridSpan="x")
            raise ReadError(f"malformed DOCX body: {e}", source=source) from e
        try:
            core_title = (doc.core_properties.title or "").strip() or None
        except Exception:
            core_title = None
        return Document(
            source=source, format="docx", sha256=sha256_hex(data), blocks=blocks,
            title=_pick_title(blocks, core_title), n_pages=None,
            meta={"core_title": core_title,
                  "paragraphs": sum(isinstance(b, Paragraph) for b in blocks),
                  "tables": sum(isinstance(b, Table) for b in blocks)},
        )


READER = DocxReader()
