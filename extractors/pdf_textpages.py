"""Pages of pure text read through pdfium: the same characters as pdfplumber, at a fraction of the cost.

pdfplumber's page parse (pdfminer in Python) is three quarters of the cost of reading a PDF, and
most pages of a report are narrative: no ruling, no image, nothing but text. For such a page
pdfium (C++, already a dependency for OCR rendering) gives every character with its loose box
(the font's ascent/descent, as pdfminer computes it), font size and font name in ~5 ms, and
pdfplumber's own line builder (``chars_to_textmap``) turns them into lines exactly as
``page.extract_text_lines`` would. A page qualifies only when every check holds; otherwise it
is read by pdfplumber as before:
- every page object is text (no path: ruling or a table; no image or form: maybe a scan);
- upright (rotation 0), and every character has a Unicode mapping (pdfminer would say "(cid:n)");
- no glyph printed twice (fake bold), which the pdfplumber path de-duplicates.
tests/test_pdf_textpages.py checks the lines equal pdfplumber's on every text page of the corpus.
"""
from __future__ import annotations

import ctypes
import re

from pdfplumber.utils.text import chars_to_textmap

TEXT_OBJECT = 1  # FPDF_PAGEOBJ_TEXT
SUBSET_RE = re.compile(r"^[A-Z]{6}\+")


def _base(name: str) -> str:
    return SUBSET_RE.sub("", name)


def font_descents(plumber_page) -> dict[str, float] | None:
    """Base font name -> descent per unit of size, as pdfminer computes it (the descriptor's
    /Descent, 0 when absent: LibreOffice writes 0), from the page's resources without parsing
    its content. None when a Type3 font (pdfminer uses its bbox), a vertical-writing CMap, or
    anything unexpected is there."""
    from pdfminer.pdftypes import resolve1

    try:
        fonts = resolve1(resolve1(plumber_page.page_obj.resources).get("Font")) or {}
        out: dict[str, float] = {}
        for ref in fonts.values():
            f = resolve1(ref)
            if getattr(f.get("Subtype"), "name", None) == "Type3":
                return None
            if str(getattr(resolve1(f.get("Encoding")), "name", "")).endswith("-V"):
                return None  # vertical writing: pdfminer places those glyphs differently
            desc = resolve1(f["FontDescriptor"]) if "FontDescriptor" in f else None
            if desc is None and "DescendantFonts" in f:
                desc = resolve1(resolve1(resolve1(f["DescendantFonts"])[0]).get("FontDescriptor"))
            d = float(resolve1((desc or {}).get("Descent", 0)) or 0)
            name = _base(getattr(f.get("BaseFont"), "name", str(f.get("BaseFont"))))
            ratio = -abs(d) / 1000
            if out.setdefault(name, ratio) != ratio:
                return None  # two subsets of one font that disagree: let pdfminer decide
        return out
    except Exception:  # noqa: BLE001 - an odd resource dictionary: the pdfplumber path reads it
        return None


def _known_name(raw_name: bytes, descents: dict[str, float]) -> str:
    """The base font name as pdfminer spells it: Chinese font names (黑体, 仿宋_GB2312) are GBK
    bytes in the file, which pdfminer decodes; try the usual encodings."""
    for enc in ("utf-8", "gbk", "latin-1"):
        try:
            name = raw_name.decode(enc)
        except UnicodeDecodeError:
            continue
        if _base(name) in descents:
            return name
    return raw_name.decode("latin-1")


def object_types(page) -> set[int]:
    return {obj.type for obj in page.get_objects(max_depth=1)}


def page_chars(page, descents: dict[str, float]) -> list[dict] | None:
    """pdfplumber-like char dicts of a pdfium page, or None when a character does not qualify."""
    import pypdfium2.raw as raw

    if page.get_rotation() != 0:
        return None
    _, height = page.get_size()
    textpage = page.get_textpage()
    try:
        tp = textpage.raw
        chars = []
        buf = (ctypes.c_char * 256)()
        rect, m = raw.FS_RECTF(), raw.FS_MATRIX()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        names: dict[int, str] = {}
        for i in range(raw.FPDFText_CountChars(tp)):
            if raw.FPDFText_IsGenerated(tp, i):
                continue  # a space or line break pdfium inserted, not printed
            code = raw.FPDFText_GetUnicode(tp, i)
            if code in (0, 0xFFFD, 0xFFFE) or raw.FPDFText_HasUnicodeMapError(tp, i):
                return None
            text = chr(code)
            if text in "\r\n":
                continue
            if not (raw.FPDFText_GetLooseCharBox(tp, i, rect) and raw.FPDFText_GetMatrix(tp, i, m)
                    and raw.FPDFText_GetCharOrigin(tp, i, ox, oy)):
                return None
            if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.d <= 0:
                return None  # not upright: pdfplumber's own reading handles it
            font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(tp, i))
            key = ctypes.cast(font, ctypes.c_void_p).value or 0
            name = names.get(key)
            if name is None:
                n = raw.FPDFFont_GetBaseFontName(font, buf, len(buf))
                name = names[key] = _known_name(buf.value if n else b"", descents)
            ratio = descents.get(_base(name))
            if ratio is None:
                return None
            size = raw.FPDFText_GetFontSize(tp, i) * m.d
            y0 = oy.value + ratio * size
            x0, x1 = float(rect.left), float(rect.right)
            top, bottom = height - (y0 + size), height - y0
            chars.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
                          "width": x1 - x0, "height": size, "upright": True, "size": size,
                          "fontname": name, "object_type": "char"})
        return chars
    finally:
        textpage.close()


def text_lines(chars: list[dict], width: float, height: float) -> list[dict]:
    """``page.extract_text_lines(return_chars=True, strip=True)`` over these chars."""
    tm = chars_to_textmap(chars, layout_bbox=(0, 0, width, height), layout_width=width, layout_height=height)
    return tm.extract_text_lines(strip=True, return_chars=True)
