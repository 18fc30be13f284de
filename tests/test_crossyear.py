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
