"""Ruled tables of a PDF page -> cell boxes -> one grid, joined across page breaks.

Why not ``page.extract_tables()`` as is:
- WPS/Jisupdf exports paint a white, unstroked rectangle behind every text line and cell. Those
  are invisible but pdfplumber takes them for ruling, so whole pages of prose become "tables".
  Only visible ruling (stroked, or thin dark fills) is kept.
- A table cut by a page break has no closing line at the cut: the last row of page n and the
  first row of page n+1 (and every merged label cell running over the break) then have only three
  sides and pdfplumber drops them. Each cluster of ruling is closed with its bounding box first.
- The grid comes from the cell boxes (unique x and y edges), not from text lines, so a value
  printed above its wrapped label still lands in the label's row, and a merged cell gets spans.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.document import Cell, Table

EDGE_TOL = 3.0  # pt: two edges closer than this are the same grid line
SNAP_TOL = 3.0
BREAK_ZONE = 0.3  # a continued table ends in the last 30% of its page, goes on in the first 30%
MIN_RULE = 3.0  # pt: a filled rectangle thinner than this is a drawn line
ENUM_RE = re.compile(
    r"^\s*(（\s*[一二三四五六七八九十\d]+\s*）|\(\s*[一二三四五六七八九十\d]+\s*\)"
    r"|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．)）](?!\d)|第[一二三四五六七八九十\d]+)")
NUMBER_RE = re.compile(r"^[-+−]?\d[\d,，]*([.．]\d+)?(%|元|万元|件|个|条)?$")
PLACEHOLDERS = {"/", "／", "-", "—", "–", "——", "无", "\\"}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def is_value(text: str) -> bool:
    """A cell that holds a value (number or not-applicable mark), not a label."""
    t = squash(text)
    return bool(t) and (bool(NUMBER_RE.match(t)) or t in PLACEHOLDERS)


def starts_new_item(text: str) -> bool:
    """Label starts with an enumeration marker: （四） 1. 2、 三、 ... (a new item, not a fragment)."""
    return bool(ENUM_RE.match(text or ""))


# ---------------------------------------------------------------- visible ruling

def _is_white(color) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        color = (color,)
    try:
        c = tuple(float(v) for v in color)
    except (TypeError, ValueError):
        return False  # pattern colours etc.: assume visible
    if len(c) == 1:
        return c[0] >= 0.95
    if len(c) == 3:
        return min(c) >= 0.95
    if len(c) == 4:  # CMYK
        return max(c) <= 0.05
    return False


def is_visible_ruling(obj: dict) -> bool:
    """Keep lines that print: stroked non-white paths, or thin non-white filled bars."""
    kind = obj.get("object_type")
    if kind not in ("rect", "line", "curve"):
        return True
    if obj.get("stroke") and not _is_white(obj.get("stroking_color")):
        return True
    if obj.get("fill") and not _is_white(obj.get("non_stroking_color")):
        return kind != "rect" or min(obj["width"], obj["height"]) < MIN_RULE
    return kind == "line" and not _is_white(obj.get("stroking_color"))


# ---------------------------------------------------------------- page tables

@dataclass
class RawCell:
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    confidence: float | None = None  # OCR confidence (None for a text layer)


@dataclass
class PageTable:
    """One table as found on one page (a part of a possibly longer table)."""
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    cells: list[RawCell] = field(default_factory=list)
    page_height: float = 0.0
    # text lines inside the table's box but in no cell (e.g. a note in a gap of the ruling):
    # kept, and emitted after the table so they do not split it from its continuation
    loose_lines: list = field(default_factory=list)
    method: str = "lines"  # "ocr" for a table rebuilt from a page image

    def x_edges(self) -> list[float]:
        return cluster([v for c in self.cells for v in (c.x0, c.x1)])


def cluster(values: list[float], tol: float = EDGE_TOL) -> list[float]:
    """Sorted representatives of values closer than tol to their neighbour."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def index_of(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def _closing_edges(edges: list[dict]) -> list[dict]:
    """Bounding box sides of each connected cluster of ruling (closes tables cut by a page break)."""
    n = len(edges)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    boxes = [(e["x0"] - SNAP_TOL, e["top"] - SNAP_TOL, e["x1"] + SNAP_TOL, e["bottom"] + SNAP_TOL) for e in edges]
    order = sorted(range(n), key=lambda i: boxes[i][0])
    for a_pos, a in enumerate(order):  # sweep on x: only boxes overlapping in x can touch
        for b in order[a_pos + 1:]:
            if boxes[b][0] > boxes[a][2]:
                break
            if boxes[b][1] <= boxes[a][3] and boxes[a][1] <= boxes[b][3]:
                parent[find(a)] = find(b)
    groups: dict[int, list[dict]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(edges[i])
    out = []
    for group in groups.values():
        orient = {e["orientation"] for e in group}
        if orient != {"h", "v"}:
            continue
        x0 = min(e["x0"] for e in group)
        x1 = max(e["x1"] for e in group)
        top = min(e["top"] for e in group)
        bottom = max(e["bottom"] for e in group)
        for y in (top, bottom):
            out.append({"object_type": "closing_edge", "orientation": "h", "x0": x0, "x1": x1,
                        "top": y, "bottom": y, "width": x1 - x0, "height": 0})
        for x in (x0, x1):
            out.append({"object_type": "closing_edge", "orientation": "v", "x0": x, "x1": x,
                        "top": top, "bottom": bottom, "width": 0, "height": bottom - top})
    return out


def find_page_tables(ruled_page, page_number: int) -> list[PageTable]:
    """Tables of one page. ``ruled_page`` is the page filtered to visible ruling (plus text)."""
    edges = [e for e in ruled_page.edges if max(e["width"], e["height"]) >= MIN_RULE]
    if not edges:
        return []
    closing = _closing_edges(edges)
    if not closing:
        return []
    settings = {
        "vertical_strategy": "lines", "horizontal_strategy": "lines",
        "explicit_vertical_lines": [e for e in closing if e["orientation"] == "v"],
        "explicit_horizontal_lines": [e for e in closing if e["orientation"] == "h"],
        "snap_tolerance": SNAP_TOL, "join_tolerance": SNAP_TOL,
    }
    out = []
    for found in ruled_page.find_tables(settings):
        texts = found.extract()  # one pass over the chars; aligned with found.rows
        cells = []
        for row, row_texts in zip(found.rows, texts):
            for bbox, text in zip(row.cells, row_texts):
                if bbox is not None:
                    cells.append(RawCell(bbox[0], bbox[1], bbox[2], bbox[3], text or ""))
        part = PageTable(page_number, *found.bbox, cells=cells, page_height=float(ruled_page.height))
        xs = part.x_edges()
        ys = cluster([v for c in cells for v in (c.top, c.bottom)])
        # A box of prose (one column or one row) is not a table: its text stays a paragraph.
        if len(xs) >= 3 and len(ys) >= 3:
            out.append(part)
    return out


# ---------------------------------------------------------------- joining and the grid

@dataclass
class GridCell:
    text: str
    row: int
    row_end: int  # exclusive
    col: int
    col_end: int  # exclusive
    page: int
    confidence: float | None = None


def can_continue(prev: PageTable, nxt: PageTable) -> bool:
    """Same table across a page break: next page, same outer x, mostly the same column edges."""
    if nxt.page != prev.page + 1:
        return False
    # ends near the bottom of its page, starts near the top of the next: a table that ends
    # half-way down leaves the rest of its page empty on purpose (a page break before the next)
    if prev.page_height and prev.bottom < (1 - BREAK_ZONE) * prev.page_height:
        return False
    if nxt.page_height and nxt.top > BREAK_ZONE * nxt.page_height:
        return False
    tol = max(6.0, 0.02 * (prev.x1 - prev.x0))
    if abs(prev.x0 - nxt.x0) > tol or abs(prev.x1 - nxt.x1) > tol:
        return False
    a, b = prev.x_edges(), nxt.x_edges()
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    matched = sum(1 for v in small if any(abs(v - w) <= 2 * EDGE_TOL for w in large))
    return matched >= 0.8 * len(small)


def _part_cells(part: PageTable, xs: list[float]) -> tuple[list[GridCell], int]:
    ys = cluster([v for c in part.cells for v in (c.top, c.bottom)])
    cells = []
    for c in part.cells:
        r0, r1 = index_of(ys, c.top), index_of(ys, c.bottom)
        k0, k1 = index_of(xs, c.x0), index_of(xs, c.x1)
        if r1 > r0 and k1 > k0:
            cells.append(GridCell(c.text, r0, r1, k0, k1, part.page, c.confidence))
    return cells, len(ys) - 1


def _row_signature(cells: list[GridCell], row: int) -> tuple:
    return tuple(sorted((c.col, c.col_end, squash(c.text)) for c in cells if c.row == row))


def _repeated_header_rows(acc: list[GridCell], cells: list[GridCell], n_rows: int) -> int:
    """How many leading rows of a continuation repeat the table's own first rows."""
    m = 0
    while m < n_rows - 1:
        sig = _row_signature(cells, m)
        if not sig or sig != _row_signature(acc, m) or not any(t for _, _, t in sig):
            break
        m += 1
    return m


def _join_text(a: str, b: str) -> str:
    if not b.strip() or squash(a) == squash(b):
        return a
    if not a.strip():
        return b
    return a + "\n" + b


def _split_row_continues(bottom: list[GridCell], top: list[GridCell]) -> bool:
    """The first row of the continuation is the rest of the last row (a row cut by the break)."""
    if not top or {(c.col, c.col_end) for c in top} != {(c.col, c.col_end) for c in bottom}:
        return False
    if any(is_value(c.text) for c in top):
        return False  # it has values of its own: a row of its own
    first = next((c.text for c in sorted(top, key=lambda c: c.col) if c.text.strip()), "")
    return not starts_new_item(first)


def _cell_continues(b: GridCell, t: GridCell) -> bool:
    """A label cell running over the page break (tall merged label, label cut mid-word)."""
    if is_value(b.text) or is_value(t.text):
        return False
    if not t.text.strip():
        return bool(b.text.strip()) or (b.row_end - b.row > 1) or (t.row_end - t.row > 1)
    if squash(t.text) == squash(b.text):
        return True  # label repeated after the break
    return starts_new_item(b.text) and not starts_new_item(t.text)


def _merge_into(b: GridCell, t: GridCell) -> None:
    """Cell t (after the break) continues cell b: join the text, keep the weaker confidence."""
    b.text = _join_text(b.text, t.text)
    if t.confidence is not None:
        b.confidence = t.confidence if b.confidence is None else min(b.confidence, t.confidence)


def _append_part(acc: list[GridCell], acc_rows: int, cells: list[GridCell], n_rows: int) -> int:
    """Join one continuation part onto the accumulated table; returns the new row count."""
    m = _repeated_header_rows(acc, cells, n_rows)
    if m:
        cells = [c for c in cells if c.row >= m]
        for c in cells:
            c.row, c.row_end = c.row - m, c.row_end - m
        n_rows -= m
    bottom = [c for c in acc if c.row_end == acc_rows]
    top = [c for c in cells if c.row == 0]
    by_cols = {(c.col, c.col_end): c for c in bottom}
    consumed: set[int] = set()
    if _split_row_continues(bottom, top):
        offset = acc_rows - 1
        for t in top:
            b = by_cols[(t.col, t.col_end)]
            _merge_into(b, t)
            b.row_end = offset + t.row_end
            consumed.add(id(t))
    else:
        offset = acc_rows
        for t in sorted(top, key=lambda c: c.col):  # a label continues only if its parent does
            b = by_cols.get((t.col, t.col_end))
            if b is None or not _cell_continues(b, t):
                break
            _merge_into(b, t)
            b.row_end = offset + t.row_end
            consumed.add(id(t))
    for c in cells:
        if id(c) not in consumed:
            c.row += offset
            c.row_end += offset
            acc.append(c)
    return offset + n_rows


def _snap(v: float, edges: list[float]) -> float:
    near = min(edges, key=lambda e: abs(e - v), default=v)
    return near if abs(near - v) <= 2 * EDGE_TOL else v


def build_table(parts: list[PageTable]) -> Table:
    """One Table from one or more page parts (already known to belong together)."""
    # Snap each continuation's column edges onto the first part's (a re-rendered page may shift
    # the ruling by a few points), so the same column gets the same index on every page.
    first = parts[0].x_edges()
    for part in parts[1:]:
        for c in part.cells:
            c.x0, c.x1 = _snap(c.x0, first), _snap(c.x1, first)
    xs = cluster([v for p in parts for c in p.cells for v in (c.x0, c.x1)])
    acc, acc_rows = _part_cells(parts[0], xs)
    for part in parts[1:]:
        cells, n_rows = _part_cells(part, xs)
        acc_rows = _append_part(acc, acc_rows, cells, n_rows)
    acc.sort(key=lambda c: (c.row, c.col))
    cells = [Cell(text=c.text, row=c.row, col=c.col, rowspan=c.row_end - c.row,
                  colspan=c.col_end - c.col, page=c.page, confidence=c.confidence) for c in acc]
    pages = tuple(sorted({p.page for p in parts}))
    return Table(cells=cells, page=parts[0].page, pages=pages, method=parts[0].method)
