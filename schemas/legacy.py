"""Pre-2019 statistics rows and their analogues in the 2019/2021 templates (FORMAT.md §3.4), as data.

Targets are written ``dataset.row.col`` with the canonical keys of schemas/keys.py, so a
researcher can build 2008–2025 series. A ``+`` joins keys whose sum is the analogue. Rows with
no analogue (主动公开信息数, channel breakdowns) map to nothing. Patterns are matched, in order,
against the printed label with whitespace removed.
"""
from __future__ import annotations

# (regex on the label, target)
LEGACY_MAPPING: tuple[tuple[str, str], ...] = (
    (r"(受理|收到).*申请.*(总数|数)$|^申请总数", "applications.received_new.total"),
    (r"同意部分公开", "applications.partially_disclosed.total"),
    (r"同意公开答复|^.*同意公开", "applications.disclosed.total"),
    (r"(不予公开|否决公开|不同意公开)", "applications.withheld_*.total"),
    (r"信息不存在|不掌握|非本部门掌握", "applications.unavailable_not_held.total"),
    (r"申请内容不明确", "applications.unavailable_unclear.total"),
    (r"对申请的答复(总)?数|申请答复数", "applications.handled_total.total"),
    (r"行政复议", "reviews_litigation.review.total"),
    (r"^行政诉讼", "reviews_litigation.litigation_direct.total+reviews_litigation.litigation_after_review.total"),
    (r"规范性文件", "active_disclosure.normative_documents.issued"),
    (r"收费", "sections.6.fees"),
)

# Column headers: (key, regex). "year" is the report year's figure, "cumulative" the running total.
COLUMN_PATTERNS: tuple[tuple[str, str], ...] = (
    ("cumulative", r"历年累计|累计"),
    ("year", r"\d{4}年度?|本年|本期|数量|数值"),
)
