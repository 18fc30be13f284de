"""Soft plausibility checks (FORMAT.md §4.5): notes for a reader, never errors."""
from __future__ import annotations

from typing import Iterator

from extractors.model import Claim, Report
from pipeline.checks_table import Hit, effective_result_rows, fmt, value_evidence
from schemas.keys import TABLE_APPLICATIONS, TABLE_REVIEWS


def check_other_handling_share(report: Report, claims: list[Claim], threshold: float) -> Iterator[Hit]:
    """60号文: 主管部门 should look at agencies whose （六）其他处理 share is high."""
    handled = report.num(TABLE_APPLICATIONS, "handled_total", "total")
    rows = [r for r in effective_result_rows(report)[0] if r.startswith("other_")]
    vals = [report.num(TABLE_APPLICATIONS, r, "total") for r in rows]
    other = sum(v for v in vals if v is not None)
    if handled and other / handled > threshold:
        yield Hit("high", {"other": fmt(other), "handled": fmt(handled), "share": f"{100 * other / handled:.1f}"},
                  {"values": [value_evidence(report.get(TABLE_APPLICATIONS, r, "total"), r, "total")
                              for r in rows + ["handled_total"]]},
                  TABLE_APPLICATIONS, [(r, "total") for r in rows])


def check_after_review_exceeds_review(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    review = report.num(TABLE_REVIEWS, "review", "total")
    after = report.num(TABLE_REVIEWS, "litigation_after_review", "total")
    if review is not None and after is not None and after > review:
        yield Hit("exceeds", {"after": fmt(after), "review": fmt(review)},
                  {"values": [value_evidence(report.get(TABLE_REVIEWS, p, "total"), p, "total")
                              for p in ("review", "litigation_after_review")]},
                  TABLE_REVIEWS, [("review", "total"), ("litigation_after_review", "total")])


def check_section_length(report: Report, claims: list[Claim], section: int, limit: int) -> Iterator[Hit]:
    sec = report.section(section)
    if sec is None:
        return
    n = sum(1 for ch in sec.text if not ch.isspace())
    if n > limit:
        yield Hit("long", {"n": n, "limit": limit}, {"quotes": [{"quote": sec.text[:120], "section": section}]},
                  origin="publisher")


SOFT_CHECKS = {
    "other_handling_share": check_other_handling_share,
    "after_review_exceeds_review": check_after_review_exceeds_review,
    "section_length": check_section_length,
}
