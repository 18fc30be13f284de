"""Fuzzy label aliases, as data: how real (imperfect) reports print the template's labels.

The canonical keys and the template wording live in ``schemas/keys.py``. Here is what the
normaliser matches against. Every keyword is compared with a *normalised* label: NFKC-folded,
whitespace and punctuation (、.．，（）“”…) removed, so "（三）不予公开" reads "三不予公开",
"2.其他法律行政法规禁止公开" reads "2其他法律行政法规禁止公开" and "三、本年度办 理结果" reads
"三本年度办理结果". Keywords are chosen to be distinctive within their table, and short enough to
survive typos elsewhere in the label (e.g. "2.其他法律行政止公开" still contains "其他法律行政").
When no keyword hits, the normaliser falls back to a similarity ratio against the template label.
"""
from __future__ import annotations

# ---- Table 三: row keywords (any keyword contained in the normalised LEAF label matches) --------
# Order matters: the first key whose keyword matches wins, so more specific keys come first.
APPLICATION_ROW_KEYWORDS: dict[str, tuple[str, ...]] = {
    "received_new": ("本年新收", "新收政府信息公开申请", "本年收到"),
    "carried_over": ("上年结转", "上一年结转", "上年度结转"),
    "carried_forward": ("结转下年", "结转至下年", "转下年度"),
    "partially_disclosed": ("部分公开",),
    "disclosed": ("予以公开",),
    "withheld_state_secret": ("国家秘密",),
    "withheld_prohibited_by_law": ("法律行政法规禁止", "其他法律行政", "法规禁止公开"),
    "withheld_security_stability": ("三安全一稳定", "三安全", "一稳定"),
    "withheld_third_party": ("第三方合法权益", "保护第三方"),
    "withheld_internal_affairs": ("内部事务",),
    "withheld_process_info": ("过程性信息", "四类过程"),
    "withheld_enforcement_files": ("执法案卷",),
    "withheld_admin_query": ("行政查询",),
    "unavailable_not_held": ("不掌握",),
    "unavailable_needs_creation": ("另行制作", "没有现成"),
    "unavailable_unclear": ("仍不明确", "补正后申请"),
    "rejected_complaint": ("信访举报", "举报投诉", "信访"),
    "rejected_confirmation": ("重新出具", "确认或重新", "已获取信息"),
    "rejected_mass_repetitive": ("大量反复", "无正当理由大量"),
    "rejected_duplicate": ("重复申请",),
    "rejected_publication": ("公开出版物", "出版物"),
    "other_overdue_correction": ("逾期不补正", "不补正"),
    "other_overdue_fee": ("缴纳费用", "收费通知"),
    "handled_total": ("七总计", "七合计"),
    # "other_handling" and "other_reasons" are decided with the group context, see below.
}

# Group labels of table 三 (the (三)…(六) cells, often merged with rowspan).
APPLICATION_GROUP_KEYWORDS: dict[str, tuple[str, ...]] = {
    "result": ("本年度办理结果", "办理结果"),
    "withheld": ("不予公开",),
    "unavailable": ("无法提供",),
    "rejected": ("不予处理",),
    "other": ("其他处理",),
}
# Leaf labels that mean "3.其他" (only inside the （六）其他处理 group).
OTHER_REASONS_LEAVES = ("3其他", "其他", "3其它", "其它", "其他情形")
# Leaf label of the single 2019-style row （六）其他处理.
OTHER_HANDLING_LEAVES = ("六其他处理", "其他处理")
# Group-subtotal leaves (printed by some reports with numbers); never a canonical row.
GROUP_SUBTOTAL_LEAVES = ("三不予公开", "不予公开", "四无法提供", "无法提供", "五不予处理", "不予处理",
                         "三本年度办理结果", "本年度办理结果")

