"""Ruling of a page (pdfium path objects) as pdfplumber's ``rect``/``line``/``curve`` objects.

With the characters of extractors/pdf_textpages.py, this lets a page with tables skip pdfminer's
parse (three quarters of the cost of reading a PDF): the objects are handed to pdfplumber, whose
table finder and text tools then run unchanged. The classification follows pdfminer's
``PDFLayoutAnalyzer.paint_path`` exactly (subpaths split at each move; "ml"/"mlh" is a line;
an axis-aligned closed "mlllh" is a rect; anything else a curve; a redundant closing "l" dropped),
and colours become RGB fractions, which ``pdf_tables.is_visible_ruling`` reads like pdfminer's.
Any path this cannot render the same way (no paint, a colour pdfium cannot give) returns None:
the page then takes the pdfminer path. tests/test_pdf_textpages.py compares whole page readings.
"""
from __future__ import annotations

import ctypes

PATH_OBJECT = 2  # FPDF_PAGEOBJ_PATH
LINETO, BEZIERTO, MOVETO = 0, 1, 2


def _color(raw, obj, getter) -> tuple[float, float, float] | None:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj, r, g, b, a):
        return None
    return (r.value / 255, g.value / 255, b.value / 255)


def _subpaths(raw, obj, matrix) -> list[list[tuple[str, float, float]]] | None:
    """[(op, x, y)] per subpath in page space; op in m, l, c (curve end point), h."""
    x, y = ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
    subs: list[list[tuple[str, float, float]]] = []
    n = raw.FPDFPath_CountSegments(obj)
    for i in range(n):
        seg = raw.FPDFPath_GetPathSegment(obj, i)
        if not raw.FPDFPathSegment_GetPoint(seg, x, y):
            return None
        kind = raw.FPDFPathSegment_GetType(seg)
        px, py = a * x.value + c * y.value + e, b * x.value + d * y.value + f
        if kind == MOVETO:
            subs.append([("m", px, py)])
        elif not subs:
            return None
        elif kind == LINETO:
            subs[-1].append(("l", px, py))
        elif kind == BEZIERTO:
            subs[-1].append(("c", px, py))
        else:
            return None
        if raw.FPDFPathSegment_GetClose(seg):
            subs[-1].append(("h", subs[-1][0][1], subs[-1][0][2]))
    # Bezier segments come as three points each; pdfminer keeps one point per operator.
    out = []
    for sub in subs:
        ops, k = [], 0
        while k < len(sub):
            op = sub[k]
            if op[0] == "c":
                ops.append(sub[min(k + 2, len(sub) - 1)])
                k += 3
            else:
                ops.append(op)
                k += 1
        out.append(ops)
    return out


def page_paths(page, height: float) -> dict[str, list[dict]] | None:
    """{"rect": [...], "line": [...], "curve": [...]} for the page's path objects, or None."""
    import pypdfium2.raw as raw

    out: dict[str, list[dict]] = {"rect": [], "line": [], "curve": []}
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    m = raw.FS_MATRIX()
    width = ctypes.c_float()
    for obj in page.get_objects(max_depth=1):
        if obj.type != PATH_OBJECT:
            continue
        h = obj.raw
        if not raw.FPDFPath_GetDrawMode(h, fillmode, stroke) or not raw.FPDFPageObj_GetMatrix(h, m):
            return None
        fill, strk = fillmode.value != 0, bool(stroke.value)
        if not fill and not strk:
            continue  # not painted: pdfminer emits nothing either
        scolor = _color(raw, h, raw.FPDFPageObj_GetStrokeColor)
        ncolor = _color(raw, h, raw.FPDFPageObj_GetFillColor)
        if (strk and scolor is None) or (fill and ncolor is None):
            return None
        lw = float(width.value) if raw.FPDFPageObj_GetStrokeWidth(h, width) else 0.0
        subs = _subpaths(raw, h, m)
        if subs is None:
            return None
        for sub in subs:
            kind, pts = _classify(sub)
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            if kind == "rect":
                xs, ys = [pts[0][0], pts[2][0]], [pts[0][1], pts[2][1]]
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
            item = {"object_type": kind, "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                    "top": height - y1, "bottom": height - y0, "doctop": height - y1,
                    "width": x1 - x0, "height": y1 - y0, "linewidth": lw, "stroke": strk, "fill": fill,
                    "evenodd": fillmode.value == 1, "stroking_color": scolor, "non_stroking_color": ncolor,
                    "pts": [(px, height - py) for px, py in pts]}
            out[kind].append(item)
    return out


def _classify(sub: list[tuple[str, float, float]]) -> tuple[str, list[tuple[float, float]]]:
    shape = "".join(op for op, _, _ in sub)
    pts = [(x, y) for _, x, y in sub]
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in ("mlh", "ml"):
        return "line", pts[:2]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            return "rect", pts
    return "curve", pts
