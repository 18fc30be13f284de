"""extract_claims on sentences in the wording of real reports (FORMAT.md §4.4)."""
from __future__ import annotations

import pytest

from extractors.claims import BreakdownClaim, extract_claims, normalise_text, parse_number
from extractors.model import Report, Section


def claims(text: str, number: int = 1):
    report = Report(report_id="t", source="t", sha256="", format="txt", template="2021",
                    sections=[Section(number, "", text)])
    return extract_claims(report)


def kinds(text: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for c in claims(text):
        out.setdefault(c.kind, []).append(c.value)
    return out


@pytest.mark.parametrize("raw,value", [("75", 75), ("1,234", 1234), ("两", 2), ("十二", 12), ("一百零五", 105),
                                       ("二十", 20), ("0", 0)])
def test_parse_number(raw, value):
    assert parse_number(raw) == value


def test_pdf_spacing_and_wrapped_lines_are_joined():
    text = "2024 年，区政府办代表区政府受理政府\n信息公开申请 17 件，均已在法定期限内予以答复。\n- 1 -\n（三）政府信息管理情况。"
    assert "受理政府信息公开申请17件" in normalise_text(text)
    found = claims(text)
    received = next(c for c in found if c.kind == "received")
    assert received.value == 17 and "17件" in received.quote and received.section == 1
    answered = next(c for c in found if c.kind == "answered")
    assert answered.subject == "all_received"


def test_received_handled_carried_forward():
    k = kinds("本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。")
    assert k == {"received": [70], "handled": [69], "carried_forward": [1]}
    k = kinds("收到政府信息公开申请154件，共办结148件，结转至2026年6件。")
    assert k["received"] == [154] and k["handled"] == [148] and k["carried_forward"] == [6]


def test_answered_with_carried_over_and_postponed():
    k = kinds("全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复），"
              "均在法定期限内予以答复。")
    assert k["received"] == [3119] and k["answered"] == [3050]
    assert k["carried_over"] == [34] and k["carried_forward"] == [103]


def test_chinese_numerals_and_no_carry_forward():
    k = kinds("本年度共收到政府信息公开申请两件，已全部办结，无结转。")
    assert k["received"] == [2] and k["carried_forward"] == [0]


def test_part_marked_statement_is_not_a_total():
    found = [c for c in claims("全区共收到申请95件，其中区政府办受理政府信息公开申请17件。") if c.kind == "received"]
    assert {(c.value, c.subject) for c in found} == {(95, None), (17, "part")}


def test_received_including_carried_over():
    found = claims("收到政府信息公开申请75件（含上年结转1件）。")
    assert any(c.kind == "received_total" and c.value == 75 for c in found)
    assert any(c.kind == "carried_over" and c.value == 1 for c in found)


def test_not_applications():
    assert "received" not in kinds("受理各类群众诉求259起，收到群众诉求348件。")
    assert "received" not in kinds("坚持第一时间登记受理、第一时间回复申请的“三个一”工作机制。")
    assert "handled" not in kinds("均在法定期限内予以答复，办结率100%。")


def test_categories_percentages_and_breakdown():
    text = ("在已答复的9项申请中：申请内容明确，可以答复是否公开的共9项（占总数的100%）。其中：\n"
            "“予以公开”或“部分公开”4项，占总数的44%；\n“不予公开”2项，占总数的22%；\n"
            "“本机关不掌握相关政府信息”2项，占总数的22%。")
    found = claims(text)
    cats = {(c.subject, c.value) for c in found if c.kind == "category_count"}
    assert cats == {("disclosed+partially_disclosed", 4), ("withheld", 2), ("unavailable_not_held", 2)}
    assert sorted(c.value for c in found if c.kind == "category_pct") == [22, 22, 44]
    (bd,) = [c for c in found if c.kind == "breakdown"]
    assert isinstance(bd, BreakdownClaim) and bd.value == 8 and bd.base_value == 9 and bd.base_pct == 100
    assert bd.subject == "category_base=9"


def test_breakdown_in_one_paragraph_that_adds_up():
    text = ("办结依申请公开81件，其中：予以公开及部分公开42件，占51.85%；不予公开5件，占6.17%；"
            "无法提供31件，占38.27%；不予处理1件，占1.23%；其他处理2件，占2.47%。")
    (bd,) = [c for c in claims(text) if c.kind == "breakdown"]
    assert bd.value == 81 and bd.base_kind == "handled" and bd.base_value == 81


def test_published_total_breakdown_skips_nested_sublists():
    text = ("今年共发布380条财政资金信息，其中专项资金152条，预决算公开197条（政府预决算32条、部门预决算公开165条）、"
            "“三公”经费27条、债券发行4条。")
    (bd,) = [c for c in claims(text) if c.kind == "breakdown"]
    assert bd.value == 380 and [v for _, v, _ in bd.items] == [152, 197, 27, 4]
    text = "共公布政府信息2599条，(其中机构职能类信息25条，政策、规范性文件类信息68条，其他应主动公开政府信息856条)对于主动公开的政府信息"
    (bd,) = [c for c in claims(text) if c.kind == "breakdown"]
    assert bd.value == 949 and bd.items[1][0] == "政策、规范性文件类信息"
    assert not [c for c in claims("市政府网站主动公开各类政府信息5500余条，其中规章1条，文件11条。") if c.kind == "breakdown"]


def test_reviews_litigation_and_flags():
    k = kinds("信息公开类行政复议7件，诉讼9件，均获维持。")
    assert k["review_total"] == [7] and k["litigation_total"] == [9] and k["all_upheld"] == [1]
    flag = next(c for c in claims("共有行政诉讼案件1件、行政复议案件2件，均已结案。") if c.kind == "all_closed")
    assert flag.subject == "review+litigation"
    k = kinds("本年度未发生因政府信息公开引起的行政复议、行政诉讼。")
    assert k == {"review_total": [0], "litigation_total": [0]}
    assert "all_closed" not in kinds("收到申请5件，均已办结。")


def test_normative_documents():
    k = kinds("清理并集中发布现行有效行政规范性文件393件，动态更新本年度制发的规范性文件77件。")
    assert k == {"normative_in_force": [393], "normative_issued": [77]}


def test_staff_counts():
    text = ("从事政府信息公开工作人员2名，其中，专职人员数0人；兼职人员数2人，每月按时报送网站公开月报数据。"
            "设专职人员2名负责维护信息公开网站建设。")
    k = kinds(text)
    assert k["staff_total"] == [2] and k["staff_parttime"] == [2] and sorted(k["staff_fulltime"]) == [0, 2]


def test_report_text_is_used_when_there_are_no_sections():
    report = Report(report_id="t", source="t", sha256="", format="txt", text="共收到70件申请，办结69件。")
    assert {c.kind for c in extract_claims(report)} == {"received", "handled"}


def test_other_business_with_the_same_verbs_is_not_a_claim():
    assert "handled" not in kinds("对网民的咨询投诉件及时处理并反馈，截至目前共收到15564件咨询投诉件，已办结15042件。")
    assert "review_total" not in kinds("全年办理行政复议案件120件，审结115件。")
    assert "category_count" not in kinds("全年制发公文500件，其中主动公开300件，不予公开150件。")


def test_subrow_inside_its_group_is_not_a_further_item():
    text = "办结申请60件，其中：予以公开20件；无法提供40件，其中本机关不掌握相关政府信息29件。"
    (bd,) = [c for c in claims(text) if c.kind == "breakdown"]
    assert bd.value == 60 and [k for k, _, _ in bd.items] == ["disclosed", "unavailable"]


def test_open_ended_list_is_not_a_breakdown():
    text = "共公开信息300条，其中施工许可证76条、排水许可证5条等。"
    assert not [c for c in claims(text) if c.kind == "breakdown"]


def test_applicant_split_and_outcomes():
    k = kinds("2022年，全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件，均在法定期限内予以答复。")
    assert k["received_by_applicant"] == [72, 3]
    assert "all_natural_person" in kinds("共收到政府信息公开申请36件，均为自然人提交。")
    found = claims("政府信息公开行政诉讼46件，其中结果维持25件，结果纠正5件，其他结果9件，尚未审结7件。")
    outs = {(c.subject, c.value) for c in found if c.kind == "litigation_outcome"}
    assert outs == {("upheld", 25), ("corrected", 5), ("other", 9), ("pending", 7)}


def test_phrasings_from_other_portals():
    assert kinds("2023年，我局未收到政府信息公开申请。") == {"received": [0]}
    assert kinds("本年度，共受理政府信息公开申请2件，都在法定期限内予以答复。")["answered"] == [2]
    k = kinds("在依申请公开政府信息工作中没有出现应公开而不予公开的办件，未发生因政府信息公开申请行政复议、提起行政诉讼情况。")
    assert k == {"review_total": [0], "litigation_total": [0]}
    text = "市政府门户网站公开全市各类政府信息共计3437条，包括：人事信息12条，政务动态1740条，公告公示225条，其他类信息1827条。"
    (bd,) = [c for c in claims(text) if c.kind == "breakdown"]
    assert bd.intro == "包括" and bd.value == 3804 and bd.base_value == 3437


def test_split_counts_and_last_years_carry_over_are_not_totals():
    found = claims("共收到政府信息公开申请47件，按时办结45件，延期办结2件。")
    assert {c.subject for c in found if c.kind == "handled"} == {"part"}
    assert "carried_forward" not in kinds("上年结转至2024年的申请3件已全部办结。")
