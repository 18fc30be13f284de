"""Canonical row, column and item keys (the public contract of ../shared/spec/KEYS.md).

Declared once, as data. Every extractor, validator, writer and document reads them from here.
Labels are the template's own wording (FORMAT.md §1.3-1.5, §2.2-2.4); fuzzy aliases used for
matching real, imperfect reports live in ``schemas/labels.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TEMPLATES = ("2021", "2019", "pre2019", "unknown")
FORMATS = ("html", "pdf", "docx", "doc", "wps", "rtf", "txt")
STATUSES = ("ok", "partial", "failed")
SEVERITIES = ("error", "warning", "info")

# Dataset names (KEYS.md "Datasets").
TABLE_ACTIVE = "active_disclosure"  # table 二
TABLE_APPLICATIONS = "applications"  # table 三
TABLE_REVIEWS = "reviews_litigation"  # table 四


@dataclass(frozen=True)
class Key:
    key: str
    label: str  # the template's wording
    templates: tuple[str, ...] = ("2021", "2019")
    group: str | None = None  # the printed group label the row sits under, e.g. "（三）不予公开"
    notes: str = ""


# ---- Table 三: applications --------------------------------------------------------------
APPLICANTS: tuple[Key, ...] = (
    Key("natural_person", "自然人"),
    Key("commercial", "商业企业", group="法人或其他组织"),
    Key("research", "科研机构", group="法人或其他组织"),
    Key("social_welfare", "社会公益组织", group="法人或其他组织"),
    Key("legal_services", "法律服务机构", group="法人或其他组织"),
    Key("other_org", "其他", group="法人或其他组织"),
    Key("total", "总计"),
)

_W = "（三）不予公开"
_U = "（四）无法提供"
_R = "（五）不予处理"
_O = "（六）其他处理"
APPLICATION_ROWS: tuple[Key, ...] = (
    Key("received_new", "一、本年新收政府信息公开申请数量"),
    Key("carried_over", "二、上年结转政府信息公开申请数量"),
    Key("disclosed", "（一）予以公开", group="三、本年度办理结果"),
    Key("partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", group="三、本年度办理结果"),
    Key("withheld_state_secret", "1.属于国家秘密", group=_W),
    Key("withheld_prohibited_by_law", "2.其他法律行政法规禁止公开", group=_W),
    Key("withheld_security_stability", "3.危及“三安全一稳定”", group=_W),
    Key("withheld_third_party", "4.保护第三方合法权益", group=_W),
    Key("withheld_internal_affairs", "5.属于三类内部事务信息", group=_W),
    Key("withheld_process_info", "6.属于四类过程性信息", group=_W),
    Key("withheld_enforcement_files", "7.属于行政执法案卷", group=_W),
    Key("withheld_admin_query", "8.属于行政查询事项", group=_W),
    Key("unavailable_not_held", "1.本机关不掌握相关政府信息", group=_U),
    Key("unavailable_needs_creation", "2.没有现成信息需要另行制作", group=_U),
    Key("unavailable_unclear", "3.补正后申请内容仍不明确", group=_U),
    Key("rejected_complaint", "1.信访举报投诉类申请", group=_R),
    Key("rejected_duplicate", "2.重复申请", group=_R),
    Key("rejected_publication", "3.要求提供公开出版物", group=_R),
    Key("rejected_mass_repetitive", "4.无正当理由大量反复申请", group=_R),
    Key("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息", group=_R),
    Key("other_overdue_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ("2021",), group=_O),
    Key("other_overdue_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ("2021",), group=_O),
    Key("other_reasons", "3.其他", ("2021",), group=_O),
    Key("other_handling", "（六）其他处理", ("2019",), notes="single row of the 2019 template"),
    Key("handled_total", "（七）总计"),
    Key("carried_forward", "四、结转下年度继续办理"),
)

# Rows whose sum is （七）总计 (FORMAT.md §4.2 R4), per template.
RESULT_ROWS_2021: tuple[str, ...] = tuple(
    k.key for k in APPLICATION_ROWS[2:23]
)
RESULT_ROWS_2019: tuple[str, ...] = tuple(
    k.key for k in APPLICATION_ROWS[2:20]
) + ("other_handling",)

# ---- Table 四: reviews_litigation -------------------------------------------------------------
PROCEEDINGS: tuple[Key, ...] = (
    Key("review", "行政复议"),
    Key("litigation_direct", "未经复议直接起诉", group="行政诉讼"),
    Key("litigation_after_review", "复议后起诉", group="行政诉讼"),
)
OUTCOMES: tuple[Key, ...] = (
    Key("upheld", "结果维持"),
    Key("corrected", "结果纠正"),
    Key("other", "其他结果"),
    Key("pending", "尚未审结"),
    Key("total", "总计"),
)


# ---- Table 二: active_disclosure ---------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    key: str
    label: str
    measures: tuple[Key, ...]
    article: str  # 第二十条第（N）项
    kind: str = "count"  # count | signed | money


@dataclass(frozen=True)
class ActiveTemplate:
    template: str
    items: tuple[Item, ...] = field(default_factory=tuple)


_M21_DOCS = (Key("issued", "本年制发件数"), Key("repealed", "本年废止件数"), Key("in_force", "现行有效件数"))
_DEC21 = (Key("decisions", "本年处理决定数量"),)
ACTIVE_2021 = ActiveTemplate("2021", (
    Item("regulations", "规章", _M21_DOCS, "（一）"),
    Item("normative_documents", "行政规范性文件", _M21_DOCS, "（一）"),
    Item("licensing", "行政许可", _DEC21, "（五）"),
    Item("penalty", "行政处罚", _DEC21, "（六）"),
    Item("coercion", "行政强制", _DEC21, "（六）"),
    Item("fees", "行政事业性收费", (Key("amount_10k_yuan", "本年收费金额（单位：万元）"),), "（八）", kind="money"),
))

_M19_DOCS = (Key("made", "本年新制作数量"), Key("published", "本年新公开数量"), Key("total_published", "对外公开总数量"))
_M19_ITEMS = (Key("items_last_year", "上一年项目数量"), Key("change", "本年增/减"), Key("decisions", "处理决定数量"))
ACTIVE_2019 = ActiveTemplate("2019", (
    Item("regulations", "规章", _M19_DOCS, "（一）"),
    Item("normative_documents", "规范性文件", _M19_DOCS, "（一）"),
    Item("licensing", "行政许可", _M19_ITEMS, "（五）", kind="signed"),
    Item("other_services", "其他对外管理服务事项", _M19_ITEMS, "（五）", kind="signed"),
    Item("penalty", "行政处罚", _M19_ITEMS, "（六）", kind="signed"),
    Item("coercion", "行政强制", _M19_ITEMS, "（六）", kind="signed"),
    Item("fees", "行政事业性收费", _M19_ITEMS[:2], "（八）", kind="signed"),
    Item("procurement", "政府集中采购", (Key("projects", "采购项目数量"), Key("amount", "采购总金额")), "（九）",
         kind="money"),
))
ACTIVE_BY_TEMPLATE = {"2021": ACTIVE_2021, "2019": ACTIVE_2019}

# Measures whose value is signed (2019 本年增/减) or may have decimals (money).
SIGNED_MEASURES = frozenset({"change"})
MONEY_MEASURES = frozenset({"amount_10k_yuan", "amount"})


# ---- helpers ------------------------------------------------------------------------------------
def application_rows(template: str) -> tuple[Key, ...]:
    """Rows of table 三 for a template, in template order."""
    return tuple(k for k in APPLICATION_ROWS if template in k.templates)


def result_rows(template: str) -> tuple[str, ...]:
    return RESULT_ROWS_2019 if template == "2019" else RESULT_ROWS_2021


def active_cells(template: str) -> list[tuple[str, str]]:
    """(item, measure) pairs of table 二 in template order."""
    t = ACTIVE_BY_TEMPLATE.get(template)
    return [(i.key, m.key) for i in t.items for m in i.measures] if t else []


def application_cells(template: str) -> list[tuple[str, str]]:
    return [(r.key, a.key) for r in application_rows(template) for a in APPLICANTS]


def review_cells() -> list[tuple[str, str]]:
    return [(p.key, o.key) for p in PROCEEDINGS for o in OUTCOMES]


def expected_cells(template: str) -> dict[str, list[tuple[str, str]]]:
    """Every value cell a report of this template has, per dataset."""
    if template not in ("2021", "2019"):
        return {TABLE_ACTIVE: [], TABLE_APPLICATIONS: [], TABLE_REVIEWS: []}
    return {
        TABLE_ACTIVE: active_cells(template),
        TABLE_APPLICATIONS: application_cells(template),
        TABLE_REVIEWS: review_cells(),
    }
