"""Cross-year checks over a generated series, with planted breaks."""
import pandas as pd

from pipeline.agencies import identify
from pipeline.crossyear import cross_year_findings, similarity
from schemas.keys import APPLICANTS

COLS = [a.key for a in APPLICANTS]


def _series(carried=((1, 0), (0, 0)), names=("平潭综合实验区", "平潭综合实验区管委会", "平潭综合实验区管委会办公室")):
    """Three years; carried[i] = (carried_forward of year i, carried_over of year i+1) for 自然人."""
    reports, apps, active, sections = [], [], [], []
    for i, (year, name) in enumerate(zip((2021, 2022, 2023), names)):
        rid = f"r{year}"
        reports.append({"report_id": rid, "agency": name, "agency_id": identify(name).agency_id, "year": year,
                        "template": "2021", "status": "ok", "source": f"{rid}.html"})
        fwd = carried[i][0] if i < len(carried) else 0
        over = carried[i - 1][1] if i > 0 else 0
        for a in COLS:
            v_fwd = fwd if a in ("natural_person", "total") else 0
            v_over = over if a in ("natural_person", "total") else 0
            apps.append({"report_id": rid, "row": "carried_forward", "applicant": a, "value": v_fwd, "raw": str(v_fwd)})
            apps.append({"report_id": rid, "row": "carried_over", "applicant": a, "value": v_over, "raw": str(v_over)})
        apps.append({"report_id": rid, "row": "received_new", "applicant": "total", "value": 50 + i, "raw": ""})
        for m, v in (("issued", 10), ("repealed", 2), ("in_force", 100 + 8 * i)):
            active.append({"report_id": rid, "item": "normative_documents", "measure": m, "value": v, "raw": str(v)})
        sections.append({"report_id": rid, "number": 5,
                         "text": f"{year}年存在的问题：" + "公开内容不够全面，解读形式较为单一。" * (3 if i else 1) + f"第{i}种改进。" * i})
    return tuple(pd.DataFrame(x) for x in (reports, apps, active, sections))


def test_pingtan_name_variants_share_one_agency_id():
    ids = {identify(n).agency_id for n in ("平潭综合实验区", "平潭综合实验区管委会", "平潭综合实验区管委会办公室")}
    assert len(ids) == 1
    assert identify("上海市人民政府办公厅").agency_id != identify("上海市人民政府").agency_id
    assert identify("淮安市洪泽区人民政府").agency_id == identify("洪泽区人民政府").agency_id
    assert identify("北京市西城区什刹海街道").level == "township"


def test_consistent_series_has_no_cross_year_error():
    f = cross_year_findings(*_series(carried=((1, 1), (0, 0))))
    assert [x for x in f if x["severity"] == "error"] == []


def test_planted_carry_over_break_is_caught_on_the_later_report():
    f = cross_year_findings(*_series(carried=((1, 0), (0, 0))))
    errs = [x for x in f if x["rule"] == "cross_year_carry_over"]
    assert {x["report_id"] for x in errs} == {"r2022"}
    assert {x["cells"] for x in errs} == {'[["carried_over", "natural_person"]]', '[["carried_over", "total"]]'}
    assert '"r2021"' in errs[0]["evidence"] and '"r2022"' in errs[0]["evidence"]


def test_in_force_heuristic_is_a_warning():
    reports, apps, active, sections = _series(carried=((1, 1), (0, 0)))
    active.loc[(active.report_id == "r2023") & (active.measure == "in_force"), "value"] = 500
    f = [x for x in cross_year_findings(reports, apps, active, sections) if x["rule"] == "cross_year_in_force"]
    assert len(f) == 1 and f[0]["severity"] == "warning" and f[0]["report_id"] == "r2023"


def test_similarity_ignores_numbers_but_not_prose():
    assert similarity("2022年公开内容不够全面，解读形式较为单一。", "2023年公开内容不够全面，解读形式较为单一。") == 1.0
    assert similarity("公开内容不够全面。", "平台建设有待加强。") < 0.2


def _copies(texts_by_agency, year=2023):
    reports, sections = [], []
    for i, (name, text) in enumerate(texts_by_agency):
        rid = f"c{i:04d}"
        reports.append({"report_id": rid, "agency": name, "agency_id": identify(name).agency_id, "year": year,
                        "template": "2021", "status": "ok", "source": f"{rid}.html"})
        sections.append({"report_id": rid, "number": 5, "text": text})
    empty = pd.DataFrame(columns=["report_id", "row", "applicant", "value", "raw"])
    active = pd.DataFrame(columns=["report_id", "item", "measure", "value", "raw"])
    return pd.DataFrame(reports), empty, active, pd.DataFrame(sections)


BOILERPLATE = "本年度政府信息公开工作存在的主要问题：一是公开内容不够全面，二是解读形式较为单一，三是平台建设有待加强。" * 3
TOWNS = [f"北京市西城区{n}街道" for n in ("什刹海", "新街口", "月坛", "展览路", "德胜", "金融街", "椿树", "陶然亭")]


def test_boilerplate_copied_by_many_agencies_gives_one_finding_per_copy_naming_the_first():
    f = [x for x in cross_year_findings(*_copies([(t, BOILERPLATE) for t in TOWNS]))
         if x["rule"] == "cross_agency_similar_section_5"]
    assert sorted(x["report_id"] for x in f) == [f"c{i:04d}" for i in range(1, len(TOWNS))]
    assert all('"other_report_id": "c0000"' in x["evidence"] for x in f)


def test_distinct_texts_and_one_agencys_duplicates_are_not_copies():
    own = [(TOWNS[0], BOILERPLATE), (TOWNS[0], BOILERPLATE)]  # the same report published twice
    phrases = ["公开内容不够全面", "解读形式较为单一", "平台建设有待加强", "队伍业务能力不足", "依申请办理不够规范",
               "栏目更新不够及时", "政策解读质量不高", "基层公开标准化欠缺"]
    distinct = [(t, "；".join(phrases[i:] + phrases[:i]) * 2) for i, t in enumerate(TOWNS[1:5], 1)]
    f = cross_year_findings(*_copies(own + distinct))
    assert [x for x in f if x["rule"].startswith("cross_agency")] == []


def test_copy_detection_compares_each_text_with_few_leaders_not_all_pairs(monkeypatch):
    """600 agencies, 3 boilerplates: each text is compared with at most 3 cluster leaders."""
    from pipeline import near_duplicates

    calls = []
    real = near_duplicates.jaccard
    monkeypatch.setattr(near_duplicates, "jaccard", lambda a, b: calls.append(1) or real(a, b))
    texts = [BOILERPLATE, BOILERPLATE[::-1], "公开平台建设有待加强，队伍建设仍需提升，" * 6]
    names = [f"某某省某某市第{i}区人民政府" for i in range(600)]
    f = cross_year_findings(*_copies([(n, texts[i % 3]) for i, n in enumerate(names)]))
    copies = [x for x in f if x["rule"] == "cross_agency_similar_section_5"]
    assert len(copies) == 600 - 3
    assert len(calls) <= 3 * 600
