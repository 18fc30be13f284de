"""Checks of the narrative against the tables and against itself (FORMAT.md §4.4).

Input: the claims of ``extractors/claims.py``. Claims that state the same number are grouped,
so one contradiction printed twice gives one finding with both quotes.
"""
from __future__ import annotations

import math
import re
from typing import Any, Iterable, Iterator

from extractors.claims import BreakdownClaim
from extractors.model import Claim, Report
from pipeline.checks_table import PROCEEDING_LABEL, ROW_LABEL, Hit, fmt, value_evidence
from schemas.keys import APPLICANTS, TABLE_ACTIVE, TABLE_APPLICATIONS, TABLE_REVIEWS

CATEGORY_ROWS: dict[str, tuple[str, ...]] = {
    "disclosed+partially_disclosed": ("disclosed", "partially_disclosed"),
    "withheld": tuple(k for k in ROW_LABEL if k.startswith("withheld_")),
    "unavailable": tuple(k for k in ROW_LABEL if k.startswith("unavailable_")),
    "rejected": tuple(k for k in ROW_LABEL if k.startswith("rejected_")),
    "other": ("other_overdue_correction", "other_overdue_fee", "other_reasons", "other_handling"),
}
CATEGORY_LABEL = {"disclosed+partially_disclosed": "予以公开或部分公开", "withheld": "不予公开",
                  "unavailable": "无法提供", "rejected": "不予处理", "other": "其他处理",
                  "disclosed": "予以公开", "partially_disclosed": "部分公开"}
BASE_LABEL = {"answered": "文字所述答复数", "handled": "文字所述办结数", "received": "文字所述收到数",
              "received_total": "文字所述收到数", "category_base": "文字所述可答复数",
              "published_total": "文字所述公开总数"}