# ---- Table 二: item aliases (normalised leaf must EQUAL one of them, or be very similar) ------------
ACTIVE_ITEM_ALIASES: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",),
    "normative_documents": ("行政规范性文件", "规范性文件"),
    "licensing": ("行政许可",),
    "other_services": ("其他对外管理服务事项", "对外管理服务事项"),
    "penalty": ("行政处罚",),
    "coercion": ("行政强制",),
    "fees": ("行政事业性收费",),
    "procurement": ("政府集中采购",),
}

# ---- Header words that open a table's region (a row counts for a table only after them) -----------
ACTIVE_HEADER_KEYWORDS = ("信息内容", "第二十条", "本年制发件数", "本年新制作数量", "处理决定数量",
                          "上一年项目数量", "本年收费金额", "采购项目数量", "主动公开政府信息情况")
APPLICATIONS_HEADER_KEYWORDS = ("申请人情况", "自然人", "勾稽", "本年新收", "法人或其他组织", "上年结转")

# A 表三 header printing a subtotal column for 法人或其他组织 (not in the template; dropped).
SUBTOTAL_HEADER_KEYWORDS = ("小计",)
# Unit words some reports append to a table 二 item label ("规章（件）").
LABEL_UNIT_SUFFIXES = ("件", "个", "项", "条", "万元", "元", "数")

# ---- Table 四 header words (tell a 表四 region; the data row itself has no label) --------------------
REVIEW_HEADER_KEYWORDS = ("行政复议", "行政诉讼", "结果维持", "未经复议直接起诉", "复议后起诉")
N_REVIEW_CELLS = 15

# ---- Template markers (normalised cell / text content) ------------------------------------------------
TEMPLATE_MARKERS: dict[str, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "逾期不补正", "逾期未按收费通知",
             "本年收费金额"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "政府集中采购",
             "采购总金额"),
    "pre2019": ("指标名称", "计量单位", "历年累计", "同意公开答复数", "同意部分公开答复数",
                "受理依申请公开信息总数", "对申请的答复总数", "否决公开答复"),
}
# Labels of table 三 that exist in both 2019 and 2021 (a table 三 is present).
APPLICATIONS_PRESENT_MARKERS = ("本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量")
# Narrative words of a report (used when no table marker decides).
REPORT_TEXT_MARKERS = ("依申请公开", "主动公开", "政府信息公开")

# ---- Title / classification -------------------------------------------------------------------------
REPORT_TITLE_WORDS = ("政府信息公开工作年度报告", "政府信息公开年度报告", "信息公开工作年度报告",
                      "政务公开工作年度报告", "政府信息公开工作年报")
# A title with one of these is a notice ABOUT reports (e.g. 关于印发…年度报告格式的通知), not a report.
NOTICE_TITLE_WORDS = ("通知", "印发", "年度报告格式", "办法", "意见", "规定", "批复", "函")

# ---- Section headings (一…六), keyword per number; the numeral must agree with the keyword's number --
SECTION_KEYWORDS: dict[int, tuple[str, ...]] = {
    1: ("总体情况", "基本情况", "概述", "总体", "工作情况"),
    2: ("主动公开",),
    3: ("收到和处理", "依申请", "申请情况", "处理政府信息公开申请"),
    4: ("复议", "诉讼"),
    5: ("存在的主要问题", "主要问题", "问题", "改进"),
    6: ("其他需要报告", "其他事项", "其他"),
}
# Old (2007 条例 第三十二条) layout, best effort for pre-2019 reports.
SECTION_KEYWORDS_PRE2019: dict[int, tuple[str, ...]] = {
    1: ("概述", "总体", "基本情况", "主动公开"),
    2: ("主动公开", "依申请", "回应"),
    3: ("依申请", "收费", "减免", "申请"),
    4: ("复议", "诉讼", "收费", "减免"),
    5: ("问题", "改进", "复议", "诉讼", "机构", "保障"),
    6: ("其他", "问题", "改进"),
    7: ("其他", "问题", "改进", "附"),
}
SECTION_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
