"""HTML table -> Table grid, and the whitespace rules shared by cell and paragraph text.

The grid is rebuilt the way a browser lays a table out: an occupancy matrix where every
``<td>/<th>`` takes the first free slot of its row and reserves ``rowspan x colspan`` slots.
Each printed cell becomes ONE ``Cell`` (never repeated), so the normaliser sees the spans as
printed (for example pingtan-2021 表三's ``自然人`` colspan=2 next to a blank cell).
"""
from __future__ import annotations

import re

from lxml import etree

from extractors.document import Cell, Table

MAX_COLSPAN = 200  # HTML allows 1000; no report table is anywhere near 200 columns wide
MAX_GRID_SLOTS = 400_000  # occupancy budget of one table (a 2000-row x 200-col sheet)
ROW_GROUPS = ("thead", "tbody", "tfoot")

# Elements whose start and end break a line inside a cell or paragraph.
BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "blockquote", "pre", "address", "article", "section", "aside", "main", "center",
    "form", "fieldset", "figure", "figcaption", "hr", "table", "tr", "td", "th", "caption",
    "thead", "tbody", "tfoot", "header", "footer", "nav", "body", "html", "details", "summary",
})

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
# CSS Text 3 segment-break rule: a source line break between two East Asian wide characters
# renders as nothing (Word/CMS editors wrap long Chinese lines in the HTML source).
_CJK_SEGMENT_BREAK = re.compile(rf"(?<=[{_WIDE}])[ \t]*[\r\n][ \t\r\n]*(?=[{_WIDE}])")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")  # \s covers &nbsp; (U+00A0) and the ideographic space


def clean_line(raw: str) -> str:
    """One printed line: drop invisible marks, collapse whitespace (&nbsp; included), strip."""
    text = _INVISIBLE.sub("", raw)
    text = _CJK_SEGMENT_BREAK.sub("", text)
    return _SPACES.sub(" ", text).strip()


def element_lines(el) -> list[str]:
    """Visible text of ``el`` (its own text included) as lines: ``<br>`` and block elements
    start a new line; empty lines are dropped."""
    pieces: list[str] = [el.text] if el.text else []
    _collect(el, pieces, depth=0)
    lines = (clean_line(chunk) for chunk in "".join(pieces).split(_BREAK))
    return [line for line in lines if line]


_BREAK = "\n\x00"  # line-break marker; lxml never yields NUL in parsed text


def _collect(el, pieces: list[str], depth: int) -> None:
    if depth > 200:  # pathological nesting: keep the text, forget the structure
        pieces.append("".join(el.itertext()))
        return
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag == "br":
            pieces.append(_BREAK)
        elif tag is None or tag in ("script", "style", "noscript", "template"):
            pass  # comments, processing instructions, code: only the tail is text
        elif tag in BLOCK_TAGS:
            pieces.append(_BREAK)
            if child.text:
                pieces.append(child.text)
            _collect(child, pieces, depth + 1)
            pieces.append(_BREAK)
        else:
            if child.text:
                pieces.append(child.text)
            _collect(child, pieces, depth + 1)
        if child.tail:
            pieces.append(child.tail)


def cell_text(td) -> str:
    """Cell text as printed: one line per ``<br>``/``<p>``, joined with "\\n"."""
    return "\n".join(element_lines(td))


def table_rows(table) -> list[list]:
    """The table's own rows as lists of ``<td>/<th>``, in display order (thead first, tfoot
    last). Cells written straight into ``<table>``/``<tbody>`` without a ``<tr>`` (libxml2
    leaves them there) form one implied row, as browsers show them."""
    head, body, foot, loose = [], [], [], []
    for child in table:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ROW_GROUPS:
            body.extend(_rows_of_list(loose))
            loose = []
            target = head if tag == "thead" else foot if tag == "tfoot" else body
            target.extend(_rows_of(child))
        elif tag in ("tr", "td", "th"):
            loose.append(child)
    body.extend(_rows_of_list(loose))
    return head + body + foot


def _rows_of(group) -> list[list]:
    return _rows_of_list([c for c in group
                          if isinstance(c.tag, str) and c.tag in ("tr", "td", "th")])


