"""Rules as data + table identities: consistent tables pass, any single changed cell is caught."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.model import Report, Section, Value
from pipeline.validate import CHECKS, validate
from schemas.keys import (APPLICANTS, MONEY_MEASURES, OUTCOMES, PROCEEDINGS, SIGNED_MEASURES, active_cells,
                          application_rows, result_rows)
from schemas.rules import RULES, RULES_BY_ID

COLS = [c.key for c in APPLICANTS if c.key != "total"]


def consistent_values(template: str, rng: random.Random, single_other_row: bool = False) -> list[Value]:
    """A table 三/四/二 that satisfies R1, R4, R5, R6 by construction."""
    leaves = list(result_rows(template))
    if single_other_row:  # a 2021 report printing the 2019 single （六） row
        leaves = [r for r in leaves if not r.startswith("other_")] + ["other_handling"]
    grid: dict[str, dict[str, int]] = {}
    for col in COLS:
        for r in leaves:
            grid.setdefault(r, {})[col] = rng.choice([0, 0, 0, rng.randint(0, 40)])
        handled = sum(grid[r][col] for r in leaves)
        forward = rng.randint(0, 5)
        over = rng.randint(0, handled + forward)
        grid.setdefault("handled_total", {})[col] = handled
        grid.setdefault("carried_forward", {})[col] = forward
        grid.setdefault("carried_over", {})[col] = over
        grid.setdefault("received_new", {})[col] = handled + forward - over
    values = []
    rows = [k.key for k in application_rows(template)]
    if single_other_row:
        rows = [r for r in rows if not r.startswith("other_")] + ["other_handling"]
    for r in rows:
        for col in COLS:
            values.append(_v("applications", r, col, grid[r][col]))
        values.append(_v("applications", r, "total", sum(grid[r].values())))
    for p in PROCEEDINGS:
        parts = [rng.randint(0, 9) for _ in range(4)]
        for o, n in zip([o.key for o in OUTCOMES if o.key != "total"], parts):
            values.append(_v("reviews_litigation", p.key, o, n))
        values.append(_v("reviews_litigation", p.key, "total", sum(parts)))
    for item, measure in active_cells(template):
        if measure in MONEY_MEASURES:
            values.append(_v("active_disclosure", item, measure, round(rng.uniform(0, 9999), 6)))
        elif measure in SIGNED_MEASURES:
            values.append(_v("active_disclosure", item, measure, rng.randint(-50, 50)))
        else:
            values.append(_v("active_disclosure", item, measure, rng.randint(0, 500)))
    return values


def _v(table: str, row: str, col: str, value) -> Value:
    return Value(table, row, col, value, str(value), page=1)


def make_report(template: str, values: list[Value], sections: list[Section] | None = None) -> Report:
    if sections is None:
        sections = [Section(6, "六、其他需要报告的事项", "本年度未收取信息处理费。")]
    return Report(report_id="t", source="test", sha256="", format="html", template=template,
                  values=values, sections=sections)


def errors(findings):
    return [f for f in findings if f.severity == "error"]


# ---- rules as data -----------------------------------------------------------------------------
def test_every_rule_names_a_registered_check_and_valid_outcomes():
    for rule in RULES:
        assert rule.check in CHECKS, rule.id
        assert rule.outcomes, rule.id
    assert len(RULES_BY_ID) == len(RULES)


def test_only_rules_for_the_template_run():
    report = make_report("pre2019", [], sections=[])
    ran = {f.rule for f in validate(report)}
    assert all("pre2019" in RULES_BY_ID[r].templates for r in ran)


# ---- consistent tables pass -------------------------------------------------------------------
@pytest.mark.parametrize("template", ["2021", "2019"])
@given(seed=st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_consistent_tables_give_no_error(template, seed):
    report = make_report(template, consistent_values(template, random.Random(seed)))
    assert errors(validate(report)) == []


def test_2021_report_with_single_other_row_is_consistent_but_noted():
    report = make_report("2021", consistent_values("2021", random.Random(3), single_other_row=True))
    findings = validate(report)
    assert errors(findings) == []
    assert any(f.rule == "R4_result_rows_vs_handled_total" and f.severity == "info" for f in findings)


# ---- every single changed cell is caught ------------------------------------------------------
def _identity_cells(values: list[Value]) -> list[int]:
    return [i for i, v in enumerate(values) if v.table in ("applications", "reviews_litigation")]


@pytest.mark.parametrize("template", ["2021", "2019"])
@given(seed=st.integers(0, 10**6), pick=st.integers(0, 10**6), delta=st.integers(-30, 30).filter(bool))
@settings(max_examples=80, deadline=None)
def test_changing_any_single_cell_is_caught(template, seed, pick, delta):
    values = consistent_values(template, random.Random(seed))
    cells = _identity_cells(values)
    v = values[cells[pick % len(cells)]]
    v.value = v.value + delta
    v.raw = str(v.value)
    found = errors(validate(make_report(template, values)))
    assert found, f"changing {v.row}/{v.col} by {delta} went unnoticed"
    assert any((v.row, v.col) in f.cells for f in found)


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_exhaustive_single_cell_changes(template):
    base = consistent_values(template, random.Random(7))
    for i in _identity_cells(base):
        values = [Value(**vars(v)) for v in base]
        values[i].value += 1
        assert errors(validate(make_report(template, values))), f"{values[i].row}/{values[i].col}"


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_a_blank_cell_never_makes_an_error(template):
    base = consistent_values(template, random.Random(11))
    for i in _identity_cells(base):
        values = [Value(**vars(v)) for v in base]
        values[i].value, values[i].raw = None, None
        assert errors(validate(make_report(template, values))) == [], f"{values[i].row}/{values[i].col}"


def test_blank_row_total_is_a_warning_not_an_error():
    values = consistent_values("2019", random.Random(5))
    for v in values:
        if v.table == "applications" and v.col == "total" and v.row in ("disclosed", "rejected_duplicate"):
            v.value, v.raw = None, "\xa0"
    findings = validate(make_report("2019", values))
    assert errors(findings) == []
    assert any(f.rule == "blank_row_totals" and f.severity == "warning" for f in findings)


# ---- R8 value types ---------------------------------------------------------------------------
def test_negative_and_fractional_counts_are_errors_but_signed_change_and_money_are_not():
    values = consistent_values("2019", random.Random(1))
    for v in values:
        if (v.row, v.col) == ("penalty", "change"):
            v.value = -18
        if (v.row, v.col) == ("procurement", "amount"):
            v.value = 75394432.52
    assert errors(validate(make_report("2019", values))) == []
    bad = [Value(**vars(v)) for v in values]
    next(v for v in bad if (v.row, v.col) == ("licensing", "decisions")).value = -3
    next(v for v in bad if (v.row, v.col) == ("penalty", "items_last_year")).value = 2.5
    outcomes = {(f.rule, f.cells[0]) for f in errors(validate(make_report("2019", bad)))}
    assert ("R8_value_types", ("licensing", "decisions")) in outcomes
    assert ("R8_value_types", ("penalty", "items_last_year")) in outcomes


def test_identity_failure_carries_values_with_raw_and_page():
    values = consistent_values("2021", random.Random(2))
    v = next(v for v in values if (v.table, v.row, v.col) == ("reviews_litigation", "review", "total"))
    v.value += 4
    f = next(f for f in validate(make_report("2021", values)) if f.rule == "R6_review_total")
    assert f.severity == "error" and f.table == "reviews_litigation"
    assert all({"raw", "page", "value"} <= set(e) for e in f.evidence["values"])


def test_fee_statement_missing_is_a_warning_for_2021_only():
    values = consistent_values("2021", random.Random(4))
    silent = [Section(6, "六、其他需要报告的事项", "无。")]
    f21 = validate(make_report("2021", values, silent))
    assert any(f.rule == "fee_statement_missing" and f.severity == "warning" for f in f21)
    f19 = validate(make_report("2019", consistent_values("2019", random.Random(4)), silent))
    assert not any(f.rule == "fee_statement_missing" for f in f19)
    stated = [Section(6, "六、其他需要报告的事项", "全年共发出收费通知的件数和总金额均为0，实际收取的总金额为0。")]
    assert not any(f.rule == "fee_statement_missing" for f in validate(make_report("2021", values, stated)))


def _with_text(template: str, text: str, seed: int = 9) -> Report:
    values = consistent_values(template, random.Random(seed))
    return make_report(template, values, [Section(1, "一、总体情况", text),
                                          Section(6, "六、其他需要报告的事项", "无收取信息处理费情况。")])


def _cell(report: Report, table: str, row: str, col: str):
    return report.num(table, row, col)


def test_text_that_agrees_with_the_table_gives_no_error():
    report = _with_text("2021", "")
    n = lambda row: _cell(report, "applications", row, "total")
    r = lambda p: _cell(report, "reviews_litigation", p, "total")
    text = (f"本年度共收到政府信息公开申请{n('received_new'):g}件，办结{n('handled_total'):g}件，"
            f"{n('carried_forward'):g}件结转下年度继续办理。因政府信息公开引起的行政复议案件{r('review'):g}件、"
            f"行政诉讼案件{r('litigation_direct') + r('litigation_after_review'):g}件。")
    report.sections[0].text = text
    assert errors(validate(report)) == []


def test_text_that_contradicts_the_table_is_an_error_with_quote_and_cells():
    report = _with_text("2021", "")
    wrong = _cell(report, "applications", "handled_total", "total") + 3
    report.sections[0].text = f"全年共收到政府信息公开申请，办结申请{wrong:g}件。"
    (f,) = [f for f in validate(report) if f.rule == "text_vs_table_handled"]
    assert f.severity == "error" and f"{wrong:g}" in f.message
    assert f.evidence["quotes"][0]["quote"].startswith("全年") and f.cells == [("handled_total", "total")]


def test_soft_checks_are_notes_never_errors():
    values = consistent_values("2021", random.Random(21))
    report = make_report("2021", values, [Section(1, "一、总体情况", "政务公开" * 300),
                                          Section(6, "六、其他需要报告的事项", "无收取信息处理费情况。")])
    review = next(v for v in values if (v.table, v.row, v.col) == ("reviews_litigation", "review", "total"))
    after = next(v for v in values if (v.row, v.col) == ("litigation_after_review", "total"))
    if after.value <= review.value:  # make 复议后起诉 exceed 行政复议 while keeping R6 true
        extra = review.value - after.value + 1
        after.value += extra
        next(v for v in values if (v.row, v.col) == ("litigation_after_review", "upheld")).value += extra
    findings = validate(report)
    soft = {f.rule: f.severity for f in findings if f.rule in ("section1_length", "after_review_exceeds_review")}
    assert soft == {"section1_length": "info", "after_review_exceeds_review": "info"}
    assert errors(findings) == []


@pytest.mark.parametrize("total,severity", [(100, "warning"), (40, "error"), (50, None)])
def test_published_list_after_baokuo(total, severity):
    report = _with_text("2021", f"全年主动公开政府信息共计{total}条，包括：工作动态30条，公告公示20条。")
    found = [f.severity for f in validate(report) if f.rule == "text_published_sum"]
    assert found == ([severity] if severity else [])


def test_report_without_tables_gets_warnings_not_errors():
    report = make_report("2021", [], [Section(1, "一、总体情况", "本年度共收到政府信息公开申请12件，办结12件。")])
    findings = validate(report)
    assert errors(findings) == []
    assert any(f.rule == "identity_inputs_missing" and f.severity == "warning" for f in findings)


def test_received_including_carried_over_is_accepted_silently():
    report = _with_text("2021", "")
    new = _cell(report, "applications", "received_new", "total")
    over = _cell(report, "applications", "carried_over", "total")
    report.sections[0].text = f"本年度收到政府信息公开申请{new + over:g}件（含上年结转{over:g}件）。"
    assert [f for f in validate(report) if f.rule.startswith("text_vs_table_received")] == []
