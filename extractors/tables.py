"""Row/column label matching: table grids of any reader -> canonical Values.

The rule of thumb, which survives HTML spans, PDF pieces, DOCX grids and seed-style text tables:
walk every row of every table in document order (table boundaries do not matter), split the row
into its LABEL cells (text that is not a number or a blank marker) and its VALUE cells (every
distinct cell after the last label cell), classify the row by its labels, and read the value cells
left to right as the template's columns. Empty cells BEFORE the last label stand in for merged
label cells (seed-style text tables) and are ignored. Header labels are not used to place columns:
real reports misalign them (pingtan-2021 表三 header 自然人 colspan=2 over a 商业企业 colspan=2
data cell; shanghai-office-2019 表二 header cells span 1 column while value cells span 2), while the
ORDER of a data row's distinct value cells is what the template fixes.

Group context ((三)/(四)/(五)/(六) cells, merged or not) is carried from row to row so that a bare
"3.其他" leaf can be told apart; it is reset by the top-level rows (一、二、（七）、四).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from extractors.document import Cell, Table
from extractors.model import Finding, Value
from extractors.numbers import parse_cell
from schemas import keys as K
from schemas import labels as L

_PUNCT = re.compile(r"[\s\u00a0\u3000、，,。.．·•:：;；“”\"'‘’()（）\[\]【】《》<>〈〉_\-—－–~～/]+")
_LEADING_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+|\d+)")


def norm(text: str | None) -> str:
    """Label text for matching: NFKC, no whitespace, no punctuation (keeps CJK numerals)."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or ""))


def strip_number(label: str) -> str:
    """'2其他法律…' -> '其他法律…', '三本年度办理结果' -> '本年度办理结果' (on a normalised label)."""
    return _LEADING_NUMBER.sub("", label)


@dataclass
class RowView:
    labels: list[Cell]
    values: list[Cell]
    page: int | None
    method: str = "grid"  # Value.method of the row's values (from Table.method, see value_method)


def value_method(table: Table) -> str:
    """Value.method for a table's values: "ocr" for an OCR'd grid, else "grid" (any drawn grid)."""
    return "ocr" if table.method == "ocr" else "grid"


_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def printed_label(texts: list[str]) -> str:
    """Row label for provenance: cells joined by a space, line breaks and the spaces of vertically
    stacked text ("三 、 本 年 度 办 理 结 果") removed between CJK characters."""
    return " ".join(_CJK_GAP.sub("", " ".join(t.split())) for t in texts if t and t.strip())


def row_views(tables: list[Table]) -> list[RowView]:
    out: list[RowView] = []
    for table in tables:
        for cells in table.rows():
            if not cells:
                continue
            kinds = [parse_cell(c.text).is_value_like for c in cells]
            last_label = max((i for i, v in enumerate(kinds) if not v), default=-1)
            labels = [c for c, v in zip(cells[: last_label + 1], kinds) if not v]
            values = cells[last_label + 1:]
            page = next((c.page for c in cells if c.page is not None), table.page)
            out.append(RowView(labels, values, page, value_method(table)))
    return out


# ---- classification --------------------------------------------------------------------------------
_TEMPLATE_LABELS = {k.key: strip_number(norm(k.label)) for k in K.APPLICATION_ROWS}
_TOP_LEVEL = {"received_new", "carried_over", "handled_total", "carried_forward",
              "disclosed", "partially_disclosed"}


def _group_of(label: str) -> str | None:
    for group, words in L.APPLICATION_GROUP_KEYWORDS.items():
        if any(w in label for w in words):
            return group
    return None


def _keyword_row(label: str) -> str | None:
    for key, words in L.APPLICATION_ROW_KEYWORDS.items():
        if any(w in label for w in words):
            return key
    return None


def _fuzzy_row(label: str, cutoff: float = 0.75) -> str | None:
    bare = strip_number(label)
    if len(bare) < 4:
        return None
    best, best_ratio = None, cutoff
    for key, tmpl in _TEMPLATE_LABELS.items():
        ratio = difflib.SequenceMatcher(None, bare, tmpl).ratio()
        if ratio > best_ratio:
            best, best_ratio = key, ratio
    return best


