"""Glued-digit recovery: flat text whose table cells run together.

Synthetic reports are built from known, consistent tables (schemas.keys order) and rendered the
way the crawler flattens them (label immediately followed by the concatenated digits). An
independent brute-force oracle (all cut positions, all row combinations) says which rows are
uniquely determined; the solver must recover exactly those, leave the rest blank with their
candidates listed, and never output a wrong number.
"""
from __future__ import annotations

import json
import random
import re
import time
from itertools import product
from pathlib import Path

import pytest

from extractors.glued import solve_flat_tables
from extractors.glued_search import (
    SearchCapped, block_sum_groups, choose_rows, row_candidates, row_sum_group, split_run,
)
from schemas import keys as K

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL = SHARED / "corpus" / "real"

APP = K.TABLE_APPLICATIONS
REV = K.TABLE_REVIEWS
ACT = K.TABLE_ACTIVE


# ---- building known tables ---------------------------------------------------------------------

def _small(rng: random.Random) -> int:
    """Mostly zeros, some one- and two-digit counts, now and then three digits."""
    r = rng.random()
    if r < 0.55:
        return 0
    if r < 0.8:
        return rng.randint(1, 9)
    if r < 0.97:
        return rng.randint(10, 99)
    return rng.randint(100, 999)


def _app_row(parts: list[int]) -> list[int]:
    return parts + [sum(parts)]


def build_tables(rng: random.Random, template: str, apps_template: str | None = None):
    apps_template = apps_template or template
    rows = {}
    leaves = K.result_rows(apps_template)
    for key in leaves:
        rows[key] = _app_row([_small(rng) for _ in range(6)])
    handled = [sum(rows[k][c] for k in leaves) for c in range(7)]
    carried_over = _app_row([rng.choice([0, 0, 1, 2]) if c == 0 else 0 for c in range(6)])
    forward = _app_row([rng.choice([0, 0, 1, 3]) if c in (0, 5) else 0 for c in range(6)])
    received = [handled[c] + forward[c] - carried_over[c] for c in range(7)]
    if min(received) < 0:  # keep every cell non-negative
        carried_over = [0] * 7
        received = [handled[c] + forward[c] for c in range(7)]
    rows.update(received_new=received, carried_over=carried_over, handled_total=handled,
                carried_forward=forward)
    apps = {k.key: dict(zip((a.key for a in K.APPLICANTS), rows[k.key]))
            for k in K.application_rows(apps_template)}
    reviews = {}
    for p in K.PROCEEDINGS:
        parts = [_small(rng) for _ in range(4)]
        reviews[p.key] = dict(zip((o.key for o in K.OUTCOMES), parts + [sum(parts)]))
    active = {}
    for item in K.ACTIVE_BY_TEMPLATE[template].items:
        cells = {}
        for m in item.measures:
            if m.key in K.MONEY_MEASURES:
                cells[m.key] = round(rng.randint(1, 99999) + rng.randint(1, 99) / 100, 2)
            elif m.key in K.SIGNED_MEASURES:
                cells[m.key] = rng.choice([0, 0, 3, -18, 12])
            else:
                cells[m.key] = rng.choice([0, 0, 7, 42, 69, 665, 2293])
        active[item.key] = cells
    return {ACT: active, APP: apps, REV: reviews}


# ---- rendering them as the crawler does ---------------------------------------------------------

def _fmt(v) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


_ACTIVE_HEADERS = {
    "2021": {"（一）": "信息内容本年制发件数本年废止件数现行有效件数", "（五）": "信息内容本年处理决定数量",
             "（六）": "信息内容 本年处理决定数量", "（八）": "信息内容 本年收费金额（单位：万元）"},
    "2019": {"（一）": "信息内容本年新制作数量本年新公开数量对外公开总数量",
             "（五）": "信息内容上一年项目数量本年增/减处理决定数量",
             "（六）": "信息内容上一年项目数量本年增/减处理决定数量",
             "（八）": "信息内容上一年项目数量本年增/减", "（九）": "信息内容采购项目数量采购总金额"},
}
APP_HEADER = ("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
              "申请人情况自然人法人或其他组织总计 商业企业科研机构社会公益组织法律服务机构其他")
