"""Checks of the tables' own identities (FORMAT.md §4.1-4.2): R1, R4, R5, R6, R8.

Every check yields ``Hit``s; severities and wording live in ``schemas/rules.py``.
Blank cells (value None) never make an error: a total that is blank is not checked, and a
failure that only appears when blank addends are read as 0 is reported as ``fail_blank``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from extractors.model import Claim, Report, Value
from schemas.keys import (APPLICANTS, APPLICATION_ROWS, MONEY_MEASURES, OUTCOMES,
                          SIGNED_MEASURES, TABLE_ACTIVE, TABLE_APPLICATIONS, TABLE_REVIEWS,
                          application_rows, result_rows)

APPLICANT_LABEL = {k.key: k.label for k in APPLICANTS}
ROW_LABEL = {k.key: k.label.split("（区分")[0] for k in APPLICATION_ROWS}
PROCEEDING_LABEL = {"review": "行政复议", "litigation_direct": "行政诉讼·未经复议直接起诉",
                    "litigation_after_review": "行政诉讼·复议后起诉"}
OUTCOME_LABEL = {k.key: k.label for k in OUTCOMES}
TABLE_LABEL = {TABLE_ACTIVE: "表二", TABLE_APPLICATIONS: "表三", TABLE_REVIEWS: "表四"}
OTHER_2021 = ("other_overdue_correction", "other_overdue_fee", "other_reasons")


@dataclass
class Hit:
    outcome: str
    fields: dict[str, Any]
    evidence: dict[str, Any] = field(default_factory=dict)
    table: str | None = None
    cells: list[tuple[str, str]] = field(default_factory=list)
    origin: str | None = None


def value_evidence(v: Value | None, row: str = "", col: str = "") -> dict[str, Any]:
    if v is None:
        return {"row": row, "col": col, "value": None, "raw": None, "page": None}
    return {"table": v.table, "row": v.row, "col": v.col, "value": v.value, "raw": v.raw, "page": v.page}


def fmt(x: float | int | None) -> str:
    if x is None:
        return "空白"
    return f"{x:g}" if isinstance(x, float) else str(x)


def _num(v: Value | None) -> float | int | None:
    return None if v is None else v.value


def effective_result_rows(report: Report) -> tuple[tuple[str, ...], bool]:
    """Result rows of table 三, and whether a 2021 report printed the single 2019 （六） row."""
    rows = result_rows(report.template)
    if report.template == "2021":
        t3 = report.table(TABLE_APPLICATIONS)
        subrows_blank = all(_num(t3.get(r, {}).get(c.key)) is None for r in OTHER_2021 for c in APPLICANTS)
        single = any(_num(t3.get("other_handling", {}).get(c.key)) is not None for c in APPLICANTS)
        if subrows_blank and single:
            return tuple(r for r in rows if r not in OTHER_2021) + ("other_handling",), True
    return rows, False


def _sum_check(parts: list[tuple[str, Value | None]], total: Value | None) -> tuple[str, float] | None:
    """(outcome, computed) when Σ parts ≠ total; None when fine or not checkable."""
    if _num(total) is None or all(_num(v) is None for _, v in parts):
        return None
    computed = sum(_num(v) or 0 for _, v in parts)
    if computed == _num(total):
        return None
    return ("fail_blank" if any(_num(v) is None for _, v in parts) else "fail"), computed


def _terms(parts: list[tuple[str, Value | None]]) -> str:
    shown = [f"{label}{fmt(_num(v))}" for label, v in parts if _num(v)]
    return " + ".join(shown) if shown else "0"


def check_balance(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    t3 = report.table(TABLE_APPLICATIONS)
    for col in APPLICANTS:
        new, over, handled, forward = (t3.get(r, {}).get(col.key) for r in
                                       ("received_new", "carried_over", "handled_total", "carried_forward"))
        if _num(new) is None or _num(handled) is None:
            continue
        lhs = _num(new) + (_num(over) or 0)
        rhs = _num(handled) + (_num(forward) or 0)
        if lhs == rhs:
            continue
        outcome = "fail_blank" if _num(over) is None or _num(forward) is None else "fail"
        yield Hit(outcome, {"col_label": APPLICANT_LABEL[col.key], "new": fmt(_num(new)),
                            "carried_over": fmt(_num(over)), "lhs": fmt(lhs), "handled": fmt(_num(handled)),
                            "carried_forward": fmt(_num(forward)), "rhs": fmt(rhs)},
                  {"values": [value_evidence(v, r, col.key) for v, r in
                              ((new, "received_new"), (over, "carried_over"), (handled, "handled_total"),
                               (forward, "carried_forward"))]},
                  TABLE_APPLICATIONS, [(r, col.key) for r in
                                       ("received_new", "carried_over", "handled_total", "carried_forward")])


def check_result_rows(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    t3 = report.table(TABLE_APPLICATIONS)
    rows, deviation = effective_result_rows(report)
    if deviation:
        v = t3.get("other_handling", {}).get("total")
        yield Hit("template_deviation", {"value": fmt(_num(v))}, {"values": [value_evidence(v)]},
                  TABLE_APPLICATIONS, [("other_handling", "total")])
    for col in APPLICANTS:
        parts = [(ROW_LABEL[r], t3.get(r, {}).get(col.key)) for r in rows]
        total = t3.get("handled_total", {}).get(col.key)
        bad = _sum_check(parts, total)
        if bad:
            yield Hit(bad[0], {"col_label": APPLICANT_LABEL[col.key], "terms": _terms(parts),
                               "computed": fmt(bad[1]), "printed": fmt(_num(total))},
                      {"values": [value_evidence(v, r, col.key) for r, (_, v) in zip(rows, parts) if _num(v)]
                       + [value_evidence(total, "handled_total", col.key)]},
                      TABLE_APPLICATIONS, [(r, col.key) for r in rows] + [("handled_total", col.key)])


def _table_rows(report: Report) -> list[str]:
    rows = [k.key for k in application_rows(report.template)]
    if effective_result_rows(report)[1]:
        rows = [r for r in rows if r not in OTHER_2021] + ["other_handling"]
    return rows


def check_row_totals(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    t3 = report.table(TABLE_APPLICATIONS)
    cols = [c.key for c in APPLICANTS if c.key != "total"]
    for row in _table_rows(report):
        cells = t3.get(row, {})
        parts = [(APPLICANT_LABEL[c], cells.get(c)) for c in cols]
        bad = _sum_check(parts, cells.get("total"))
        if bad:
            yield Hit(bad[0], {"row_label": ROW_LABEL[row], "terms": _terms(parts), "computed": fmt(bad[1]),
                               "printed": fmt(_num(cells.get("total")))},
                      {"values": [value_evidence(cells.get(c), row, c) for c in cols + ["total"]]},
                      TABLE_APPLICATIONS, [(row, c) for c in cols + ["total"]])


def check_blank_row_totals(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    t3 = report.table(TABLE_APPLICATIONS)
    rows = _table_rows(report)
    blank = [r for r in rows if _num(t3.get(r, {}).get("total")) is None]
    if not blank or len(blank) == len(rows):
        return  # nothing blank, or no 总计 column at all (a missing table is another rule's business)
    filled = [r for r in blank if any(_num(t3.get(r, {}).get(c.key)) is not None
                                      for c in APPLICANTS if c.key != "total")]
    if filled:
        yield Hit("blank", {"n": len(blank), "m": len(filled), "rows": "、".join(ROW_LABEL[r] for r in filled)},
                  {"values": [value_evidence(t3.get(r, {}).get("total"), r, "total") for r in blank]},
                  TABLE_APPLICATIONS, [(r, "total") for r in blank], origin="publisher")


def check_proceeding_total(report: Report, claims: list[Claim], proceeding: str) -> Iterator[Hit]:
    t4 = report.table(TABLE_REVIEWS).get(proceeding, {})
    outcomes = [o.key for o in OUTCOMES if o.key != "total"]
    parts = [(OUTCOME_LABEL[o], t4.get(o)) for o in outcomes]
    bad = _sum_check(parts, t4.get("total"))
    if bad:
        terms = " + ".join(f"{label}{fmt(_num(v))}" for label, v in parts)
        yield Hit(bad[0], {"proceeding_label": PROCEEDING_LABEL[proceeding], "terms": terms,
                           "computed": fmt(bad[1]), "printed": fmt(_num(t4.get("total")))},
                  {"values": [value_evidence(t4.get(o), proceeding, o) for o in outcomes + ["total"]]},
                  TABLE_REVIEWS, [(proceeding, o) for o in outcomes + ["total"]])


def check_value_types(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    for v in report.values:
        if v.value is None or v.table not in TABLE_LABEL:
            continue
        signed = v.table == TABLE_ACTIVE and v.col in SIGNED_MEASURES
        money = v.table == TABLE_ACTIVE and v.col in MONEY_MEASURES
        fields = {"table_label": TABLE_LABEL[v.table], "cell": f"{v.row}/{v.col}", "raw": v.raw or fmt(v.value)}
        outcome = None
        if v.value < 0 and not signed:
            outcome = "negative"
        elif not money and float(v.value) != int(v.value):
            outcome = "fraction"
        if outcome:
            yield Hit(outcome, fields, {"values": [value_evidence(v)]}, v.table, [(v.row, v.col)])


KEY_CELLS = ("received_new", "carried_over", "handled_total", "carried_forward")


def check_key_cells_present(report: Report, claims: list[Claim]) -> Iterator[Hit]:
    t3 = report.table(TABLE_APPLICATIONS)
    missing = [r for r in KEY_CELLS if _num(t3.get(r, {}).get("total")) is None
               and all(_num(t3.get(r, {}).get(c.key)) is None for c in APPLICANTS)]
    if missing:
        yield Hit("missing", {"cells": "、".join(ROW_LABEL[r] for r in missing)},
                  {"values": [value_evidence(t3.get(r, {}).get("total"), r, "total") for r in missing]},
                  TABLE_APPLICATIONS, [(r, "total") for r in missing])


TABLE_CHECKS = {
    "balance": check_balance,
    "result_rows": check_result_rows,
    "row_totals": check_row_totals,
    "blank_row_totals": check_blank_row_totals,
    "proceeding_total": check_proceeding_total,
    "value_types": check_value_types,
    "key_cells_present": check_key_cells_present,
}
