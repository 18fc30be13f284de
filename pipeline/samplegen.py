"""Synthetic 政府信息公开工作年度报告 with known answers, for tests and benchmarks.

A *spec* is a plain dict in the corpus ``expected.json`` layout (file, agency, year, template,
applications, reviews_litigation, active_disclosure, [units], report_inconsistencies) plus the
knobs the narrative needs (``kind``, ``narrative``, ``defects``). Every renderer draws from the
same spec, and ``expected_json(spec)`` writes the answer key from it, so the key is never typed
by hand. Values are what the report PRINTS: a planted table defect changes the printed cell and
the identity checker below lists the failure under ``report_inconsistencies`` (never "corrected").

``python -m pipeline.samplegen data/samples`` writes the committed samples; a benchmark calls
``random_spec(random.Random(seed), template, defects)`` and the ``render_*`` functions.
Tables, narrative text and HTML are in ``pipeline/samplegen_render.py``, DOCX/PDF in
``pipeline/samplegen_docx.py``.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from schemas import keys

APPLICANT_KEYS = tuple(a.key for a in keys.APPLICANTS)  # last one is "total"
PARTS = APPLICANT_KEYS[:-1]
OUTCOME_KEYS = tuple(o.key for o in keys.OUTCOMES)  # last one is "total"
PROCEEDING_KEYS = tuple(p.key for p in keys.PROCEEDINGS)

TEXT_DEFECTS = ("text_vs_table_answered", "text_category_sum", "text_staff_contradiction",
                "text_vs_table_received")
TABLE_DEFECTS = ("R1_balance", "R4_result_rows_vs_handled_total", "R5_row_total", "R6_review_total")
KNOWN_DEFECTS = TEXT_DEFECTS + TABLE_DEFECTS

KINDS = ("district", "county", "bureau", "street")
_CITIES = ("云川市", "青岚市", "临溪市", "禾丰市")
_DISTRICTS = ("青禾区", "东湖区", "南岭区", "白沙区")
_COUNTIES = ("白石县", "松源县", "梅溪县")
_BUREAUS = ("统计局", "司法局", "生态环境局", "市场监督管理局", "自然资源和规划局")
_STREETS = ("柳荫街道办事处", "桥东街道办事处", "望川街道办事处")
# Weights of the result rows when spreading handled applications (disclosed dominates, as in the corpus).
_RESULT_WEIGHTS = {
    "disclosed": 35, "partially_disclosed": 10, "withheld_state_secret": 0.5, "withheld_prohibited_by_law": 1,
    "withheld_security_stability": 0.5, "withheld_third_party": 3, "withheld_internal_affairs": 1,
    "withheld_process_info": 2, "withheld_enforcement_files": 1, "withheld_admin_query": 2,
    "unavailable_not_held": 20, "unavailable_needs_creation": 3, "unavailable_unclear": 4,
    "rejected_complaint": 4, "rejected_duplicate": 4, "rejected_publication": 0.5,
    "rejected_mass_repetitive": 0.5, "rejected_confirmation": 2,
    "other_overdue_correction": 2, "other_overdue_fee": 0.3, "other_reasons": 3, "other_handling": 5,
}
_SCALE = {"district": (20, 300), "county": (10, 150), "bureau": (2, 60), "street": (0, 20)}


# ---- building consistent tables -------------------------------------------------------------
def empty_applications(template: str) -> dict:
    return {r.key: {a: 0 for a in APPLICANT_KEYS} for r in keys.application_rows(template)}


def fill_totals(apps: dict, template: str) -> dict:
    """Row totals (R5) and （七）总计 (R4) from the parts: the clean, consistent table."""
    leaves = keys.result_rows(template)
    for part in PARTS:
        apps["handled_total"][part] = sum(apps[r][part] for r in leaves)
    for row in apps.values():
        row["total"] = sum(row[p] for p in PARTS)
    return apps


def _random_applications(rng: random.Random, template: str, kind: str) -> dict:
    apps = empty_applications(template)
    lo, hi = _SCALE[kind]
    leaves = keys.result_rows(template)
    weights = [_RESULT_WEIGHTS[r] for r in leaves]
    for part in PARTS:
        if part == "natural_person":
            new = rng.randint(lo, hi)
        else:
            new = rng.randint(1, max(1, hi // 15)) if rng.random() < 0.3 else 0
        old = rng.randint(1, 3) if part == "natural_person" and rng.random() < 0.3 else 0
        pending = rng.randint(1, min(3, new + old)) if new + old and rng.random() < 0.35 else 0
        apps["received_new"][part], apps["carried_over"][part] = new, old
        apps["carried_forward"][part] = pending
        for row in rng.choices(leaves, weights, k=new + old - pending):
            apps[row][part] += 1
    return fill_totals(apps, template)


def _random_reviews(rng: random.Random, kind: str) -> dict:
    hi = {"district": 8, "county": 5, "bureau": 3, "street": 1}[kind]
    out = {}
    for p in PROCEEDING_KEYS:
        row = {o: (rng.randint(0, hi) if rng.random() < 0.5 else 0) for o in OUTCOME_KEYS[:-1]}
        row["total"] = sum(row.values())
        out[p] = row
    return out


def _money(rng: random.Random, hi: float) -> float:
    return round(rng.uniform(1, hi), rng.choice((2, 2, 4, 6)))


def _random_active(rng: random.Random, template: str, kind: str) -> dict:
    gov = kind in ("district", "county")
    big = 1 if kind == "street" else 10
    if template == "2021":
        regs_in = rng.randint(0, 30) if gov else 0
        norm_issued = rng.randint(0, 4 * big)
        return {
            "regulations": {"issued": 0, "repealed": 0, "in_force": regs_in},
            "normative_documents": {"issued": norm_issued, "repealed": rng.randint(0, big),
                                    "in_force": norm_issued + rng.randint(0, 60 * big)},
            "licensing": {"decisions": rng.randint(0, 500 * big)},
            "penalty": {"decisions": rng.randint(0, 300 * big)},
            "coercion": {"decisions": rng.randint(0, 20 * big)},
            "fees": {"amount_10k_yuan": 0 if kind == "street" else _money(rng, 30000)},
        }
    made = rng.randint(0, 4 * big)
    items = {}
    for item in ("licensing", "other_services", "penalty", "coercion"):
        last = rng.randint(0, 400 if gov else 80)
        items[item] = {"items_last_year": last, "change": rng.randint(-min(last, 20), 20),
                       "decisions": rng.randint(0, 300 * big)}
    fees_last = rng.randint(0, 40)
    return {
        "regulations": {"made": 0, "published": 0, "total_published": rng.randint(0, 20) if gov else 0},
        "normative_documents": {"made": made, "published": made, "total_published": made + rng.randint(0, 90)},
        **items,
        "fees": {"items_last_year": fees_last, "change": rng.randint(-min(fees_last, 5), 5)},
        "procurement": {"projects": rng.randint(0, 200), "amount": round(rng.uniform(1e4, 1e8), 2)},
    }


def _agency(rng: random.Random, kind: str) -> str:
    city = rng.choice(_CITIES)
    if kind == "district":
        return f"{city}{rng.choice(_DISTRICTS)}人民政府"
    if kind == "county":
        return f"{city}{rng.choice(_COUNTIES)}人民政府"
    if kind == "bureau":
        return f"{city}{rng.choice(_BUREAUS)}"
    return f"{city}{rng.choice(_DISTRICTS)}{rng.choice(_STREETS)}"


def random_spec(rng: random.Random, template: str = "2021", defects: tuple[str, ...] = (), *,
                kind: str | None = None, year: int | None = None, agency: str | None = None,
                file: str | None = None) -> dict:
    """A complete, consistent report spec drawn from ``rng``; ``defects`` are then planted."""
    if template not in ("2021", "2019"):
        raise ValueError(f"samplegen renders the 2021 and 2019 templates, not {template!r}")
    unknown = set(defects) - set(KNOWN_DEFECTS)
    if unknown:
        raise ValueError(f"unknown defects {sorted(unknown)}; known: {KNOWN_DEFECTS}")
    kind = kind or rng.choice(KINDS)
    year = year or (rng.randint(2021, 2025) if template == "2021" else rng.choice((2019, 2020)))
    staff = rng.randint(1, 5)
    spec = {
        "file": file or f"synthetic-{year}-{kind}.html",
        "agency": agency or _agency(rng, kind),
        "year": year,
        "template": template,
        "applications": _random_applications(rng, template, kind),
        "reviews_litigation": _random_reviews(rng, kind),
        "active_disclosure": _random_active(rng, template, kind),
        "kind": kind,
        "defects": list(defects),
        "narrative": {
            "published_items": rng.randint(80, 6000),
            "staff_total": staff, "staff_fulltime": rng.randint(0, staff),
            "publish_date": (year + 1, rng.randint(1, 3), rng.randint(5, 28)),
            "title_year_suffix": rng.choice(("年", "年度")),
            "seed": rng.randint(0, 2**31),  # drives the choice of stock sentences
        },
    }
    if template == "2019":
        spec["units"] = {"procurement": {"amount": "元"}}
    plant_defects(spec, rng, defects)
    spec["report_inconsistencies"] = identity_failures(spec) + text_defect_notes(spec)
    return spec


# ---- planting defects ------------------------------------------------------------------------
def _ensure_carried_forward(apps: dict, template: str) -> None:
    """Text-vs-table defects need a gap between 'received' and 'handled': 1 pending application."""
    if apps["carried_forward"]["total"] > 0:
        return
    leaves = [r for r in keys.result_rows(template) if apps[r]["natural_person"] > 0]
    if leaves:
        row = max(leaves, key=lambda r: apps[r]["natural_person"])
        apps[row]["natural_person"] -= 1
    else:
        apps["received_new"]["natural_person"] += 1
    apps["carried_forward"]["natural_person"] += 1
    fill_totals(apps, template)


def plant_defects(spec: dict, rng: random.Random, defects) -> None:
    apps, template = spec["applications"], spec["template"]
    narrative = spec["narrative"]
    if {"text_vs_table_answered", "text_category_sum"} & set(defects):
        _ensure_carried_forward(apps, template)
    if "text_staff_contradiction" in defects:
        narrative["staff_fulltime"] = 0
        narrative["staff_claimed_fulltime"] = rng.randint(1, 3)
    # Table defects change a printed cell AFTER the totals were made consistent (fill_totals above).
    if "R1_balance" in defects:  # one more carried forward than the balance allows
        for col in ("natural_person", "total"):
            apps["carried_forward"][col] += 1
    if "R4_result_rows_vs_handled_total" in defects:  # a result row inflated, its row total too, （七） not
        row = rng.choice(keys.result_rows(template))
        delta = rng.randint(1, 6)
        for col in ("natural_person", "total"):
            apps[row][col] += delta
    if "R5_row_total" in defects:
        apps["received_new"]["total"] += rng.randint(1, 4)
    if "R6_review_total" in defects:  # parts filled in, 总计 left at 0 (as in hongze-2023)
        review = spec["reviews_litigation"]["review"]
        if not any(review[o] for o in OUTCOME_KEYS[:-1]):
            review["upheld"] = rng.randint(1, 5)
        review["total"] = 0
    if "text_vs_table_received" in defects:  # after the table defects: differ from 一 AND from 一+二
        printed = apps["received_new"]["total"]
        narrative["received_claim"] = printed + apps["carried_over"]["total"] + rng.randint(1, 5)


# ---- the answer key --------------------------------------------------------------------------
_COL_LABEL = {a.key: a.label for a in keys.APPLICANTS}
_ROW_LABEL = {r.key: r.label for r in keys.APPLICATION_ROWS}


def identity_failures(spec: dict) -> list[dict]:
    """Every failing table identity (FORMAT.md §4: R1, R4, R5, R6), as corpus-style notes."""
    apps, template = spec["applications"], spec["template"]
    out = []
    for col in APPLICANT_KEYS:
        left = apps["received_new"][col] + apps["carried_over"][col]
        right = apps["handled_total"][col] + apps["carried_forward"][col]
        if left != right:
            out.append({"rule": "R1_balance", "detail": (
                f"表三 {_COL_LABEL[col]}: 一、本年新收 {apps['received_new'][col]} + 二、上年结转 "
                f"{apps['carried_over'][col]} = {left}, but （七）总计 {apps['handled_total'][col]} + "
                f"四、结转下年度继续办理 {apps['carried_forward'][col]} = {right}.")})
    for col in APPLICANT_KEYS:
        leaves = sum(apps[r][col] for r in keys.result_rows(template))
        if leaves != apps["handled_total"][col]:
            out.append({"rule": "R4_result_rows_vs_handled_total", "detail": (
                f"表三 {_COL_LABEL[col]}: the result rows （一）…（六） sum to {leaves}, but （七）总计 is "
                f"printed as {apps['handled_total'][col]}.")})
    for row, cells in apps.items():
        parts = sum(cells[p] for p in PARTS)
        if parts != cells["total"]:
            out.append({"rule": "R5_row_total", "detail": (
                f"表三 {_ROW_LABEL[row]}: the applicant columns sum to {parts}, but 总计 is printed as "
                f"{cells['total']}.")})
    names = {p.key: p.label for p in keys.PROCEEDINGS}
    for p, row in spec["reviews_litigation"].items():
        parts = sum(row[o] for o in OUTCOME_KEYS[:-1])
        if parts != row["total"]:
            out.append({"rule": f"R6_{p}_total", "detail": (
                f"表四 {names[p]}: 结果维持 {row['upheld']} + 结果纠正 {row['corrected']} + 其他结果 "
                f"{row['other']} + 尚未审结 {row['pending']} = {parts}, but 总计 is printed as {row['total']}.")})
    return out


def text_defect_notes(spec: dict) -> list[dict]:
    """Corpus-style notes for the planted narrative defects (quotes built by the renderer's code)."""
    from pipeline.samplegen_render import answer_facts  # the sentences and numbers printed

    facts = answer_facts(spec)
    out = []
    d = spec["defects"]
    if "text_vs_table_answered" in d:
        out.append({"rule": "text_vs_table_answered", "detail": (
            f"Text: '{facts['answered_quote']}'. 表三: 一、本年新收 {facts['received']}, 二、上年结转 "
            f"{facts['carried_over']}, （七）总计 {facts['handled']}, 四、结转下年度继续办理 "
            f"{facts['carried_forward']}, so only {facts['handled']} were answered in {spec['year']}.")})
    if "text_category_sum" in d:
        match = " It matches 表三 （七）总计." if facts["listed"] == facts["handled"] else ""
        out.append({"rule": "text_category_sum", "detail": (
            f"Text breakdown {facts['breakdown_expr']} = {facts['listed']} ({facts['pct_sum']}%), not the "
            f"{facts['claimed']} (100%) it claims.{match}")})
    if "text_staff_contradiction" in d:
        out.append({"rule": "text_staff_contradiction", "detail": (
            f"Text: '{facts['staff_quote']}', then in the same paragraph '{facts['staff_claim_quote']}'.")})
    if "text_vs_table_received" in d:
        out.append({"rule": "text_vs_table_received", "detail": (
            f"Text: '{facts['received_quote']}', but 表三 一、本年新收 总计 is {facts['received']} "
            f"(上年结转 {facts['carried_over']}).")})
    return out


def expected_dict(spec: dict) -> dict:
    out = {k: spec[k] for k in ("file", "agency", "year", "template", "applications",
                                "reviews_litigation", "active_disclosure")}
    if "units" in spec:
        out["units"] = spec["units"]
    out["report_inconsistencies"] = spec["report_inconsistencies"]
    return out


def expected_json(spec: dict) -> str:
    """The corpus layout: one line per table row, one line per inconsistency."""
    d = expected_dict(spec)
    dump = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    lines = ["{"]
    top = []
    for k, v in d.items():
        if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()):
            inner = ",\n".join(f"  {dump(rk)}: {dump(rv)}" for rk, rv in v.items())
            top.append(f" {dump(k)}: {{\n{inner}\n }}")
        elif isinstance(v, list) and v:
            inner = ",\n".join(f"  {dump(x)}" for x in v)
            top.append(f" {dump(k)}: [\n{inner}\n ]")
        else:
            top.append(f" {dump(k)}: {dump(v)}")
    lines.append(",\n".join(top))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- the committed samples -------------------------------------------------------------------