def _rows_of_list(items) -> list[list]:
    rows: list[list] = []
    loose: list = []
    for item in items:
        if item.tag == "tr":
            if loose:
                rows.append(loose)
                loose = []
            rows.append(row_cells(item))
        else:
            loose.append(item)
    if loose:
        rows.append(loose)
    return rows


def row_cells(tr) -> list:
    return [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]


def parse_span(value: str | None) -> int | None:
    """HTML span attribute -> int, None when absent or junk ("", "abc"); 0 kept (means 'rest')."""
    if value is None:
        return None
    m = re.match(r"\s*\+?(\d+)", value)
    return int(m.group(1)) if m else None


def build_table(table) -> Table:
    """Occupancy-matrix layout of one data table (a table holding no other table)."""
    rows = table_rows(table)
    n_rows = len(rows)
    raw: list[tuple[int, object, int, int]] = []  # (row, td, rowspan, colspan)
    for r, cells_of_row in enumerate(rows):
        for td in cells_of_row:
            rs = parse_span(td.get("rowspan"))
            cs = parse_span(td.get("colspan"))
            rowspan = n_rows - r if rs == 0 else max(1, rs or 1)  # rowspan=0: to the end
            colspan = max(1, min(cs or 1, MAX_COLSPAN))
            raw.append((r, td, min(rowspan, n_rows - r), colspan))
    if sum(rs * cs for _, _, rs, cs in raw) > MAX_GRID_SLOTS:
        # Spans that would reserve millions of slots are junk (or an attack): keep the cells.
        raw = [(r, td, 1, 1) for r, td, _, _ in raw]

    # A colspan wider than the busiest row has cells cannot be measured against anything;
    # lay the table out without it, then let such a cell fill its row up to the real width.
    busiest = max((sum(1 for it in raw if it[0] == r) for r in range(n_rows)), default=0)
    plausible = [(r, td, rs, cs if cs <= busiest else 1) for r, td, rs, cs in raw]
    width = max((col + cs for (_, _, _, cs), col in zip(plausible, _place(plausible, n_rows))),
                default=0)
    fitted = []
    for i, (r, td, rs, cs) in enumerate(raw):
        if cs > busiest:
            after = sum(p[3] for p in plausible[i + 1:] if p[0] == r)
            cs = -after  # resolved below, once the cell's column is known
        fitted.append((r, td, rs, cs))
    cells: list[Cell] = []
    for (r, td, rs, cs), col in zip(fitted, _place(fitted, n_rows, width)):
        if cs <= 0:
            cs = max(1, width - col + cs)
        cs = max(1, min(cs, width - col))
        cells.append(Cell(text=cell_text(td), row=r, col=col, rowspan=rs, colspan=cs))
    return Table(cells=cells, page=None, method="grid")


def _place(items, n_rows: int, width: int | None = None) -> list[int]:
    """Column of each cell in an occupancy matrix (browser table layout).

    A non-positive colspan marks a 'fill the rest' cell: it reserves up to ``width`` minus the
    cells that follow it in its row.
    """
    occupied: set[tuple[int, int]] = set()
    cols: list[int] = []
    next_free: dict[int, int] = {}
    for r, _td, rowspan, colspan in items:
        col = next_free.get(r, 0)
        while (r, col) in occupied:
            col += 1
        if colspan <= 0:
            colspan = max(1, (width or col + 1) - col + colspan)
        elif width is not None and col < width:
            colspan = min(colspan, width - col)
        for rr in range(r, r + rowspan):
            for cc in range(col, col + colspan):
                occupied.add((rr, cc))
        cols.append(col)
        next_free[r] = col + colspan
    return cols


def is_layout_table(table) -> bool:
    """A table used to lay out a page rather than to print data.

    It holds another table (old portals nest whole pages in tables), or it is a single cell,
    or a single column whose cells carry long prose; its content is read as blocks instead.
    """
    if any(True for _ in table.iterdescendants("table")):
        return True
    rows = table_rows(table)
    cells = [td for row in rows for td in row]
    if len(cells) <= 1:
        return True
    widest = max(len(row) for row in rows)
    if widest == 1 and any(len(clean_line(etree.tostring(td, method="text", encoding="unicode")))
                           > 200 for td in cells):
        return True
    return False
