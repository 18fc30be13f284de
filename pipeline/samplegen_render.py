"""Narrative text, table layouts and HTML for the synthetic reports of ``pipeline.samplegen``.

The three tables are described once, format-neutrally, as rows of ``LayoutCell`` (text, rowspan,
colspan) exactly as the official template merges them (FORMAT.md §1.3–1.5, §2.2–2.4); the HTML
and DOCX renderers only draw that description.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass

from schemas import keys

CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
SECTION_TITLES = (
    "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
)
_WE = {"district": "我区", "county": "我县", "bureau": "我局", "street": "我街道"}
_RESULTS_LABEL = "三、本年度办理结果"


@dataclass
class LayoutCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


# ---- printed values ------------------------------------------------------------------------
def cell_text(value, unit: str | None = None) -> str:
    if value is None:
        return "/"
    if isinstance(value, float) and not value.is_integer():
        text = repr(value)
    else:
        text = str(int(value))
    return text + (unit or "")


# ---- tables --------------------------------------------------------------------------------
def active_layout(spec: dict) -> list[list[LayoutCell]]:
    tpl = keys.ACTIVE_BY_TEMPLATE[spec["template"]]
    values = spec["active_disclosure"]
    units = spec.get("units", {})
    rows: list[list[LayoutCell]] = []
    article = None
    for item in tpl.items:
        if item.article != article:
            article = item.article
            rows.append([LayoutCell(f"第二十条第{article}项", colspan=4, header=True)])
            head = [LayoutCell("信息内容", header=True)]
            for i, m in enumerate(item.measures):  # the last measure takes the remaining columns
                span = 3 - len(item.measures) + 1 if i == len(item.measures) - 1 else 1
                head.append(LayoutCell(m.label, colspan=span, header=True))
            rows.append(head)
        row = [LayoutCell(item.label)]
        for i, m in enumerate(item.measures):
            span = 3 - len(item.measures) + 1 if i == len(item.measures) - 1 else 1
            unit = units.get(item.key, {}).get(m.key)
            row.append(LayoutCell(cell_text(values[item.key][m.key], unit), colspan=span))
        rows.append(row)
    return rows


def applications_layout(spec: dict) -> list[list[LayoutCell]]:
    template, apps = spec["template"], spec["applications"]
    orgs = [a for a in keys.APPLICANTS if a.group == "法人或其他组织"]
    rows = [
        [LayoutCell(CORNER, rowspan=3, colspan=3, header=True), LayoutCell("申请人情况", colspan=7, header=True)],
        [LayoutCell("自然人", rowspan=2, header=True), LayoutCell("法人或其他组织", colspan=5, header=True),
         LayoutCell("总计", rowspan=2, header=True)],
        [LayoutCell(a.label, header=True) for a in orgs],
    ]
    row_keys = keys.application_rows(template)
    keys_only = [r.key for r in row_keys]
    first, last = keys_only.index("disclosed"), keys_only.index("handled_total")
    group_sizes: dict[str, int] = {}
    for r in row_keys:
        if r.group and r.group != _RESULTS_LABEL:
            group_sizes[r.group] = group_sizes.get(r.group, 0) + 1
    seen_groups: set[str] = set()
    for i, r in enumerate(row_keys):
        label_cells: list[LayoutCell] = []
        if i == first:
            label_cells.append(LayoutCell(_RESULTS_LABEL, rowspan=last - first + 1))
        if not first <= i <= last:
            label_cells.append(LayoutCell(r.label, colspan=3))
        elif r.group in group_sizes:
            if r.group not in seen_groups:
                seen_groups.add(r.group)
                label_cells.append(LayoutCell(r.group, rowspan=group_sizes[r.group]))
            label_cells.append(LayoutCell(r.label))
        else:
            label_cells.append(LayoutCell(r.label, colspan=2))
        values = [LayoutCell(cell_text(apps[r.key][a.key])) for a in keys.APPLICANTS]
        rows.append(label_cells + values)
    return rows


def reviews_layout(spec: dict) -> list[list[LayoutCell]]:
    outcomes = [o.label for o in keys.OUTCOMES]
    rows = [
        [LayoutCell("行政复议", colspan=5, header=True), LayoutCell("行政诉讼", colspan=10, header=True)],
        [LayoutCell(o, rowspan=2, header=True) for o in outcomes]
        + [LayoutCell("未经复议直接起诉", colspan=5, header=True), LayoutCell("复议后起诉", colspan=5, header=True)],
        [LayoutCell(o, header=True) for o in outcomes] * 2,
        [LayoutCell(cell_text(spec["reviews_litigation"][p.key][o.key])) for p in keys.PROCEEDINGS
         for o in keys.OUTCOMES],
    ]
    return rows


def grid_positions(rows: list[list[LayoutCell]]) -> tuple[list[tuple[int, int, LayoutCell]], int, int]:
    """(row, col, cell) of every cell, placed as HTML places rowspan/colspan; and the grid size."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    n_rows = max(r for r, _ in taken) + 1
    n_cols = max(c for _, c in taken) + 1
    return out, n_rows, n_cols


