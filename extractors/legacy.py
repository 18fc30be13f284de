"""Pre-2019 statistics tables (政府信息公开情况统计表) as a long dataset ``legacy_statistics``.

Before 2019 there was no national template: provinces appended their own 统计表
(指标名称 | 计量单位 | 本年度 | 历年累计, FORMAT.md §3.3). We keep every cell as printed, map the rows
that have a clear analogue in the 2019/2021 templates (FORMAT.md §3.4, declared in
``schemas/legacy.py``) and check the only identities these tables carry: "其中：1… 2…" parts
summing to the row above them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.document import Document, Table
from extractors.model import Finding
from schemas.legacy import COLUMN_PATTERNS, LEGACY_MAPPING

_NUM = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_PART = re.compile(r"^(?:其中[:：]?)?\s*[（(]?(\d{1,2})[)）]?[、.．]")
_HEADER_WORDS = ("指标", "项目", "名称")


@dataclass
class LegacyValue:
    label: str  # printed row label (whitespace removed)
    column: str  # "year" (本年度/本期) or "cumulative" (历年累计/本年累计), else the printed header
    value: float | None
    unit: str | None
    raw: str
    page: int | None
    legacy_mapping: str | None  # analogue in the new templates (schemas/legacy.py), if any
    parent: str | None = None  # label of the row this one is a part of ("其中：1…")


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _parse(raw: str) -> float | None:
    s = _clean(raw).replace(",", "").replace("，", "")
    s = s.translate(str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+"))
    return float(s) if _NUM.match(s) else None


def _column_key(header: str) -> str:
    h = _clean(header)
    for key, pattern in COLUMN_PATTERNS:
        if re.search(pattern, h):
            return key
    return h


def _mapping(label: str) -> str | None:
    for pattern, target in LEGACY_MAPPING:
        if re.search(pattern, label):
            return target
    return None


def is_statistics_table(table: Table) -> bool:
    rows = table.text_rows()
    if not rows:
        return False
    head = "".join(_clean(t) for t in rows[0])
    return any(w in head for w in _HEADER_WORDS) and ("计量单位" in head or "累计" in head or "年度" in head)


def _table_values(table: Table) -> list[LegacyValue]:
    rows = table.rows()
    header = [_clean(c.text) for c in rows[0]]
    unit_col = next((i for i, h in enumerate(header) if "单位" in h), None)
    value_cols = [i for i, h in enumerate(header) if i > 0 and i != unit_col]
    out: list[LegacyValue] = []
    parent: str | None = None
    for cells in rows[1:]:
        if len(cells) < 2:
            continue
        label = _clean(cells[0].text)
        if not label:
            continue
        unit = _clean(cells[unit_col].text) if unit_col is not None and unit_col < len(cells) else None
        part = _PART.match(label)
        if part is None:
            parent = label
        for i in value_cols:
            if i >= len(cells):
                continue
            raw = cells[i].text.strip()
            out.append(LegacyValue(label, _column_key(header[i]), _parse(raw), unit or None, raw,
                                   cells[i].page, _mapping(label), parent if part else None))
    return out


def legacy_statistics(doc: Document) -> list[LegacyValue]:
    out: list[LegacyValue] = []
    for table in doc.tables:
        if is_statistics_table(table):
            out.extend(_table_values(table))
    return out


def legacy_findings(values: list[LegacyValue]) -> list[Finding]:
    """Parts ("其中：1… 2…") must add up to their total, per column.

    Severity warning: no national template defines these sums, and some provinces' channel
    breakdowns legitimately overlap (one item published on two channels).
    """
    findings: list[Finding] = []
    totals = {(v.label, v.column): v for v in values if v.parent is None}
    groups: dict[tuple[str, str], list[LegacyValue]] = {}
    for v in values:
        if v.parent is not None:
            groups.setdefault((v.parent, v.column), []).append(v)
    for (parent, column), parts in groups.items():
        total = totals.get((parent, column))
        if total is None or total.value is None or any(p.value is None for p in parts):
            continue
        s = sum(p.value for p in parts)
        if abs(s - total.value) > 1e-6:
            findings.append(Finding(
                rule="legacy_parts_sum", severity="warning",
                message=f"统计表 {parent}（{column}）为 {total.raw}，其中各项之和为 {s:g}",
                evidence={"total": {"label": parent, "raw": total.raw, "page": total.page},
                          "parts": [{"label": p.label, "raw": p.raw, "page": p.page} for p in parts],
                          "sum": s},
                table="legacy_statistics", cells=[(parent, column)] + [(p.label, column) for p in parts],
                origin="publisher"))
    return findings