REVIEW_HEADER = ("四、政府信息公开行政复议、行政诉讼情况 行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
                 "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计")


def render_flat(tables, template: str, apps_template: str | None = None, label_edits=None,
                narrative: str = "", sep: str = "") -> str:
    apps_template = apps_template or template
    label_edits = label_edits or {}
    out = ["一、总体情况" + narrative + "二、主动公开政府信息情况 "]
    article = None
    for item in K.ACTIVE_BY_TEMPLATE[template].items:
        if item.article != article:
            article = item.article
            out.append(f"第二十条第{article}项{_ACTIVE_HEADERS[template][article]}")
        unit = "元" if item.key == "procurement" else ""
        out.append(item.label + sep.join(_fmt(v) for v in tables[ACT][item.key].values()) + unit)
    out.append(APP_HEADER)
    group = None
    for row in K.application_rows(apps_template):
        if row.group and row.group != group:  # group labels carry no numbers
            group = row.group
            out.append(row.group)
        label = label_edits.get(row.key, row.label)
        out.append(label + sep.join(str(v) for v in tables[APP][row.key].values()))
    out.append(" " + REVIEW_HEADER)
    out.append(sep.join(str(v) for p in tables[REV].values() for v in p.values()))
    out.append("五、存在的主要问题及改进情况（一）存在的主要问题：略。六、其他需要报告的事项无。")
    return "".join(out)


# ---- an independent oracle ----------------------------------------------------------------------

def _naive_cuts(digits: str, k: int) -> list[tuple[int, ...]]:
    """Every cut of a digit string into k integers without leading zeros (plain recursion)."""
    if k == 1:
        return [(int(digits),)] if digits and (digits == "0" or digits[0] != "0") else []
    out = []
    for i in range(1, len(digits) - k + 2):
        head = digits[:i]
        if len(head) > 1 and head[0] == "0":
            break
        out += [(int(head),) + rest for rest in _naive_cuts(digits[i:], k - 1)]
    return out


def _naive_row_cuts(digits: str) -> list[tuple[int, ...]]:
    """Cuts of a table 三 row into 6 counts + their total (recursion, pruned only by the obvious
    bound: what is placed cannot exceed the number the rest of the string spells)."""
    out = []

    def go(pos: int, placed: tuple[int, ...]) -> None:
        rest = digits[pos:]
        if not rest or sum(placed) > int(rest):
            return
        if len(placed) == 6:
            if (rest == "0" or rest[0] != "0") and int(rest) == sum(placed):
                out.append(placed + (int(rest),))
            return
        for i in range(1, len(rest)):
            if i > 1 and rest[0] == "0":
                break
            go(pos + i, placed + (int(rest[:i]),))

    go(0, ())
    return out


def oracle_applications(tables, apps_template: str, limit: int = 50_000):
    """Per row of table 三: the set of R5-consistent cuts used by some R1+R4 solution, or None
    when the brute force would be too big (the seed is then not judged on table 三)."""
    rows = [r.key for r in K.application_rows(apps_template)]
    own = {}
    for key in rows:
        digits = "".join(str(v) for v in tables[APP][key].values())
        own[key] = _naive_row_cuts(digits)
    size = 1
    for key in rows:
        size *= max(1, len(own[key]))
    if size > limit:
        return None
    leaves = K.result_rows(apps_template)
    feasible = {key: set() for key in rows}
    for combo in product(*(own[k] for k in rows)):
        pick = dict(zip(rows, combo))
        r4 = all(pick["handled_total"][c] == sum(pick[lf][c] for lf in leaves) for c in range(7))
        r1 = all(pick["received_new"][c] + pick["carried_over"][c]
                 == pick["handled_total"][c] + pick["carried_forward"][c] for c in range(7))
        if r1 and r4:
            for key in rows:
                feasible[key].add(pick[key])
    return feasible


