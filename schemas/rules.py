"""Validation rules, declared as data (FORMAT.md §4).

A rule names a check function (registered in ``pipeline/validate.py``), the parameters it is
called with, the templates it applies to, and one ``Outcome`` (severity + message template)
per kind of result the check can report. The check never chooses a severity or writes a
message itself: it reports an outcome name and the fields the message needs. So the whole
policy ("what is an error, what is a warning, what does the reader see") lives here.

Severity policy: ``error`` = a broken accounting identity or a statement that contradicts the
tables or itself; ``warning`` = a soft check (plausibility, missing input, a failure that only
appears when blank cells are read as 0); ``info`` = a note (e.g. the text counts carried-over
applications as received).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from schemas.keys import SEVERITIES

TABLE_TEMPLATES = ("2021", "2019")
ANY_TEMPLATE = ("2021", "2019", "pre2019", "unknown")


@dataclass(frozen=True)
class Outcome:
    severity: str
    message: str  # str.format template over the fields the check reports

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")


@dataclass(frozen=True)
class Rule:
    id: str
    check: str  # name of a check function in pipeline.validate.CHECKS
    outcomes: Mapping[str, Outcome]
    params: Mapping[str, Any] = field(default_factory=dict)
    templates: tuple[str, ...] = TABLE_TEMPLATES
    doc: str = ""


_BLANKS = "（空白单元格按0计时才不成立，可能是漏读或未填）"

RULES: tuple[Rule, ...] = (
    # ---- table identities (FORMAT.md §4.1-4.2) ------------------------------------------
    Rule("R1_balance", "balance", {
        "fail": Outcome("error", "表三{col_label}列：一、本年新收{new} + 二、上年结转{carried_over} = {lhs}，"
                                 "但（七）总计{handled} + 四、结转下年度{carried_forward} = {rhs}"),
        "fail_blank": Outcome("warning", "表三{col_label}列：一+二 = {lhs}，（七）+四 = {rhs}" + _BLANKS),
    }, doc="一+二 = （七）+四 for every applicant column (the template's own 勾稽关系)."),
    Rule("R4_result_rows_vs_handled_total", "result_rows", {
        "fail": Outcome("error", "表三{col_label}列：办理结果各行之和 {terms} = {computed}，但（七）总计为{printed}"),
        "fail_blank": Outcome("warning", "表三{col_label}列：办理结果各行之和 {computed} ≠ （七）总计{printed}" + _BLANKS),
        "template_deviation": Outcome("info", "2021年格式的表三未分列（六）其他处理的三个子项，"
                                              "按单行（六）其他处理（{value}）计入总计"),
    }, doc="（七）总计 = Σ result rows per column; a 2021 report printing the single 2019 row uses it."),
    Rule("R5_row_total", "row_totals", {
        "fail": Outcome("error", "表三「{row_label}」行：各申请人列之和 {terms} = {computed}，但总计为{printed}"),
        "fail_blank": Outcome("warning", "表三「{row_label}」行：各申请人列之和 {computed} ≠ 总计{printed}" + _BLANKS),
    }, doc="row 总计 = sum of the six applicant columns; skipped when the 总计 cell is blank."),
    Rule("blank_row_totals", "blank_row_totals", {
        "blank": Outcome("warning", "表三总计列在{n}行留空，其中{m}行的申请人各列填有数字（{rows}），"
                                    "这些行无法按行核对总计"),
    }, doc="Rows whose 总计 is blank while applicant cells are filled (R5 cannot be checked)."),
    Rule("R6_review_total", "proceeding_total", {
        "fail": Outcome("error", "表四{proceeding_label}：{terms} = {computed}，但总计为{printed}"),
        "fail_blank": Outcome("warning", "表四{proceeding_label}：各项之和 {computed} ≠ 总计{printed}" + _BLANKS),
    }, params={"proceeding": "review"}),
    Rule("R6_litigation_direct_total", "proceeding_total", {
        "fail": Outcome("error", "表四{proceeding_label}：{terms} = {computed}，但总计为{printed}"),
        "fail_blank": Outcome("warning", "表四{proceeding_label}：各项之和 {computed} ≠ 总计{printed}" + _BLANKS),
    }, params={"proceeding": "litigation_direct"}),
    Rule("R6_litigation_after_review_total", "proceeding_total", {
        "fail": Outcome("error", "表四{proceeding_label}：{terms} = {computed}，但总计为{printed}"),
        "fail_blank": Outcome("warning", "表四{proceeding_label}：各项之和 {computed} ≠ 总计{printed}" + _BLANKS),
    }, params={"proceeding": "litigation_after_review"}),
    Rule("R8_value_types", "value_types", {
        "negative": Outcome("error", "{table_label}「{cell}」为负数 {raw}，该项只能是非负数"),
        "fraction": Outcome("error", "{table_label}「{cell}」为小数 {raw}，该项应为整数件数"),
    }, doc="T3/T4 and 2021 表二 counts: non-negative integers; 本年增/减 signed; money non-negative."),
    Rule("identity_inputs_missing", "key_cells_present", {
        "missing": Outcome("warning", "表三缺少核对所需的单元格：{cells}（空白或未读出），相关勾稽关系无法核对"),
    }),
    # ---- text against table (FORMAT.md §4.4) --------------------------------------------
    Rule("text_vs_table_received", "text_received", {
        "mismatch": Outcome("error", "文字称收到/受理申请{claimed}件，但表三一、本年新收总计为{new}"
                                     "（加上年结转{carried_over}为{with_carried}），无法对应{scope_note}"),
        "includes_carried_over": Outcome("info", "文字称收到申请{claimed}件，等于表三本年新收{new} + 上年结转"
                                                 "{carried_over}：文字把上年结转的申请计入了收到数"),
    }, doc="Accept 一 or 一+二. A figure that fits neither is an error even when the sentence names a "
           "narrower actor (e.g. 区政府办…受理17件): the report's 表三 is that same reporting body's "
           "account, the text does not say it is a part (no 其中), and nothing reconciles the two; "
           "statements marked as a part (其中…) are not compared."),
    Rule("text_vs_table_handled", "text_vs_cell", {
        "mismatch": Outcome("error", "文字称办结{claimed}件，但表三（七）总计为{printed}"),
    }, params={"kinds": ("handled",), "row": "handled_total"}),
    Rule("text_vs_table_answered", "text_answered", {
        "mismatch": Outcome("error", "文字称已答复{claimed}件，但表三（七）总计（已办理）为{handled}件，"
                                     "另有{carried_forward}件结转下年度继续办理"),
    }),
    Rule("text_vs_table_carried_forward", "text_vs_cell", {
        "mismatch": Outcome("error", "文字称结转下年度{claimed}件，但表三四、结转下年度继续办理总计为{printed}"),
    }, params={"kinds": ("carried_forward",), "row": "carried_forward"}),
    Rule("text_vs_table_carried_over", "text_vs_cell", {
        "mismatch": Outcome("error", "文字称上年结转{claimed}件，但表三二、上年结转总计为{printed}"),
    }, params={"kinds": ("carried_over",), "row": "carried_over"}),
    Rule("text_vs_table_category", "text_category", {
        "mismatch": Outcome("error", "文字称「{label}」{claimed}件，但表三对应各行（{rows}）合计为{table}"),
    }),
    Rule("text_category_pct", "text_category_pct", {
        "mismatch": Outcome("warning", "文字称「{label}」{count}件占{pct}%，但按{count}或表三{table}件除以"
                                       "{bases}均得不出该比例（最接近 {closest}%）"),
    }),
    Rule("text_category_sum", "text_breakdown", {
        "mismatch": Outcome("error", "文字所列分项 {terms} = {computed}{pct_note}，与所述总数{base}{base_pct}不符"
                                     "（{base_label}）"),
    }, params={"bases": ("answered", "handled", "received", "received_total", "category_base")}),
    Rule("text_published_sum", "text_breakdown", {
        "mismatch": Outcome("error", "文字称共公开信息{base}条，但其后列举的各类 {terms} = {computed}，相差{diff}"),
        "partial_list": Outcome("warning", "文字称共公开信息{base}条，其后“包括”的各类 {terms} = {computed}，"
                                           "少{diff}条（列举可能不完整）"),
    }, params={"bases": ("published_total",)}, templates=ANY_TEMPLATE,
        doc="Items after 其中 must add up (error either way); after 包括 a shortfall may be an "
            "incomplete list (warning) but an excess is a contradiction (error)."),
    Rule("text_vs_table_review_litigation", "text_review_litigation", {
        "mismatch": Outcome("error", "文字称{label}{claimed}件，但表四{label}总计为{table}"),
    }),
    Rule("text_vs_table_review_outcomes", "text_review_outcomes", {
        "mismatch": Outcome("error", "文字称{label}中{outcome}{claimed}件，但表四对应{outcome}合计为{table}"),
    }),
    Rule("text_vs_table_applicants", "text_applicants", {
        "mismatch": Outcome("error", "文字称{label}提出申请{claimed}件，但表三一、本年新收该列为{new}"
                                     "（加上年结转{carried_over}亦不符）"),
        "not_all_natural": Outcome("error", "文字称申请均由自然人提出，但表三一、本年新收中{detail}"),
    }),
    Rule("text_all_upheld", "text_outcome_flag", {
        "contradicted": Outcome("error", "文字称{label}均获维持，但表四{label}中{detail}"),
    }, params={"kind": "all_upheld", "must_be_zero": ("corrected", "other", "pending")}),
    Rule("text_all_closed", "text_outcome_flag", {
        "contradicted": Outcome("error", "文字称{label}均已结案，但表四{label}中{detail}"),
    }, params={"kind": "all_closed", "must_be_zero": ("pending",)}),
    Rule("text_vs_table_normative", "text_normative", {
        "mismatch": Outcome("error", "文字称{label}{claimed}件，但表二行政规范性文件{measure_label}为{table}"),
        "category_short": Outcome("warning", "文字称「政策、规范性文件类信息」{claimed}条，少于表二规范性文件"
                                             "本年新公开{table}件（该类别应包含全部新公开的规范性文件）"),
    }),
    Rule("text_staff_contradiction", "text_staff", {
        "conflict": Outcome("error", "文字对{label}前后说法不一：{values}"),
        "sum": Outcome("error", "文字称工作人员{total}名，但专职{full}人 + 兼职{part}人 = {computed}"),
    }, templates=ANY_TEMPLATE),
    Rule("fee_statement_missing", "fee_statement", {
        "absent": Outcome("warning", "六、其他需要报告的事项未报告信息处理费收取情况（2021年格式要求在此专门报告）"),
    }, templates=("2021",)),
)


# ---- soft plausibility (FORMAT.md §4.5): notes, never errors ----------------------------------
SOFT_RULES: tuple[Rule, ...] = (
    Rule("other_handling_share_high", "other_handling_share", {
        "high": Outcome("info", "表三（六）其他处理{other}件，占（七）总计{handled}件的{share}%，比例偏高"
                                "（60号文要求主管部门关注其他处理数量偏高的情况）"),
    }, params={"threshold": 0.2}),
    Rule("after_review_exceeds_review", "after_review_exceeds_review", {
        "exceeds": Outcome("info", "表四复议后起诉{after}件多于本年行政复议{review}件（复议可能由其他机关作出或在往年，仅供核查）"),
    }),
    Rule("section1_length", "section_length", {
        "long": Outcome("info", "一、总体情况约{n}字，超过2021年格式“篇幅原则上不超过一千字”的要求"),
    }, params={"section": 1, "limit": 1000}, templates=("2021",)),
)
RULES = RULES + SOFT_RULES

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
if len(RULES_BY_ID) != len(RULES):  # pragma: no cover - guards against copy-paste ids
    raise ValueError("duplicate rule id in schemas/rules.py")