def active_item(label: str) -> str | None:
    """Exact item label, allowing a unit suffix ("规章（件）" -> "规章件")."""
    bare = strip_number(label)
    for item, aliases in L.ACTIVE_ITEM_ALIASES.items():
        if bare in aliases or any(bare.startswith(a) and bare[len(a):] in L.LABEL_UNIT_SUFFIXES for a in aliases):
            return item
    return None


def _split_group(leaf: str) -> tuple[str | None, str]:
    """'六其他处理3其他' (group and item in one cell) -> ('other', '3其他')."""
    for group, words in L.APPLICATION_GROUP_KEYWORDS.items():
        for w in words:
            i = leaf.find(w)
            if i >= 0 and len(leaf) - (i + len(w)) >= 2:
                return group, leaf[i + len(w):]
    return None, leaf


@dataclass
class Classifier:
    """Classifies table 三 rows, carrying the group context across rows."""

    group: str | None = None

    def application_row(self, label_texts: list[str]) -> str | None:
        norms = [n for n in (norm(t) for t in label_texts) if n]
        if not norms:
            return None
        for n in norms[:-1]:  # merged group cells sitting left of the leaf
            g = _group_of(n)
            if g and g != "result":
                self.group = g
        group, leaf = _split_group(norms[-1])
        if group and group != "result":
            self.group = group
        bare = strip_number(leaf)
        if bare in L.OTHER_HANDLING_LEAVES:
            self.group = "other"
            return "other_handling"
        if bare in L.OTHER_REASONS_LEAVES and (self.group == "other" or leaf.startswith("3")):
            return "other_reasons"
        key = _keyword_row(leaf) or _keyword_row("".join(norms)) or _fuzzy_row(leaf)
        if key is None:
            g = _group_of(leaf)
            if g and g != "result":
                self.group = g
            return None
        if key in _TOP_LEVEL:
            self.group = None
        return key


# ---- value fitting -----------------------------------------------------------------------------------
def fit_cells(cells: list[Cell], n: int) -> list[Cell | None]:
    """Make a row's value cells exactly n long: drop surplus blank cells (trailing first), pad with None."""
    cells = list(cells)
    while len(cells) > n and parse_cell(cells[-1].text).kind == "blank":
        cells.pop()
    i = 0
    while len(cells) > n and i < len(cells):
        if parse_cell(cells[i].text).kind == "blank":
            cells.pop(i)
        else:
            i += 1
    if len(cells) > n:
        cells = cells[:n]
    return cells + [None] * (n - len(cells))


def make_value(table: str, row: str, col: str, cell: Cell | None, page: int | None,
               label: str | None, method: str = "grid") -> Value:
    if cell is None:
        return Value(table, row, col, None, None, page, None, method, None, label)
    p = parse_cell(cell.text)
    return Value(table, row, col, p.value, cell.text, cell.page if cell.page is not None else page,
                 p.unit, method, cell.confidence, label)


@dataclass
class GridResult:
    values: dict[tuple[str, str, str], Value] = field(default_factory=dict)
    rows_found: set[tuple[str, str]] = field(default_factory=set)  # (table, row)
    findings: list[Finding] = field(default_factory=list)

    def add_row(self, table: str, row: str, cols: list[str], cells: list[Cell | None], page: int | None,
                label: str, method: str = "grid") -> None:
        if (table, row) in self.rows_found:
            self.findings.append(Finding(
                "duplicate_row", "info", f"{table}.{row} printed twice; the first occurrence is kept",
                {"label": label, "page": page}, table, [], "extraction"))
            return
        self.rows_found.add((table, row))
        for col, cell in zip(cols, cells):
            v = self.values[(table, row, col)] = make_value(table, row, col, cell, page, label, method)
            if cell is not None and parse_cell(cell.text).kind == "ambiguous":
                self.findings.append(Finding(
                    "ambiguous_cell", "warning", f"{table}.{row}.{col}: digits split by spaces {cell.text!r}; "
                    "left blank rather than guessed", {"raw": cell.text, "page": v.page, "label": label},
                    table, [(row, col)], "extraction"))


def _has_number(cells: list[Cell]) -> bool:
    return any(parse_cell(c.text).kind == "number" for c in cells)


_HEADER_UNIT = re.compile(r"(?:单位[:：]?|[（(])\s*(万元|亿元|元)\s*[）)]?")


def _header_unit(label_texts: list[str]) -> str | None:
    for t in label_texts:
        m = _HEADER_UNIT.search(unicodedata.normalize("NFKC", t or "").replace(" ", ""))
        if m:
            return m.group(1)
    return None