def _by_cell(values):
    return {(v.table, v.row, v.col): v for v in values}


def _covered(findings, table: str, row: str, col: str) -> list:
    return [f for f in findings if f.table == table and (row, col) in [tuple(c) for c in f.cells]]


# ---- the combinatorial core -----------------------------------------------------------------------

def test_split_run_lists_every_cut_of_an_identity_free_row():
    cuts = split_run("693665", ["count"] * 3)
    assert ("69", "3", "665") in cuts and ("69", "36", "65") in cuts
    assert len(cuts) == len(_naive_cuts("693665", 3)) == 10


def test_group_totals_make_the_review_row_unique():
    cuts = split_run("10203120001200000", ["count"] * 15, block_sum_groups(3, 5))
    assert [tuple(map(int, c)) for c in cuts] == [(1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0)]


def test_row_sum_alone_leaves_two_cuts_and_column_identities_choose():
    assert len(split_run("270020130", ["count"] * 7, [row_sum_group(7)])) == 2
    cands = {"received_new": [(64, 0, 0, 2, 0, 4, 70)], "carried_over": [(0,) * 7],
             "disclosed": [(27, 0, 0, 2, 0, 1, 30), (2, 7, 0, 0, 20, 1, 30)],
             "unavailable_not_held": [(22, 0, 0, 0, 0, 3, 25), (2, 20, 0, 0, 0, 3, 25)],
             "other_reasons": [(14, 0, 0, 0, 0, 0, 14)],
             "handled_total": [(63, 0, 0, 2, 0, 4, 69)], "carried_forward": [(1, 0, 0, 0, 0, 0, 1)]}
    choice = choose_rows(cands, ["disclosed", "unavailable_not_held", "other_reasons"],
                         ("received_new", "carried_over", "handled_total", "carried_forward"))
    assert choice.feasible["disclosed"] == [(27, 0, 0, 2, 0, 1, 30)]
    assert choice.feasible["unavailable_not_held"] == [(22, 0, 0, 0, 0, 3, 25)]
    assert choice.solutions == 1 and choice.used == ("R1", "R4")


def test_money_signed_and_blank_tokens():
    assert split_run("24252.311082", ["money"]) == [("24252.311082",)]
    assert ("2648", "-18", "538") in split_run("2648-18538", ["count", "signed", "count"])
    assert split_run("1/2", ["count"] * 3) == [("1", "/", "2")]
    assert split_run("0012", ["count"] * 3) == [("0", "0", "12")]  # no leading zeros


def test_search_cap_is_reported_not_hidden():
    with pytest.raises(SearchCapped):
        split_run("1" * 40, ["count"] * 15, (), cap=1000)
    rc = row_candidates("1" * 40, ["count"] * 15, block_sum_groups(3, 5), cap=1000)
    assert rc.how == "none" and "cap" in rc.problem


# ---- synthetic reports ---------------------------------------------------------------------------