# ---- narrative -----------------------------------------------------------------------------
def _pct(part: int, whole: int) -> int:
    return int(100 * part / whole + 0.5) if whole else 0


def answer_facts(spec: dict) -> dict:
    """The numbers and sentences the narrative prints about table 三 and the staff."""
    apps, d, n = spec["applications"], spec["defects"], spec["narrative"]
    year, we = spec["year"], _WE[spec["kind"]]
    received, old = apps["received_new"]["total"], apps["carried_over"]["total"]
    handled, pending = apps["handled_total"]["total"], apps["carried_forward"]["total"]
    rows = keys.result_rows(spec["template"])
    groups = (
        ("“予以公开”或“部分公开”", ("disclosed", "partially_disclosed")),
        ("“不予公开”", tuple(r for r in rows if r.startswith("withheld_"))),
        ("“无法提供”", tuple(r for r in rows if r.startswith("unavailable_"))),
        ("“不予处理”", tuple(r for r in rows if r.startswith("rejected_"))),
        ("“其他处理”", tuple(r for r in rows if r.startswith("other_"))),
    )
    every = [(label, sum(apps[r]["total"] for r in rs)) for label, rs in groups]
    parts = [(label, v) for label, v in every if v]
    # A one-item "其中" list claims no completeness; list at least two (zeros are printed too).
    parts += [(label, v) for label, v in every if not v][: max(0, 2 - len(parts))]
    parts.sort(key=lambda lv: [label for label, _ in every].index(lv[0]))
    listed = sum(v for _, v in parts)
    claimed = listed
    if "text_category_sum" in d:
        claimed = received + old
        if claimed == listed:  # only when another planted defect closed the gap; keep it a defect
            claimed += 1
    pcts = [_pct(v, claimed) for _, v in parts]
    staff, full = n["staff_total"], n["staff_fulltime"]
    facts = {
        "received": received, "carried_over": old, "handled": handled, "carried_forward": pending,
        "claimed": claimed, "listed": listed, "parts": parts, "pcts": pcts, "pct_sum": sum(pcts),
        "breakdown_expr": " + ".join(f"{label}{v}项({p}%)" for (label, v), p in zip(parts, pcts)) or "0",
        "answered_quote": f"{year}年信息公开申请的{received + old}件事项，已按照规定在期限内答复",
        "received_quote": f"{year}年，{we}共收到政府信息公开申请{n.get('received_claim', received)}件",
        "staff_quote": (f"从事政府信息公开工作人员{staff}名，其中，专职人员数{full}人；兼职人员数{staff - full}人"),
        "staff_claim_quote": f"设专职人员{n.get('staff_claimed_fulltime', full)}名负责维护信息公开网站建设",
    }
    return facts