def _mentions(label_texts: list[str], words: tuple[str, ...]) -> bool:
    joined = "".join(norm(t) for t in label_texts)
    return any(w in joined for w in words)


def _add_reviews(res: GridResult, cells: list[Cell], page: int | None, label: str | None,
                 method: str = "grid") -> None:
    fitted = fit_cells(cells, L.N_REVIEW_CELLS)
    res.rows_found.update({(K.TABLE_REVIEWS, p.key) for p in K.PROCEEDINGS})
    for (proc, out), cell in zip(((p.key, o.key) for p in K.PROCEEDINGS for o in K.OUTCOMES), fitted):
        res.values[(K.TABLE_REVIEWS, proc, out)] = make_value(K.TABLE_REVIEWS, proc, out, cell, page, label,
                                                              method)


def extract_grid(tables: list[Table], template: str) -> GridResult:
    """Classify every table row and read its values (template 2021 or 2019).

    A row counts for table 二/三/四 only once that table's header (or first row) has been seen, so a
    narrative table earlier in the report ("行政处罚 | 1200") is not mistaken for table 二.
    """
    res = GridResult()
    active = K.ACTIVE_BY_TEMPLATE.get(template)
    measures = {i.key: [m.key for m in i.measures] for i in active.items} if active else {}
    applicants = [a.key for a in K.APPLICANTS]
    clf = Classifier()
    seen = {"active": False, "applications": False, "reviews": False}
    pending: list[str] = []  # a label-only row whose values come on the next row (label broken)
    header_unit: str | None = None  # "本年收费金额（单位：万元）" -> 万元, for money cells without a unit
    subtotal_col = False  # a 表三 header with a 法人或其他组织 小计 column (an extra value cell per row)
    reviews_done = lambda: (K.TABLE_REVIEWS, "review") in res.rows_found  # noqa: E731
    for rv in row_views(tables):
        label_texts = [c.text for c in rv.labels]
        seen["active"] |= _mentions(label_texts, L.ACTIVE_HEADER_KEYWORDS)
        seen["applications"] |= _mentions(label_texts, L.APPLICATIONS_HEADER_KEYWORDS)
        seen["reviews"] |= _mentions(label_texts, L.REVIEW_HEADER_KEYWORDS)
        if not rv.values or (not _has_number(rv.values) and len(rv.values) < 5):
            # header or label-only row: remember group context, a header unit and a broken label
            header_unit = _header_unit(label_texts) or header_unit
            subtotal_col |= seen["applications"] and _mentions(label_texts, L.SUBTOTAL_HEADER_KEYWORDS)
            if label_texts:
                clf.application_row(label_texts)  # updates group context only
                pending = label_texts
            continue
        if not label_texts:
            if len(rv.values) >= L.N_REVIEW_CELLS - 2 and not reviews_done():
                # 表四's data row has no label; nothing else has 13+ value cells
                if _has_number(rv.values):
                    _add_reviews(res, rv.values, rv.page, None, rv.method)
                continue
            label_texts = pending
        pending = []
        if not label_texts:
            continue
        label = printed_label(label_texts)
        item = active_item(norm(label_texts[-1]))
        if item is not None:
            if item in measures and seen["active"]:
                cols = measures[item]
                res.add_row(K.TABLE_ACTIVE, item, cols, fit_cells(rv.values, len(cols)), rv.page, label, rv.method)
                for col in cols:
                    v = res.values.get((K.TABLE_ACTIVE, item, col))
                    if v is not None and col in K.MONEY_MEASURES and v.unit is None and v.raw and header_unit:
                        v.unit = header_unit
            continue
        key = clf.application_row(label_texts) if seen["applications"] else None
        if key is not None:
            values = rv.values
            if subtotal_col and len(values) == len(applicants) + 1:
                values = values[:1] + values[2:]  # drop the 法人或其他组织 小计 column (not in the template)
            res.add_row(K.TABLE_APPLICATIONS, key, applicants, fit_cells(values, len(applicants)),
                        rv.page, label, rv.method)
        elif len(rv.values) >= L.N_REVIEW_CELLS - 2 and seen["reviews"] and not reviews_done():
            _add_reviews(res, rv.values, rv.page, label, rv.method)  # 表四 data row printed with a label ("件数")
    return res