@pytest.mark.parametrize("template,apps_template", [("2021", "2021"), ("2019", "2019"), ("2021", "2019")])
@pytest.mark.parametrize("seed", range(8))
def test_known_tables_are_recovered_exactly_or_left_blank(seed, template, apps_template):
    rng = random.Random(seed * 7 + len(template + apps_template))
    tables = build_tables(rng, template, apps_template)
    text = render_flat(tables, template, apps_template)
    started = time.perf_counter()
    values, findings = solve_flat_tables(text, None)
    assert time.perf_counter() - started < 5
    got = _by_cell(values)
    oracle = oracle_applications(tables, apps_template)
    for table, rows in tables.items():
        for row, cells in rows.items():
            for col, truth in cells.items():
                v = got.get((table, row, col))
                assert v is not None, f"no value for {table}/{row}/{col}"
                if v.value is not None:
                    assert v.value == truth, f"WRONG {table}/{row}/{col}: {v.value} != {truth} ({v.raw})"
                    continue
                assert _covered(findings, table, row, col), f"null without a finding: {row}/{col}"
                amb = [f for f in _covered(findings, table, row, col) if f.rule == "glued_digits_ambiguous"]
                if amb:  # the truth is among the listed candidates (table 四 lists 15-cell cuts)
                    i = list(cells).index(col) + (list(rows).index(row) * 5 if table == REV else 0)
                    assert any(c[i] == truth for c in amb[0].evidence["candidates"])
    if oracle is not None:
        for row, feasible in oracle.items():
            truth = tuple(tables[APP][row].values())
            assert truth in feasible  # the oracle itself must accept the truth
            cells = [got[(APP, row, a.key)].value for a in K.APPLICANTS]
            if len(feasible) == 1:
                assert tuple(cells) == truth, f"{row}: unique under the identities but not recovered"
            else:
                assert cells == [None] * 7, f"{row}: {len(feasible)} fits, yet values given"
                amb = [f for f in _covered(findings, APP, row, "total") if f.rule == "glued_digits_ambiguous"]
                assert {tuple(c) for c in amb[0].evidence["candidates"]} == feasible
    # table 四: unique under R6 <=> recovered (brute force over all cuts, when small enough)
    run = "".join(str(v) for p in tables[REV].values() for v in p.values())
    if len(run) > 21:
        return
    fits = [c for c in _naive_cuts(run, 15) if all(sum(c[b:b + 4]) == c[b + 4] for b in (0, 5, 10))]
    recovered = [got[(REV, p.key, o.key)].value for p in K.PROCEEDINGS for o in K.OUTCOMES]
    assert (None not in recovered) == (len(fits) == 1)


def test_rows_whose_cuts_can_swap_stay_blank_with_both_candidates():
    # Both rows print "270020130"; swapping their cuts keeps every column sum, so no identity
    # can tell them apart.
    tables = build_tables(random.Random(11), "2021")
    cols = [a.key for a in K.APPLICANTS]
    a, b = (27, 0, 0, 2, 0, 1, 30), (2, 7, 0, 0, 20, 1, 30)
    handled = tables[APP]["handled_total"]
    for key, new in (("disclosed", a), ("withheld_admin_query", b)):
        old = tables[APP][key]
        for c, v in zip(cols, new):
            handled[c] += v - old[c]
            tables[APP]["received_new"][c] += v - old[c]
        tables[APP][key] = dict(zip(cols, new))
    values, findings = solve_flat_tables(render_flat(tables, "2021"), None)
    got = _by_cell(values)
    for key in ("disclosed", "withheld_admin_query"):
        assert [got[(APP, key, c)].value for c in cols] == [None] * 7
        f = _covered(findings, APP, key, "total")[0]
        assert f.rule == "glued_digits_ambiguous" and f.evidence["raw"] == "270020130"
        assert sorted(map(tuple, f.evidence["candidates"])) == sorted([a, b])
    assert oracle_applications(tables, "2021")["disclosed"] == {a, b}
    assert got[(APP, "handled_total", "total")].value == handled["total"]


def test_ambiguous_identity_free_row_lists_its_candidates():
    rng = random.Random(5)
    tables = build_tables(rng, "2021")
    tables[ACT]["normative_documents"] = {"issued": 69, "repealed": 3, "in_force": 665}
    values, findings = solve_flat_tables(render_flat(tables, "2021"), None)
    got = _by_cell(values)
    assert [got[(ACT, "normative_documents", m)].value for m in ("issued", "repealed", "in_force")] == [None] * 3
    f = _covered(findings, ACT, "normative_documents", "issued")[0]
    assert f.rule == "glued_digits_ambiguous" and [69, 3, 665] in f.evidence["candidates"]
    assert f.evidence["raw"] == "693665" and "规范性文件" in f.evidence["label"]