def sample_specs() -> list[dict]:
    """The four committed samples: fixed seeds, so regeneration gives the same values."""
    return [
        random_spec(random.Random(2021_01), "2021", kind="district", year=2021,
                    agency="云川市青禾区人民政府", file="sample-2021-district.html"),
        random_spec(random.Random(2019_02), "2019", kind="bureau", year=2019,
                    agency="云川市统计局", file="sample-2019-bureau.docx"),
        random_spec(random.Random(2021_03), "2021",
                    ("text_vs_table_answered", "text_category_sum", "text_staff_contradiction"),
                    kind="street", year=2021, agency="云川市青禾区柳荫街道办事处", file="sample-2021-street.docx"),
        random_spec(random.Random(2021_04), "2021", kind="county", year=2021,
                    agency="云川市白石县人民政府", file="sample-2021-county.pdf"),
    ]


def render(spec: dict) -> bytes:
    """The file for a spec, by the extension of ``spec['file']``."""
    from pipeline.samplegen_docx import render_docx, render_pdf
    from pipeline.samplegen_render import render_html

    name = spec["file"].lower()
    if name.endswith((".html", ".htm")):
        return render_html(spec)
    if name.endswith(".docx"):
        return render_docx(spec)
    if name.endswith(".pdf"):
        return render_pdf(render_docx(spec))
    raise ValueError(f"no renderer for {spec['file']!r} (use .html, .docx or .pdf)")


def write_samples(out_dir: Path, specs: list[dict] | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs or sample_specs():
        path = out_dir / spec["file"]
        path.write_bytes(render(spec))
        (out_dir / (Path(spec["file"]).stem + ".expected.json")).write_text(expected_json(spec), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "data/samples")
    for path in write_samples(out):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