def _applications_paragraphs(spec: dict, facts: dict) -> list[tuple[str, str]]:
    apps, d, year, we = spec["applications"], spec["defects"], spec["year"], _WE[spec["kind"]]
    reviews = spec["reviews_litigation"]
    # The text quotes the printed 总计 cells, so a planted 表四 defect stays a table-only defect.
    n_review = reviews["review"]["total"]
    n_lit = reviews["litigation_direct"]["total"] + reviews["litigation_after_review"]["total"]
    orgs = apps["received_new"]["total"] - apps["received_new"]["natural_person"]
    pending = facts["carried_forward"]
    pending_text = f"结转下年度继续办理{pending}件" if pending else "无结转下年度办理的申请"
    out: list[tuple[str, str]] = []
    if {"text_vs_table_answered", "text_category_sum"} & set(d):
        # The seed's wording (shichahai-2024): application count, then an "answered" breakdown.
        out.append(("para", "1.申请情况"))
        out.append(("para", f"{facts['received_quote']}，上年结转{facts['carried_over']}件，申请内容主要涉及"
                            "城市建设、拆除违法建设的程序性文件及社区公共服务等方面。"))
        out.append(("para", "2.答复情况"))
        claimed = facts["claimed"]
        if "text_vs_table_answered" in d:
            out.append(("para", facts["answered_quote"] + "。"))
            out.append(("para", f"在已答复的{claimed}项申请中：申请内容明确，可以答复是否公开的共{claimed}项"
                                "（占总数的100%）。其中："))
        else:  # no "answered N" statement of its own: only the breakdown is wrong
            out.append(("para", f"全年办结{facts['handled']}件，{pending_text}。"))
            out.append(("para", f"申请内容明确，可以答复是否公开的共{claimed}项（占总数的100%）。其中："))
        for i, ((label, v), p) in enumerate(zip(facts["parts"], facts["pcts"])):
            end = "。" if i == len(facts["parts"]) - 1 else "；"
            out.append(("para", f"{label}{v}项，占总数的{p}%{end}"))
    else:
        if facts["received"] == 0 or "R5_row_total" in d:  # the R5 defect makes the split disagree
            who = ""
        elif orgs == 0:
            who = "，均为自然人提交"
        else:
            who = f"，其中自然人申请{apps['received_new']['natural_person']}件，法人或其他组织申请{orgs}件"
        out.append(("para", f"{facts['received_quote']}{who}；上年结转{facts['carried_over']}件。"
                            f"全年办结{facts['handled']}件，{pending_text}。"))
        rows = keys.result_rows(spec["template"])
        plain = [("予以公开", apps["disclosed"]["total"]), ("部分公开", apps["partially_disclosed"]["total"])] + [
            (label, sum(apps[r]["total"] for r in rows if r.startswith(prefix)))
            for label, prefix in (("不予公开", "withheld_"), ("无法提供", "unavailable_"),
                                  ("不予处理", "rejected_"), ("其他处理", "other_"))]
        listed = "，".join(f"{label}{v}件" for label, v in plain if v)
        # A planted R4 defect makes the result rows disagree with （七）总计; a breakdown sentence
        # would restate that as a second (text) defect, so the text leaves it out.
        if listed and "R4_result_rows_vs_handled_total" not in d:
            out.append(("para", f"办结的申请中，{listed}。"))
    out.append(("para", f"全年因政府信息公开工作被申请行政复议{n_review}件，提起行政诉讼{n_lit}件。"))
    return out


_PROBLEMS = (
    ("主动公开的深度和广度有待加强，部分栏目更新不够及时", "建立栏目更新提醒机制，定期检查栏目内容"),
    ("政策解读形式较为单一，图文、视频解读占比不高", "丰富解读形式，增加图解、视频等多样化解读产品"),
    ("依申请公开办理的规范化水平有待提升", "完善依申请公开登记、审核、答复全流程台账，加强法律审核"),
    ("工作人员业务能力参差不齐", "组织政府信息公开业务培训，提升工作人员的公开意识和业务水平"),
    ("各科室之间协同配合不够紧密", "加强内部沟通协作，明确信息公开工作分工和办理时限"),
)
_FEE_TEXTS = (
    "{year}年，{we}未收取信息处理费。",
    "{year}年度，{we}共发出收费通知0件，收取信息处理费0元。",
    "{year}年，{we}无收取信息处理费情况。",
)


