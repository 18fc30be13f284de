"""Hand-built Documents: label variants, mixed templates, missing rows, non-reports, sections."""
import sys
import types

import pytest

from extractors.document import Cell, Document, Paragraph, Table
from extractors.errors import NotAReport
from extractors.model import Finding, Value
from extractors.normalise import normalise
from schemas import keys as K

TITLE = "北京市西城区什刹海街道2024年政府信息公开工作年度报告"
SEVEN = ["自然人", "商业 企业", "科研 机构", "社会公益组织", "法律服务机构", "其他", "总计"]

# Printed labels of a 2021 table 三 in seed style: empty cells stand in for merged label cells.
T3_2021 = [
    ["一、本年新收政府信息公开申请数量"],
    ["二、上年结转政府信息公开申请数量"],
    ["三、本年度办 理结果", "（一）予以公开"],
    ["", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"],
    ["", "（三）不予公开", "1.属于国家秘密"],
    ["", "", "2.其他法律行政止公开"],  # typo printed by hongze
    ["", "", "3.危及“三安全一稳定”"],
    ["", "", "4.保护第三方合法权益"],
    ["", "", "5.属于三类内部事务信息"],
    ["", "", "6.属于四类过程性信息"],
    ["", "", "7.属于行政执法案卷"],
    ["", "", "8.属于行政查询事项"],
    ["", "（四）无法提供", "1.本机关不掌握相关政府信息"],
    ["", "", "2.没有现成信息需要另行制作"],
    ["", "", "3.补正后申请内容仍不明确"],
    ["", "（五）不予处理", "1.信访举报投诉类申请"],
    ["", "", "2.重复申请"],
    ["", "", "3.要求提供公开出版物"],
    ["", "", "4.无正当理由大量反复申请"],
    ["", "", "5.要求行政机关确认或重新出具已获取信息"],
    ["", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"],
    ["", "", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"],
    ["", "", "3.其他"],
    ["", "（七）总计"],
    ["四、结转下年度继续办理"],
]
ROW_KEYS_2021 = [k.key for k in K.application_rows("2021")]


def text_table(rows: list[list[str]], page: int | None = None) -> Table:
    """Seed-style grid: every cell 1x1, rows may be ragged."""
    cells = [Cell(t, r, c, page=page) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Table(cells, page=page, method="text")


def row_values(i: int) -> list[str]:
    """Distinct, recognisable numbers per row: row i, applicant j -> i*10+j (total = sum)."""
    nums = [i * 10 + j for j in range(6)]
    return [str(n) for n in nums] + [str(sum(nums))]


def table2_2021() -> list[list[str]]:
    return [
        ["第二十条第（一）项"], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "5"], ["行政规范性文件", "12", "3", "110"],
        ["第二十条第（五）项"], ["信息内容", "本年处理决定数量"], ["行政许可", "1,234"],
        ["第二十条第（六）项"], ["信息内容", "本年处理决定数量"], ["行政处罚", "1758"], ["行政强制", "3"],
        ["第二十条第（八）项"], ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "24252.311082"],
    ]


def table3(rows=T3_2021) -> list[list[str]]:
    head = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
            ["", "自然人", "法人或其他组织", "总计"], ["", "", *SEVEN[1:6], ""]]
    return head + [labels + row_values(i) for i, labels in enumerate(rows)]


def table4(values=None) -> list[list[str]]:
    values = values or ["1", "0", "2", "0", "3", "12", "0", "0", "0", "12", "0", "0", "0", "0", "0"]
    return [["行政复议", "行政诉讼"],
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
            ["", "", "", "", "", *(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)],
            values]


def narrative(title=TITLE) -> list:
    return [Paragraph(title, 1), Paragraph("本报告所列数据统计期限为2024年1月1日至2024年12月31日。", 1),
            Paragraph("1、 总体情况", 1), Paragraph("（一）组织领导", 1), Paragraph("街道高度重视。", 1)]


def report_2021(t3_rows=T3_2021, extra_t3=None) -> Document:
    blocks = narrative() + [Paragraph("2、 主动公开政府信息情况", 2), text_table(table2_2021(), 2),
                            Paragraph("3、 收到和处理政府信息公开申请情况", 2), text_table(table3(t3_rows), 3)]
    if extra_t3:
        blocks.append(extra_t3)
    blocks += [Paragraph("四、政府信息公开行政复议、行政诉讼情况", 4), text_table(table4(), 4),
               Paragraph("五、存在的主要问题及改进情况", 4), Paragraph("一是工作理念有待转变。", 4),
               Paragraph("六、其他需要报告的事项", 5), Paragraph("无收取信息处理费情况。", 5)]
    return Document("mem://report", "txt", "ab" * 32, blocks, title=None)


def test_full_2021_report():
    r = normalise(report_2021())
    assert (r.template, r.status, r.agency, r.year) == ("2021", "ok", "北京市西城区什刹海街道", 2024)
    assert r.title == TITLE
    assert len(r.values) == sum(len(c) for c in K.expected_cells("2021").values())
    for i, key in enumerate(ROW_KEYS_2021):
        got = [r.num("applications", key, a.key) for a in K.APPLICANTS]
        assert got == [int(x) for x in row_values(i)], key
    assert r.num("applications", "withheld_prohibited_by_law", "natural_person") == 50  # typo label
    assert r.get("applications", "withheld_prohibited_by_law", "total").label.endswith("2.其他法律行政止公开")
    assert r.num("active_disclosure", "licensing", "decisions") == 1234
    assert r.num("active_disclosure", "fees", "amount_10k_yuan") == 24252.311082
    assert [r.num("reviews_litigation", "litigation_direct", o.key) for o in K.OUTCOMES] == [12, 0, 0, 0, 12]
    assert r.get("reviews_litigation", "review", "total").page == 4


def test_sections_not_fooled_by_table_labels_or_subheadings():
    doc = report_2021()
    # a reader that leaks table-internal labels as paragraphs (PDF text) must not open sections
    doc.blocks[6:6] = [Paragraph("一、本年新收政府信息公开申请数量", 2), Paragraph("四、结转下年度继续办理", 2),
                       Paragraph("2.围绕重点领域加大主动公开力度", 2)]
    r = normalise(doc)
    assert [s.number for s in r.sections] == [1, 2, 3, 4, 5, 6]
    assert r.sections[0].title == "1、 总体情况"
    assert "（一）组织领导" in r.section(1).text
    assert r.section(5).text == "一是工作理念有待转变。"
    assert "无收取信息处理费" in r.section(6).text
    assert "街道高度重视。" in r.text


def test_html_style_spans_and_misaligned_header():
    """Merged group cells (rowspan), a header 自然人 colspan=2 and a data cell colspan=2 (pingtan-2021)."""
    cells = [Cell("申请人情况", 0, 3, colspan=8), Cell("自然人", 1, 3, colspan=2), Cell("", 1, 5),
             Cell("商业企业", 1, 6)]
    r0 = 2
    cells += [Cell("三、本年度办理结果", r0, 0, rowspan=3), Cell("（六）其他处理", r0, 1, rowspan=3)]
    for i, label in enumerate(["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                               "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]):
        cells.append(Cell(label, r0 + i, 2))
        cells += [Cell("7", r0 + i, 3), Cell(str(i), r0 + i, 4, colspan=2)]  # 商业企业 spans 2 grid cols
        cells += [Cell("0", r0 + i, 6 + k) for k in range(4)] + [Cell("\u00a0", r0 + i, 10)]
    doc = Document("mem://x.html", "html", "cd" * 32, narrative() + [Table(cells)])
    doc.blocks.append(text_table([["本年制发件数"]]))
    r = normalise(doc)
    assert [r.num("applications", "other_overdue_fee", a.key) for a in K.APPLICANTS] == [7, 1, 0, 0, 0, 0, None]
    assert r.get("applications", "other_reasons", "total").raw == "\u00a0"
    assert r.num("applications", "other_reasons", "commercial") == 2
    assert r.status == "partial"


def test_mixed_template_single_other_row():
    rows = [r for r in T3_2021 if "逾期" not in r[-1] and r[-1] != "3.其他"]
    rows.insert(20, ["", "（六）其他处理"])
    r = normalise(report_2021(rows))
    assert r.template == "2021" and r.status == "ok"
    assert r.num("applications", "other_handling", "natural_person") == 200
    for key in ("other_overdue_correction", "other_overdue_fee", "other_reasons"):
        v = r.get("applications", key, "total")
        assert v is not None and v.value is None and v.raw is None
    assert any(f.rule == "template_deviation" for f in r.findings)


def test_missing_rows_make_a_partial_report_with_null_values():
    rows = [r for r in T3_2021 if "国家秘密" not in r[-1]]
    r = normalise(report_2021(rows))
    assert r.status == "partial"
    v = r.get("applications", "withheld_state_secret", "natural_person")
    assert v is not None and (v.value, v.raw) == (None, None)
    assert r.num("applications", "withheld_prohibited_by_law", "natural_person") is not None
    assert any(f.rule == "missing_cells" for f in r.findings)


def test_table_in_two_pieces_and_broken_labels():
    """A PDF table split over a page break, with a label broken over two lines."""
    t3 = table3()
    first, second = t3[:15], t3[15:]
    second[0] = ["", "（四）无"]  # group label broken over the page break, no values
    second.insert(1, ["", "法提供", "2.没有现成信息需要另行制作"] + row_values(11))
    doc = report_2021()
    i = next(k for k, b in enumerate(doc.blocks) if isinstance(b, Table) and "勾稽" in b.cells[0].text)
    doc.blocks[i:i + 1] = [text_table(first, 3), Paragraph("（续表）", 4), text_table(second, 4)]
    r = normalise(doc)
    assert r.num("applications", "unavailable_needs_creation", "natural_person") == 110
    assert r.num("applications", "carried_forward", "total") == sum(240 + j for j in range(6))


def test_trailing_blank_row_after_table4_is_ignored():
    doc = report_2021()
    doc.blocks.insert(-4, text_table([["\u00a0"] * 15]))
    r = normalise(doc)
    assert r.num("reviews_litigation", "review", "total") == 3


def test_2019_template_signed_and_money():
    t2 = [["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "0", "0", "7"],
          ["规范性文件", "77", "77", "166"],
          ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], ["行政许可", "396", "0", "181"],
          ["其他对外管理服务事项", "10", "0", "153"], ["行政处罚", "2648", "-18", "430"], ["行政强制", "126", "+2", "25"],
          ["信息内容", "上一年项目数量", "本年增/减"], ["行政事业性收费", "35", "0"],
          ["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购", "135", "75394432.52元"]]
    rows = [r for r in T3_2021 if "逾期" not in r[-1] and r[-1] != "3.其他"]
    rows.insert(20, ["", "（六）其他处理"])
    blocks = narrative("2019年上海市人民政府办公厅政府信息公开工作年度报告") + [
        text_table(t2), text_table(table3(rows)), text_table(table4())]
    r = normalise(Document("mem://y", "html", "ef" * 32, blocks))
    assert (r.template, r.status, r.agency, r.year) == ("2019", "ok", "上海市人民政府办公厅", 2019)
    assert r.num("active_disclosure", "penalty", "change") == -18
    assert r.num("active_disclosure", "coercion", "change") == 2
    amount = r.get("active_disclosure", "procurement", "amount")
    assert (amount.value, amount.unit, amount.raw) == (75394432.52, "元", "75394432.52元")
    assert r.get("applications", "other_reasons", "total") is None  # not a 2019 cell


def test_policy_notice_is_not_a_report():
    doc = Document("mem://n", "html", "00" * 32, [
        Paragraph("关于做好2024年政府信息公开工作年度报告编制发布工作的通知"),
        Paragraph("各区政府、市政府各委、办、局：现将有关事项通知如下。")],
        title="关于做好2024年政府信息公开工作年度报告编制发布工作的通知")
    with pytest.raises(NotAReport, match="not a 政府信息公开工作年度报告"):
        normalise(doc)


def test_format_notice_with_template_tables_is_not_a_report():
    doc = report_2021()
    doc.title = "国务院办公厅政府信息与政务公开办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知"
    with pytest.raises(NotAReport):
        normalise(doc)


def test_unrelated_document_is_not_a_report():
    doc = Document("mem://z", "txt", "11" * 32, [Paragraph("今日天气晴。"), Paragraph("明天有雨。")])
    with pytest.raises(NotAReport):
        normalise(doc)


def test_report_without_tables_is_unknown_and_failed():
    doc = Document("mem://u", "txt", "22" * 32, narrative())
    r = normalise(doc)
    assert (r.template, r.status, r.agency) == ("unknown", "failed", "北京市西城区什刹海街道")


def test_pre2019_statistics_table():
    t = text_table([["指标名称", "计量单位", "2016年度", "历年累计"], ["主动公开文件数", "条", "3460", "85376"]])
    doc = Document("mem://p", "html", "33" * 32,
                   [Paragraph("平潭综合实验区2016年度政府信息公开工作年度报告"), Paragraph("一、概述"),
                    Paragraph("2016年全区依申请公开0件。"), t])
    r = normalise(doc)
    assert (r.template, r.year, r.agency, r.values) == ("pre2019", 2016, "平潭综合实验区", [])
    assert r.section(1).text == "2016年全区依申请公开0件。"


def test_flat_text_uses_the_glued_solver(monkeypatch):
    calls = []

    def solve(text, template):
        calls.append(template)
        return [Value("applications", "received_new", "total", 70, "70", method="split-solved")], [
            Finding("glued_digits_ambiguous", "warning", "stub", {})]

    monkeypatch.setitem(sys.modules, "extractors.glued", types.SimpleNamespace(solve_flat_tables=solve))
    text = ("平潭综合实验区2021年度政府信息公开工作年度报告。一、总体情况 略。二、主动公开政府信息情况 本年制发件数"
            "规章000。三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量6910000070")
    r = normalise(Document("mem://f", "txt", "44" * 32, [Paragraph(text)]))
    assert calls == ["2021"] and r.template == "2021"
    assert r.num("applications", "received_new", "total") == 70
    assert r.status == "partial" and any(f.rule == "glued_digits_ambiguous" for f in r.findings)
    assert [s.number for s in r.sections] == [1, 2, 3]


def test_broken_flat_solver_does_not_lose_the_report(monkeypatch):
    def solve(text, template):
        raise RuntimeError("boom")

    monkeypatch.setitem(sys.modules, "extractors.glued", types.SimpleNamespace(solve_flat_tables=solve))
    text = "平潭综合实验区2021年度政府信息公开工作年度报告 本年制发件数 一、本年新收政府信息公开申请数量6910"
    r = normalise(Document("mem://f", "txt", "55" * 32, [Paragraph(text)]))
    assert r.status == "failed" and any(f.rule == "flat_solver_error" for f in r.findings)


def test_portal_title_suffix_does_not_make_a_notice():
    doc = report_2021()
    doc.title = "什刹海街道2024年政府信息公开工作年度报告_通知公告_北京市西城区人民政府"
    r = normalise(doc)
    assert r.template == "2021" and r.agency == "什刹海街道"


def test_narrative_table_before_table2_is_not_table2():
    doc = report_2021()
    doc.blocks.insert(3, text_table([["事项", "数量"], ["行政处罚", "99999"], ["予以公开", "77"]]))
    r = normalise(doc)
    assert r.num("active_disclosure", "penalty", "decisions") == 1758
    assert r.num("applications", "disclosed", "natural_person") == 20


def test_digits_split_by_spaces_are_left_blank_and_flagged():
    doc = report_2021()
    t = next(b for b in doc.blocks if isinstance(b, Table) and "勾稽" in b.cells[0].text)
    cell = next(c for c in t.cells if c.text == "20")  # （一）予以公开, 自然人
    cell.text = "2 0"
    r = normalise(doc)
    v = r.get("applications", "disclosed", "natural_person")
    assert (v.value, v.raw) == (None, "2 0") and r.status == "partial"
    assert any(f.rule == "ambiguous_cell" for f in r.findings)


def test_table3_without_telling_labels_falls_back_on_the_year():
    rows = [r for r in T3_2021 if "逾期" not in r[-1] and r[-1] != "3.其他"]
    rows.insert(20, ["", "（六）其他处理"])
    doc = Document("mem://t", "html", "66" * 32, narrative() + [text_table(table3(rows)), text_table(table4())])
    r = normalise(doc)
    assert r.template == "2021" and r.status == "partial"  # 表二 missing
    assert r.num("applications", "other_handling", "natural_person") == 200


def test_money_unit_from_header():
    r = normalise(report_2021())
    fee = r.get("active_disclosure", "fees", "amount_10k_yuan")
    assert (fee.value, fee.unit) == (24252.311082, "万元")
    assert r.get("active_disclosure", "penalty", "decisions").unit is None


def test_group_and_item_in_one_cell():
    rows = [list(r) for r in T3_2021]
    rows[4] = ["", "（三）不予公开 1.属于国家秘密"]
    rows[22] = ["", "（六）其他处理 3.其他"]
    r = normalise(report_2021(rows))
    assert r.status == "ok"
    assert r.num("applications", "withheld_state_secret", "natural_person") == 40
    assert r.num("applications", "other_reasons", "natural_person") == 220


def test_subtotal_column_for_organisations_is_dropped():
    t3 = table3()
    t3[1] = ["", "自然人", "法人或其他组织", "总计"]
    t3[2] = ["", "", "小计", *SEVEN[1:6], ""]
    for row in t3[3:]:
        k = next(i for i, c in enumerate(row) if c.isdigit())
        row.insert(k + 1, str(sum(int(x) for x in row[k + 1:k + 6])))
    doc = report_2021()
    i = next(k for k, b in enumerate(doc.blocks) if isinstance(b, Table) and "勾稽" in b.cells[0].text)
    doc.blocks[i] = text_table(t3, 3)
    r = normalise(doc)
    assert [r.num("applications", "disclosed", a.key) for a in K.APPLICANTS] == [int(x) for x in row_values(2)]


def test_item_label_with_unit_suffix():
    doc = report_2021()
    t = next(b for b in doc.blocks if isinstance(b, Table))
    next(c for c in t.cells if c.text == "规章").text = "规章（件）"
    assert normalise(doc).num("active_disclosure", "regulations", "in_force") == 5


def test_flat_solver_fills_only_rows_the_grids_missed(monkeypatch):
    def solve(text, template):
        return [Value("applications", "received_new", "total", 70, "70", method="split-solved"),
                Value("active_disclosure", "penalty", "decisions", 1, "1", method="text")], []

    monkeypatch.setitem(sys.modules, "extractors.glued", types.SimpleNamespace(solve_flat_tables=solve))
    doc = report_2021()
    i = next(k for k, b in enumerate(doc.blocks) if isinstance(b, Table) and "勾稽" in b.cells[0].text)
    doc.blocks[i] = Paragraph("一、本年新收政府信息公开申请数量 1 2 3 4 5 6 70", 3)  # PDF table not detected
    r = normalise(doc)
    assert r.num("applications", "received_new", "total") == 70
    assert r.get("applications", "received_new", "total").method == "split-solved"
    assert r.num("active_disclosure", "penalty", "decisions") == 1758  # the grid wins
    assert r.status == "partial"


def test_agency_before_guanyu_and_prose_marker_is_no_template():
    doc = Document("mem://g", "txt", "77" * 32, [
        Paragraph("青岚市人民政府办公室关于2020年政府信息公开工作年度报告"),
        Paragraph("一、总体情况"), Paragraph("全年依申请公开3件，政府集中采购信息按时公开。")])
    r = normalise(doc)
    assert (r.agency, r.year, r.template) == ("青岚市人民政府办公室", 2020, "pre2019")


@pytest.mark.parametrize("seed", range(8))
def test_label_noise_whitespace_and_punctuation_width(seed):
    """Labels broken over lines, spaced out, with full/half-width punctuation still match."""
    import random

    rng = random.Random(seed)
    swaps = {"（": "(", "）": ")", ".": rng.choice(["．", "、", ". "]), "、": rng.choice([",", "，", " "])}

    def noisy(label: str) -> str:
        if not label:
            return label
        chars = [swaps.get(ch, ch) if rng.random() < 0.7 else ch for ch in label]
        for _ in range(rng.randint(0, 3)):
            chars.insert(rng.randrange(1, len(chars) + 1), rng.choice([" ", "\n", "\u3000", "\u00a0"]))
        return "".join(chars)

    rows = [[noisy(t) for t in r] for r in T3_2021]
    r = normalise(report_2021(rows))
    assert r.status == "ok", [f.message for f in r.findings]
    for i, key in enumerate(ROW_KEYS_2021):
        assert r.num("applications", key, "total") == int(row_values(i)[-1]), (key, rows[i])