def test_narrative_number_can_single_out_a_cut():
    tables = build_tables(random.Random(9), "2021")
    tables[ACT]["normative_documents"] = {"issued": 88, "repealed": 55, "in_force": 698}
    text = render_flat(tables, "2021", narrative="现行有效行政规范性文件698件，本年度制发的规范性文件88件。")
    values, findings = solve_flat_tables(text, "2021")
    got = _by_cell(values)
    assert [got[(ACT, "normative_documents", m)].value for m in ("issued", "repealed", "in_force")] == [88, 55, 698]
    assert got[(ACT, "normative_documents", "issued")].method == "split-solved"
    assert any(f.rule == "glued_digits_confirmed_by_text" and "88件" in " ".join(f.evidence["quotes"])
               for f in findings)


def test_separated_tokens_and_label_typos_and_spaces():
    tables = build_tables(random.Random(3), "2021")
    edits = {"withheld_prohibited_by_law": "2.其他法律行政止公开", "disclosed": "（一）予 以公开"}
    text = render_flat(tables, "2021", label_edits=edits, sep=" ")
    values, findings = solve_flat_tables(text.replace("商业企业", "商业 企业"), None)
    got = _by_cell(values)
    for table, rows in tables.items():
        for row, cells in rows.items():
            for col, truth in cells.items():
                v = got[(table, row, col)]
                assert v.value == truth and v.method == "text", (row, col, v)
    assert not [f for f in findings if f.severity != "info"]


def test_blank_cells_elsewhere_stop_one_digit_per_cell_readings():
    tables = build_tables(random.Random(4), "2021")
    tables[APP]["carried_over"] = dict.fromkeys(tables[APP]["carried_over"], 0)
    text = render_flat(tables, "2021")
    # The publisher left 上年结转 blank and 规章 shows "135" for cells that really are 13, blank, 5.
    text = re.sub(r"(上年结转政府信息公开申请数量)0000000", r"\1", text)
    text = re.sub(r"规章\d+", "规章135", text)
    values, findings = solve_flat_tables(text, None)
    got = _by_cell(values)
    assert [got[(ACT, "regulations", m)].value for m in ("issued", "repealed", "in_force")] == [None] * 3
    assert any("blank cells" in f.message for f in _covered(findings, ACT, "regulations", "issued"))
    assert all(got[(APP, "carried_over", a.key)].value is None for a in K.APPLICANTS)


def test_page_footers_inside_a_table_are_not_cells():
    tables = build_tables(random.Random(8), "2021")
    text = render_flat(tables, "2021", sep=" ")
    text = text.replace("2.没有现成信息", "\n- 3 -\n2.没有现成信息", 1)
    got = _by_cell(solve_flat_tables(text, None)[0])
    for a in K.APPLICANTS:
        assert got[(APP, "unavailable_not_held", a.key)].value == tables[APP]["unavailable_not_held"][a.key]


def test_digits_printed_before_their_labels_are_not_tied_to_the_wrong_row():
    # PDF text with vertically centred labels: a row's numbers come out before its label.
    tables = build_tables(random.Random(6), "2021")
    text = render_flat(tables, "2021", sep=" ")
    key = "withheld_third_party"
    label = next(r.label for r in K.APPLICATION_ROWS if r.key == key)
    digits = " ".join(str(v) for v in tables[APP][key].values())
    text = text.replace(label + digits, "\n" + digits + "\n" + label + "\n", 1)
    values, findings = solve_flat_tables(text, None)
    for v in values:
        if v.table == APP and v.value is not None:
            assert v.value == tables[APP][v.row][v.col], v
    assert all(v.value is None for v in values if v.table == APP)
    assert any("away from any label" in f.message for f in findings)


def test_text_without_tables_says_so():
    values, findings = solve_flat_tables("一、总体情况 本年度无数据。", None)
    assert values == [] and findings[0].rule == "glued_template_unknown"