def narrative(spec: dict) -> list[tuple[str, object]]:
    """The whole report as blocks: ("title"|"heading"|"subheading"|"para"|"sign", text) or ("table", rows)."""
    rng = random.Random(spec["narrative"]["seed"])
    n, year, we, agency = spec["narrative"], spec["year"], _WE[spec["kind"]], spec["agency"]
    facts = answer_facts(spec)
    active = spec["active_disclosure"]
    blocks: list[tuple[str, object]] = [("title", f"{agency}{year}{n['title_year_suffix']}政府信息公开工作年度报告")]
    blocks.append(("para", "本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条规定编制。"
                           "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开"
                           "行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的"
                           f"统计期限自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，请与{agency}"
                           "办公室联系。"))
    blocks.append(("heading", SECTION_TITLES[0]))
    blocks.append(("subheading", "（一）主动公开"))
    if spec["template"] == "2021":
        docs = active["normative_documents"]
        doc_text = (f"本年度制发行政规范性文件{docs['issued']}件，废止{docs['repealed']}件，"
                    f"现行有效行政规范性文件{docs['in_force']}件。")
    else:
        docs = active["normative_documents"]
        doc_text = f"本年度新制作规范性文件{docs['made']}件，新公开规范性文件{docs['published']}件。"
    blocks.append(("para", f"{year}年，{we}通过政府网站主动公开政府信息{n['published_items']}条。{doc_text}"
                           "重点做好财政预决算、行政执法、民生实事等领域信息公开。"))
    blocks.append(("subheading", "（二）依申请公开"))
    blocks.extend(_applications_paragraphs(spec, facts))
    blocks.append(("subheading", "（三）政府信息管理"))
    blocks.append(("para", "严格落实公开前审查机制，对拟公开的政府信息进行保密审查和合法性审查，"
                           "动态更新政府信息公开指南和主动公开目录。"))
    blocks.append(("subheading", "（四）政府信息公开平台建设"))
    blocks.append(("para", "持续优化政府网站信息公开专栏，规范栏目设置，及时更新法定主动公开内容，"
                           "充分发挥政务新媒体和政务服务大厅查阅点的作用。"))
    blocks.append(("subheading", "（五）监督保障"))
    staff = f"{we}政府信息公开工作专门机构数为1个，{facts['staff_quote']}，每月按时报送网站公开月报数据。"
    if "text_staff_contradiction" in spec["defects"]:
        staff += f"{facts['staff_claim_quote']}，及时更新网站重要栏目信息。"
    blocks.append(("para", staff + "将政府信息公开工作纳入年度绩效考核，本年度未发生责任追究情况。"))
    for i, layout in ((1, active_layout(spec)), (2, applications_layout(spec)), (3, reviews_layout(spec))):
        blocks.append(("heading", SECTION_TITLES[i]))
        blocks.append(("table", layout))
    blocks.append(("heading", SECTION_TITLES[4]))
    chosen = rng.sample(_PROBLEMS, 2)
    ordinals = ("一是", "二是")
    blocks.append(("para", f"{year}年，{we}政府信息公开工作取得了一定成效，但仍存在一些不足：" + "；".join(
        f"{o}{p}" for o, (p, _) in zip(ordinals, chosen)) + "。"))
    blocks.append(("para", "下一步，" + "；".join(f"{o}{fix}" for o, (_, fix) in zip(ordinals, chosen)) + "。"))
    blocks.append(("heading", SECTION_TITLES[5]))
    blocks.append(("para", rng.choice(_FEE_TEXTS).format(year=year, we=we)))
    y, m, d = n["publish_date"]
    blocks.append(("sign", agency))
    blocks.append(("sign", f"{y}年{m}月{d}日"))
    return blocks


# ---- HTML ----------------------------------------------------------------------------------
def _html_table(rows: list[list[LayoutCell]]) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse">']
    for row in rows:
        out.append("<tr>")
        for c in row:
            attrs = "".join(f' {k}="{v}"' for k, v in (("rowspan", c.rowspan), ("colspan", c.colspan)) if v > 1)
            text = "<br>".join(html.escape(t) for t in c.text.split("\n"))
            out.append(f'<td{attrs} align="center"><p>{text}</p></td>')
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_html(spec: dict) -> bytes:
    body = []
    title = ""
    for kind, payload in narrative(spec):
        if kind == "table":
            body.append(_html_table(payload))
            continue
        text = html.escape(str(payload))
        if kind == "title":
            title = text
            body.append(f'<h1 style="text-align:center">{text}</h1>')
        elif kind == "heading":
            body.append(f"<h2>{text}</h2>")
        elif kind == "subheading":
            body.append(f"<h3>{text}</h3>")
        elif kind == "sign":
            body.append(f'<p style="text-align:right">{text}</p>')
        else:
            body.append(f'<p style="text-indent:2em">{text}</p>')
    page = ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n</head>\n<body>\n<div class=\"article\">\n"
            + "\n".join(body) + "\n</div>\n</body>\n</html>\n")
    return page.encode("utf-8")
