"""PDF pages read from pdfium's objects (``pdfium_page``): what pdfplumber would see, without pdfminer.

pdfminer's page parse (Python) is three quarters of the cost of reading a PDF. pdfium (C++,
already a dependency for OCR rendering) gives each character's origin, effective size and font;
with the font descriptor's descent (read from the page's resources, as pdfminer does) that is
pdfminer's own character box. Ruling comes from extractors/pdf_paths.py. The objects are handed
to pdfplumber's page, whose table finder and text tools then run unchanged. A page keeps the
pdfminer path unless every check holds:
- only text and path objects (an image or form may be a scan, a shading is not ruling);
- upright (rotation 0, upright text matrices), MediaBox at the origin;
- every font horizontal and not Type3, every character mapped to Unicode (pdfminer would say
  "(cid:n)").
tests/test_pdf_textpages.py compares lines, tables and whole documents with the pdfminer reading.
"""
from __future__ import annotations

import ctypes
import re

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


def pdfium_page(fast, page):
    """A page read from pdfium's objects instead of pdfminer's parse, or None (the caller then
    reads it as usual). The objects fill pdfplumber's object cache of ``page``, and
    ``read_page`` runs unchanged on them: fake bold, table finding and lines as for any page."""
    from extractors.pdf import read_page
    from extractors.pdf_paths import PATH_OBJECT, page_paths

    if fast is None or tuple(page.bbox) != (0, 0, page.width, page.height):
        return None
    descents = font_descents(page)
    if descents is None:
        return None
    from pdfminer.pdftypes import resolve1

    for stream in page.page_obj.contents:  # inflated through the capped zlib: bombs still stop
        resolve1(stream).get_data()
    pg = fast[page.page_number - 1]
    try:
        w, h = pg.get_size()
        types = object_types(pg)
        if abs(w - float(page.width)) > 0.01 or abs(h - float(page.height)) > 0.01 or types - {TEXT_OBJECT, PATH_OBJECT}:
            return None
        chars = page_chars(pg, descents)
        paths = page_paths(pg, float(page.height)) if PATH_OBJECT in types else {}
    finally:
        pg.close()
    if not chars or paths is None:
        return None  # no text (a blank or scanned page: OCR decides), or a path we cannot mirror
    for objs in [chars, *paths.values()]:
        for o in objs:
            o["page_number"] = page.page_number
    page._objects = {"char": chars, **{k: v for k, v in paths.items() if v}}  # pdfplumber's cache
    return read_page(page)