def quote_evidence(claims: Iterable[Claim]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for c in claims:
        if c.quote not in seen:
            seen.add(c.quote)
            out.append({"kind": c.kind, "value": c.value, "quote": c.quote, "section": c.section, "page": c.page})
    return out


def by_value(claims: Iterable[Claim]) -> dict[float, list[Claim]]:
    groups: dict[float, list[Claim]] = {}
    for c in claims:
        groups.setdefault(c.value, []).append(c)
    return groups


def row_total(report: Report, row: str) -> float | None:
    """Printed 总计 of a table-三 row, else the sum of its filled applicant cells."""
    total = report.num(TABLE_APPLICATIONS, row, "total")
    if total is not None:
        return total
    cells = [report.num(TABLE_APPLICATIONS, row, c.key) for c in APPLICANTS if c.key != "total"]
    filled = [x for x in cells if x is not None]
    return sum(filled) if filled else None


def _rows_sum(report: Report, rows: Iterable[str]) -> float | None:
    vals = [row_total(report, r) for r in rows]
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


def _cell_ev(report: Report, table: str, row: str, col: str = "total") -> dict[str, Any]:
    return value_evidence(report.get(table, row, col), row, col)


def _hit(outcome: str, fields: dict[str, Any], claims: list[Claim], values: list[dict[str, Any]],
         table: str | None = TABLE_APPLICATIONS, cells: list[tuple[str, str]] | None = None) -> Hit:
    return Hit(outcome, fields, {"values": values, "quotes": quote_evidence(claims)}, table, cells or [],
               origin="publisher")


# ---- received / handled / answered / carried ---------------------------------------------------
def check_text_received(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    new, over = row_total(report, "received_new"), row_total(report, "carried_over") or 0
    if new is None:
        return
    relevant = [c for c in claims if c.kind in ("received", "received_total") and c.subject != "part"]
    for value, group in by_value(relevant).items():
        total_only = all(c.kind == "received_total" for c in group)
        fields = {"claimed": fmt(value), "new": fmt(new), "carried_over": fmt(over),
                  "with_carried": fmt(new + over), "scope_note": _scope_note(group)}
        values = [_cell_ev(report, TABLE_APPLICATIONS, "received_new"),
                  _cell_ev(report, TABLE_APPLICATIONS, "carried_over")]
        cells = [("received_new", "total"), ("carried_over", "total")]
        if value == new and not total_only:
            continue
        if value == new + over:
            if over and not total_only:  # "（含上年结转…）" already says so
                yield _hit("includes_carried_over", fields, group, values, cells=cells)
            continue
        yield _hit("mismatch", fields, group, values, cells=cells)


def received_matches(report: Report, value: float) -> bool:
    new, over = row_total(report, "received_new"), row_total(report, "carried_over") or 0
    return new is None or value in (new, new + over)


def _scope_note(group: list[Claim]) -> str:
    for c in group:
        m = re.search(r"([^，。；,\d]{2,10}?)代表[^，。；,\d]{1,10}?(?:受理|收到)", c.quote)
        if m:
            return f"（句中主体为「{m.group(1)}」，或只指其自身受理的申请，但报告未加说明）"
    return ""


def check_text_vs_cell(report: Report, claims: list[Claim], kinds: tuple[str, ...], row: str) -> Iterator[Hit]:
    printed = row_total(report, row)
    if printed is None:
        return
    for value, group in by_value(c for c in claims if c.kind in kinds and c.subject != "part").items():
        if value != printed:
            yield _hit("mismatch", {"claimed": fmt(value), "printed": fmt(printed)}, group,
                       [_cell_ev(report, TABLE_APPLICATIONS, row)], cells=[(row, "total")])


def check_text_answered(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    handled, forward = row_total(report, "handled_total"), row_total(report, "carried_forward")
    if handled is None:
        return
    relevant = [c for c in claims if c.kind == "answered" and c.subject != "part"
                # "受理N件，均已答复" restates the received count; if that count is already wrong
                # the received rule reports it, so do not report the same number twice.
                and not (c.subject == "all_received" and not received_matches(report, c.value))]
    for value, group in by_value(relevant).items():
        if value != handled:
            yield _hit("mismatch", {"claimed": fmt(value), "handled": fmt(handled),
                                    "carried_forward": fmt(forward or 0)}, group,
                       [_cell_ev(report, TABLE_APPLICATIONS, "handled_total"),
                        _cell_ev(report, TABLE_APPLICATIONS, "carried_forward")],
                       cells=[("handled_total", "total"), ("carried_forward", "total")])


ORG_COLS = tuple(c.key for c in APPLICANTS if c.key not in ("natural_person", "total"))
APPLICANT_TEXT = {c.key: c.label for c in APPLICANTS} | {"organisations": "法人或其他组织"}


def _applicant_cell(report: Report, row: str, who: str) -> float | None:
    cols = ORG_COLS if who == "organisations" else (who,)
    vals = [report.num(TABLE_APPLICATIONS, row, c) for c in cols]
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


def check_text_applicants(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    for (who, value), group in _by_subject_value(c for c in claims if c.kind == "received_by_applicant").items():
        new, over = _applicant_cell(report, "received_new", who), _applicant_cell(report, "carried_over", who) or 0
        if new is None or value in (new, new + over):
            continue  # 一+二 is the "counts carried-over" reading the received rule already notes
        cols = ORG_COLS if who == "organisations" else (who,)
        yield _hit("mismatch", {"label": APPLICANT_TEXT.get(who, who), "claimed": fmt(value), "new": fmt(new),
                                "carried_over": fmt(over)}, group,
                   [_cell_ev(report, TABLE_APPLICATIONS, "received_new", c) for c in cols],
                   cells=[("received_new", c) for c in cols])
    for c in (c for c in claims if c.kind == "all_natural_person"):
        others = [(col, report.num(TABLE_APPLICATIONS, "received_new", col)) for col in ORG_COLS]
        others = [(col, v) for col, v in others if v]
        if others:
            yield _hit("not_all_natural", {"detail": "、".join(f"{APPLICANT_TEXT[col]}{fmt(v)}件" for col, v in others)},
                       [c], [_cell_ev(report, TABLE_APPLICATIONS, "received_new", col) for col, _ in others],
                       cells=[("received_new", col) for col, _ in others])


# ---- categories -------------------------------------------------------------------------------
def category_rows(key: str) -> tuple[str, ...]:
    return CATEGORY_ROWS.get(key, (key,))


def check_text_category(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    cats = [c for c in claims if c.kind == "category_count" and c.subject]
    for (subject, value), group in _by_subject_value(cats).items():
        rows = category_rows(subject)
        table = _rows_sum(report, rows)
        if table is None or table == value:
            continue
        yield _hit("mismatch", {"label": CATEGORY_LABEL.get(subject, ROW_LABEL.get(subject, subject)),
                                "claimed": fmt(value),
                                "rows": "、".join(ROW_LABEL[r] for r in rows if row_total(report, r) is not None),
                                "table": fmt(table)}, group,
                   [_cell_ev(report, TABLE_APPLICATIONS, r) for r in rows if row_total(report, r) is not None],
                   cells=[(r, "total") for r in rows])


def _by_subject_value(claims: Iterable[Claim]) -> dict[tuple[str, float], list[Claim]]:
    out: dict[tuple[str, float], list[Claim]] = {}
    for c in claims:
        out.setdefault((c.subject or "", c.value), []).append(c)
    return out


def check_text_category_pct(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    counts = {(c.quote, c.subject): c for c in claims if c.kind == "category_count"}
    breakdown_bases = [(c.quote, _base_value(c)) for c in claims if c.kind == "breakdown"]
    handled, new = row_total(report, "handled_total"), row_total(report, "received_new")
    over = row_total(report, "carried_over") or 0
    for pct_claim in (c for c in claims if c.kind == "category_pct"):
        count = counts.get((pct_claim.quote, pct_claim.subject))
        if count is None:
            continue
        table = _rows_sum(report, category_rows(pct_claim.subject or ""))
        bases = {b for b in (handled, new, None if new is None else new + over) if b}
        bases |= {b for q, b in breakdown_bases if pct_claim.quote in q and b}
        numerators = {x for x in (count.value, table) if x is not None}
        if not bases:
            continue
        decimals = len(str(fmt(pct_claim.value)).partition(".")[2])
        tolerance = 10 ** -decimals  # stated figures are rounded or truncated to their last digit
        candidates = [100 * x / b for x in numerators for b in bases]
        if any(abs(c - pct_claim.value) <= tolerance + 1e-9 for c in candidates):
            continue
        closest = min(candidates, key=lambda c: abs(c - pct_claim.value))
        yield _hit("mismatch", {"label": CATEGORY_LABEL.get(pct_claim.subject or "", pct_claim.subject),
                                "count": fmt(count.value), "pct": fmt(pct_claim.value),
                                "table": fmt(table), "bases": "/".join(fmt(b) for b in sorted(bases)),
                                "closest": f"{closest:.2f}"}, [pct_claim],
                   [_cell_ev(report, TABLE_APPLICATIONS, "handled_total")])


def _base_value(c: Claim) -> float | None:
    if isinstance(c, BreakdownClaim):
        return c.base_value
    m = re.search(r"=([\d.]+)$", c.subject or "")
    return float(m.group(1)) if m else None


def _base_kind(c: Claim) -> str:
    if isinstance(c, BreakdownClaim) and c.base_kind:
        return c.base_kind
    return (c.subject or "").partition("=")[0]


def check_text_breakdown(report: Report, claims: list[Claim], bases: tuple[str, ...]) -> Iterator[Hit]:
    for c in claims:
        if c.kind != "breakdown" or _base_kind(c) not in bases:
            continue
        base = _base_value(c)
        if base is None or math.isclose(base, c.value):
            continue
        items = c.items if isinstance(c, BreakdownClaim) else []
        terms = "+".join(fmt(v) for _, v, _ in items) if items else fmt(c.value)
        pct_note, base_pct = "", ""
        if items and all(p is not None for _, _, p in items):
            pct_note = f"（{'+'.join(fmt(p) + '%' for _, _, p in items)} = {fmt(sum(p for _, _, p in items))}%）"
        if isinstance(c, BreakdownClaim) and c.base_pct is not None:
            base_pct = f"（{fmt(c.base_pct)}%）"
        outcome = "mismatch"
        if isinstance(c, BreakdownClaim) and c.intro == "包括" and c.value < base:
            outcome = "partial_list"  # "包括…" may list only some categories
        yield _hit(outcome, {"terms": terms, "computed": fmt(c.value), "pct_note": pct_note,
                                "base": fmt(base), "base_pct": base_pct, "diff": fmt(abs(base - c.value)),
                                "base_label": BASE_LABEL.get(_base_kind(c), _base_kind(c))},
                   [c], [], table=None)


# ---- reviews and litigation -------------------------------------------------------------------
SCOPE = {"review": ("review",), "litigation": ("litigation_direct", "litigation_after_review")}
SCOPE_LABEL = {"review": "行政复议", "litigation": "行政诉讼", "review+litigation": "行政复议和行政诉讼"}


def _t4_total(report: Report, proceedings: tuple[str, ...]) -> float | None:
    vals = [report.num(TABLE_REVIEWS, p, "total") for p in proceedings]
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


def check_text_review_litigation(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    for kind, scope in (("review_total", "review"), ("litigation_total", "litigation")):
        table = _t4_total(report, SCOPE[scope])
        if table is None:
            continue
        for value, group in by_value(c for c in claims if c.kind == kind).items():
            if value != table:
                yield _hit("mismatch", {"label": SCOPE_LABEL[scope], "claimed": fmt(value), "table": fmt(table)},
                           group, [_cell_ev(report, TABLE_REVIEWS, p) for p in SCOPE[scope]], TABLE_REVIEWS,
                           [(p, "total") for p in SCOPE[scope]])


def check_text_review_outcomes(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    for scope in ("review", "litigation"):
        outcomes = [c for c in claims if c.kind == f"{scope}_outcome"]
        for (outcome, value), group in _by_subject_value(outcomes).items():
            table = [report.num(TABLE_REVIEWS, p, outcome) for p in SCOPE[scope]]
            table = [t for t in table if t is not None]
            if table and sum(table) != value:
                yield _hit("mismatch", {"label": SCOPE_LABEL[scope], "outcome": OUTCOME_TEXT[outcome],
                                        "claimed": fmt(value), "table": fmt(sum(table))}, group,
                           [_cell_ev(report, TABLE_REVIEWS, p, outcome) for p in SCOPE[scope]], TABLE_REVIEWS,
                           [(p, outcome) for p in SCOPE[scope]])


OUTCOME_TEXT = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结"}
OUTCOME_WORD = {"corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结"}


def check_text_outcome_flag(report: Report, claims: list[Claim], kind: str,
                            must_be_zero: tuple[str, ...]) -> Iterator[Hit]:
    for c in (c for c in claims if c.kind == kind):
        proceedings = [p for part in (c.subject or "").split("+") for p in SCOPE.get(part, ())]
        bad = [(p, o, report.num(TABLE_REVIEWS, p, o)) for p in proceedings for o in must_be_zero]
        bad = [(p, o, v) for p, o, v in bad if v]
        if bad:
            detail = "、".join(f"{PROCEEDING_LABEL[p]}{OUTCOME_WORD[o]}{fmt(v)}件" for p, o, v in bad)
            yield _hit("contradicted", {"label": SCOPE_LABEL.get(c.subject or "", c.subject), "detail": detail},
                       [c], [_cell_ev(report, TABLE_REVIEWS, p, o) for p, o, _ in bad], TABLE_REVIEWS,
                       [(p, o) for p, o, _ in bad])


# ---- 表二 normative documents -----------------------------------------------------------------
def check_text_normative(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    if report.template == "2021":
        pairs = (("normative_in_force", ("in_force",), "现行有效件数"), ("normative_issued", ("issued",), "本年制发件数"))
    else:
        pairs = (("normative_issued", ("made", "published"), "本年新制作/新公开数量"),)
    for kind, measures, label in pairs:
        table = [report.num(TABLE_ACTIVE, "normative_documents", m) for m in measures]
        table = [t for t in table if t is not None]
        if not table:
            continue
        for value, group in by_value(c for c in claims if c.kind == kind).items():
            if value not in table:
                yield _hit("mismatch", {"label": "行政规范性文件" + ("现行有效" if "in_force" in kind else "制发"),
                                        "claimed": fmt(value), "measure_label": label,
                                        "table": "/".join(fmt(t) for t in table)}, group,
                           [_cell_ev(report, TABLE_ACTIVE, "normative_documents", m) for m in measures], TABLE_ACTIVE,
                           [("normative_documents", m) for m in measures])
    published = report.num(TABLE_ACTIVE, "normative_documents", "published") if report.template == "2019" else None
    if published is not None:
        for value, group in by_value(c for c in claims if c.kind == "normative_published").items():
            if value < published:
                yield _hit("category_short", {"claimed": fmt(value), "table": fmt(published)}, group,
                           [_cell_ev(report, TABLE_ACTIVE, "normative_documents", "published")], TABLE_ACTIVE,
                           [("normative_documents", "published")])


# ---- narrative against itself -----------------------------------------------------------------
STAFF_LABEL = {"staff_fulltime": "专职人员数", "staff_parttime": "兼职人员数", "staff_total": "工作人员总数"}


def check_text_staff(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    unique: dict[str, float] = {}
    for kind, label in STAFF_LABEL.items():
        groups = by_value(c for c in claims if c.kind == kind)
        if len(groups) > 1:
            values = "；".join(f"「{g[0].quote}」称{fmt(v)}" for v, g in groups.items())
            yield _hit("conflict", {"label": label, "values": values}, [c for g in groups.values() for c in g],
                       [], table=None)
        elif groups:
            unique[kind] = next(iter(groups))
    if len(unique) == 3 and unique["staff_fulltime"] + unique["staff_parttime"] != unique["staff_total"]:
        group = [c for c in claims if c.kind in STAFF_LABEL]
        yield _hit("sum", {"total": fmt(unique["staff_total"]), "full": fmt(unique["staff_fulltime"]),
                           "part": fmt(unique["staff_parttime"]),
                           "computed": fmt(unique["staff_fulltime"] + unique["staff_parttime"])}, group, [],
                   table=None)


_FEE = re.compile(r"信息处理费|收费|收取|费用")


def check_fee_statement(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    sixth = report.section(6)
    if sixth is not None:
        if _FEE.search(sixth.text):
            return
    elif "信息处理费" in report.text or any("信息处理费" in s.text for s in report.sections):
        return  # no section 六 recognised: accept the statement wherever it is
    yield Hit("absent", {}, {"quotes": [{"quote": sixth.text[:200], "section": 6}] if sixth else []},
              origin="publisher")


TEXT_CHECKS = {
    "text_received": check_text_received,
    "text_vs_cell": check_text_vs_cell,
    "text_answered": check_text_answered,
    "text_category": check_text_category,
    "text_category_pct": check_text_category_pct,
    "text_breakdown": check_text_breakdown,
    "text_review_litigation": check_text_review_litigation,
    "text_review_outcomes": check_text_review_outcomes,
    "text_applicants": check_text_applicants,
    "text_outcome_flag": check_text_outcome_flag,
    "text_normative": check_text_normative,
    "text_staff": check_text_staff,
    "fee_statement": check_fee_statement,
}
