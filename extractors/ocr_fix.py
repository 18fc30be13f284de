"""OCR misreads told by the template's identities: propose a correction, never apply it.

An OCR'd table that breaks an identity (FORMAT.md §4: R1, R4, R5 for table 三, R6 for table 四)
may hold one misread digit. The identities are linear, so for one cell the value that would make
them hold is determined: every identity through that cell asks for one value, the identities not
through it must already hold. When exactly ONE cell of the table (with one value) makes EVERY
checkable identity of the table hold, a finding proposes that value. When several cells could
(table 四's rows are each one sum: any of their five cells fits), nothing is proposed: the
identity failure itself stands and is reported by the validation.

The value is never overwritten: the dataset keeps what was read, the finding says what it
should be (and with which OCR confidence the cell was read).
"""
from __future__ import annotations

from dataclasses import dataclass

from extractors.model import Finding, Report, Value
from schemas import keys as K

RULE_ID = "ocr_correction_proposed"
OTHER_2021 = ("other_overdue_correction", "other_overdue_fee", "other_reasons")
TABLE_LABEL = {K.TABLE_APPLICATIONS: "表三", K.TABLE_REVIEWS: "表四"}

Cell = tuple[str, str]  # (row, col)


@dataclass(frozen=True)
class Identity:
    name: str  # e.g. "R5 disclosed"
    terms: tuple[tuple[Cell, int], ...]  # Σ coef * value == 0


def _sum_identity(name: str, total: Cell, parts: list[Cell]) -> Identity:
    return Identity(name, ((total, 1),) + tuple((p, -1) for p in parts))


def _result_rows(report: Report, values: dict[Cell, Value]) -> tuple[str, ...]:
    """Result rows of table 三; a 2021 report that printed the single 2019 （六） row uses it."""
    rows = K.result_rows(report.template)
    if report.template == "2021":
        num = lambda r, c: values[(r, c)].value if (r, c) in values else None  # noqa: E731
        cols = [a.key for a in K.APPLICANTS]
        subrows_blank = all(num(r, c) is None for r in OTHER_2021 for c in cols)
        if subrows_blank and any(num("other_handling", c) is not None for c in cols):
            return tuple(r for r in rows if r not in OTHER_2021) + ("other_handling",)
    return rows


def identities(report: Report, table: str, values: dict[Cell, Value]) -> list[Identity]:
    """The template's identities of one table as linear equations over its cells."""
    out: list[Identity] = []
    if table == K.TABLE_APPLICATIONS and report.template in ("2021", "2019"):
        cols = [a.key for a in K.APPLICANTS]
        leaves = _result_rows(report, values)
        for c in cols:
            out.append(Identity(f"R1 {c}", (((("received_new", c)), 1), (("carried_over", c), 1),
                                            (("handled_total", c), -1), (("carried_forward", c), -1))))
            out.append(_sum_identity(f"R4 {c}", ("handled_total", c), [(r, c) for r in leaves]))
        rows = [k.key for k in K.application_rows(report.template)]
        if "other_handling" in leaves and "other_handling" not in rows:
            rows.append("other_handling")
        for r in rows:
            out.append(_sum_identity(f"R5 {r}", (r, "total"), [(r, c) for c in cols if c != "total"]))
    elif table == K.TABLE_REVIEWS:
        outcomes = [o.key for o in K.OUTCOMES if o.key != "total"]
        for p in K.PROCEEDINGS:
            out.append(_sum_identity(f"R6 {p.key}", (p.key, "total"), [(p.key, o) for o in outcomes]))
    return out


def _residual(ident: Identity, num: dict[Cell, float]) -> float | None:
    """Σ coef * value, or None when a cell is blank or unreadable (the identity is not checkable)."""
    total = 0.0
    for cell, coef in ident.terms:
        if cell not in num:
            return None
        total += coef * num[cell]
    return total


def _fix_for(cell: Cell, ident_list: list[Identity], num: dict[Cell, float]) -> float | None:
    """The one value of ``cell`` that makes every checkable identity hold, else None."""
    wanted: set[float] = set()
    for ident in ident_list:
        coef = dict(ident.terms).get(cell)
        res = _residual(ident, num)
        if res is None:
            continue
        if coef is None:
            if res != 0:
                return None  # an identity this cell is not part of fails: one change cannot fix it
            continue
        wanted.add(num[cell] - res / coef)
    if len(wanted) != 1:
        return None
    value = wanted.pop()
    if value == num[cell] or value < 0 or value != int(value):
        return None  # no change, or not a count
    return value


def _numbers(values: dict[Cell, Value]) -> dict[Cell, float]:
    return {cell: float(v.value) for cell, v in values.items() if v.value is not None}


def propose_table(report: Report, table: str) -> list[Finding]:
    values = {(v.row, v.col): v for v in report.values if v.table == table}
    ocr_cells = [cell for cell, v in values.items() if v.method == "ocr" and v.value is not None]
    if not ocr_cells:
        return []
    ident_list = identities(report, table, values)
    num = _numbers(values)
    failing = [i for i in ident_list if (r := _residual(i, num)) is not None and r != 0]
    if not failing:
        return []
    fixes = [(cell, fix) for cell in ocr_cells if (fix := _fix_for(cell, ident_list, num)) is not None]
    if len(fixes) != 1:
        return []  # none, or several single-cell changes fit: the identities do not decide
    (row, col), proposed = fixes[0]
    v = values[(row, col)]
    proposed_out: int | float = int(proposed)
    fixed = [i.name for i in failing]
    conf = "未知" if v.confidence is None else f"{v.confidence:.2f}"
    message = (f"{TABLE_LABEL.get(table, table)}「{row}/{col}」OCR读作{v.raw!r}（置信度{conf}），"
               f"按勾稽关系（{'、'.join(fixed)}）应为{proposed_out}；数据保留读出的值，请核对原件")
    evidence = {"cell": {"table": table, "row": row, "col": col}, "value_read": v.value, "raw": v.raw,
                "proposed": proposed_out, "confidence": v.confidence, "page": v.page,
                "identities_fixed": fixed}
    return [Finding(RULE_ID, "warning", message, evidence, table, [(row, col)], "extraction")]


def propose_corrections(report: Report) -> list[Finding]:
    """One finding per OCR'd table whose failing identities one single-cell change would all fix."""
    return [f for table in (K.TABLE_APPLICATIONS, K.TABLE_REVIEWS) for f in propose_table(report, table)]