# ---- the real crawler text ------------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(not REAL.is_dir(), reason=f"shared corpus not found at {REAL}")


@needs_corpus
def test_real_pingtan_2021_flat_text():
    text = (REAL / "pingtan-2021-flat.txt").read_text(encoding="utf-8")
    expected = json.loads((REAL / "pingtan-2021-flat.expected.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    values, findings = solve_flat_tables(text, None)
    assert time.perf_counter() - started < 2
    got = _by_cell(values)
    for table in (ACT, APP, REV):
        for row, cells in expected[table].items():
            for col, truth in cells.items():
                assert got[(table, row, col)].value == truth, (table, row, col, got[(table, row, col)])
    amb = _covered(findings, ACT, "normative_documents", "issued")
    assert amb and amb[0].rule == "glued_digits_ambiguous"
    assert [69, 3, 665] in amb[0].evidence["candidates"] and amb[0].evidence["raw"] == "693665"
    assert got[(APP, "disclosed", "natural_person")].method == "split-solved"
    assert got[(REV, "litigation_direct", "upheld")].method == "split-solved"
    assert got[(ACT, "fees", "amount_10k_yuan")].unit == "万元"


def _flatten_html(path: Path) -> str:
    """The crawler's page.txt: the page's text with the cell boundaries dropped."""
    from lxml import html
    doc = html.fromstring(path.read_bytes())
    for node in doc.xpath("//script|//style"):
        node.drop_tree()
    return re.sub(r"\s+", " ", doc.text_content())


@needs_corpus
@pytest.mark.parametrize("name", ["hongze-2023", "huaian-2024"])
def test_pdf_text_layer_never_gives_a_wrong_number(name):
    """Not crawler text, but the same question: labels and numbers in reading order."""
    import pdfplumber
    with pdfplumber.open(REAL / f"{name}.pdf") as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    expected = json.loads((REAL / f"{name}.expected.json").read_text(encoding="utf-8"))
    got = _by_cell(solve_flat_tables(text, None)[0])
    right = 0
    for table in (ACT, APP, REV):
        for row, cells in expected[table].items():
            for col, truth in cells.items():
                v = got.get((table, row, col))
                if v is not None and v.value is not None:
                    assert v.value == truth, (name, table, row, col, v)
                    right += 1
    assert right >= 10  # table 四 and table 二 at least read as printed


@needs_corpus
@pytest.mark.parametrize("name", ["pingtan-2019", "pingtan-2020", "pingtan-2022", "pingtan-2023",
                                  "shanghai-office-2019"])
def test_flattened_real_reports_never_give_a_wrong_number(name):
    values, findings = solve_flat_tables(_flatten_html(REAL / f"{name}.html"), None)
    expected = json.loads((REAL / f"{name}.expected.json").read_text(encoding="utf-8"))
    got = _by_cell(values)
    for table in (ACT, APP, REV):
        for row, cells in expected[table].items():
            for col, truth in cells.items():
                v = got.get((table, row, col))
                if v is not None and v.value is not None:
                    assert v.value == truth, (name, table, row, col, v)
                elif truth is not None and v is not None:
                    assert _covered(findings, table, row, col), (name, row, col)


def test_mangled_text_never_crashes():
    rng = random.Random(99)
    base = render_flat(build_tables(rng, "2021"), "2021")
    noise = "0123456789 \n/-.、（）一二三总计规章"
    for _ in range(40):
        chars = list(base)
        for _ in range(rng.randint(1, 40)):
            i = rng.randrange(len(chars))
            if rng.random() < 0.5:
                del chars[i]
            else:
                chars.insert(i, rng.choice(noise))
        values, findings = solve_flat_tables("".join(chars), rng.choice([None, "2021", "2019"]))
        assert all(v.value is None or isinstance(v.value, (int, float)) for v in values)
        assert all(f.rule.startswith("glued_") for f in findings)
