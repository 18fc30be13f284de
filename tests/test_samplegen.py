"""Sample generator: consistent specs, planted defects listed, corpus layout, readers round-trip."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from extractors.errors import MissingTool
from schemas import keys
from pipeline import samplegen as sg
from pipeline import samplegen_docx
from pipeline.samplegen_render import answer_facts, render_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"
SEEDS = range(12)


def _specs(defects=()):
    for seed in SEEDS:
        for template in ("2021", "2019"):
            yield sg.random_spec(random.Random(seed), template, defects)


# ---- the specs themselves --------------------------------------------------------------------
def test_clean_specs_satisfy_every_identity():
    for spec in _specs():
        assert sg.identity_failures(spec) == [] and spec["report_inconsistencies"] == []
        apps = spec["applications"]
        assert [r.key for r in keys.application_rows(spec["template"])] == list(apps)
        for row in apps.values():
            assert all(isinstance(v, int) and v >= 0 for v in row.values())
        for row in spec["reviews_litigation"].values():
            assert row["total"] == sum(v for k, v in row.items() if k != "total")
        active = spec["active_disclosure"]
        assert [(i, m) for i, ms in active.items() for m in ms] == keys.active_cells(spec["template"])
        if spec["template"] == "2019":
            assert all(active[i]["items_last_year"] + active[i]["change"] >= 0 for i in
                       ("licensing", "other_services", "penalty", "coercion", "fees"))


@pytest.mark.parametrize("defect", sg.KNOWN_DEFECTS)
def test_each_planted_defect_is_listed(defect):
    for seed in range(5):
        for template in ("2021", "2019"):
            spec = sg.random_spec(random.Random(seed), template, (defect,))
            rules = {n["rule"] for n in spec["report_inconsistencies"]}
            assert defect in rules, (seed, template, rules)
            if defect in sg.TEXT_DEFECTS:  # a text defect leaves the tables consistent
                assert sg.identity_failures(spec) == []


def test_random_spec_is_deterministic_and_validates_input():
    a = sg.random_spec(random.Random(42), "2021", ("R1_balance",))
    b = sg.random_spec(random.Random(42), "2021", ("R1_balance",))
    assert a == b
    with pytest.raises(ValueError):
        sg.random_spec(random.Random(1), "2021", ("no_such_defect",))
    with pytest.raises(ValueError):
        sg.random_spec(random.Random(1), "pre2019")


# ---- the answer key --------------------------------------------------------------------------
def test_expected_json_round_trips_in_corpus_layout():
    for spec in list(_specs())[:4]:
        text = sg.expected_json(spec)
        loaded = json.loads(text)
        assert loaded == sg.expected_dict(spec)
        top = ["file", "agency", "year", "template", "applications", "reviews_litigation", "active_disclosure"]
        top += ["units"] if spec["template"] == "2019" else []
        assert list(loaded) == top + ["report_inconsistencies"]
        # one line per table row, as the corpus files are written
        assert re.search(r'\n  "received_new": \{"natural_person": \d+, ', text)


@pytest.mark.corpus
@pytest.mark.parametrize("template,corpus_file", [("2021", "pingtan-2021"), ("2019", "pingtan-2019")])
def test_layout_matches_a_corpus_expected_json(template, corpus_file):
    path = CORPUS / "real" / f"{corpus_file}.expected.json"
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    corpus = json.loads(path.read_text(encoding="utf-8"))
    ours = json.loads(sg.expected_json(sg.random_spec(random.Random(3), template)))
    assert list(ours) == list(corpus)
    for table in ("applications", "reviews_litigation", "active_disclosure"):
        assert list(ours[table]) == list(corpus[table])
        assert [list(r) for r in ours[table].values()] == [list(r) for r in corpus[table].values()]
    assert ours.get("units") == corpus.get("units")


def test_committed_samples_are_current():
    for spec in sg.sample_specs():
        stem = Path(spec["file"]).stem
        assert (SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8") == sg.expected_json(spec)
        data = (SAMPLES / spec["file"]).read_bytes()
        if spec["file"].endswith(".pdf"):  # LibreOffice output differs byte-wise between runs
            assert data.startswith(b"%PDF-")
        else:
            assert data == sg.render(spec), f"{spec['file']} is stale: run python -m pipeline.samplegen data/samples"


def test_committed_pdf_has_text_layer_and_tables():
    pdfplumber = pytest.importorskip("pdfplumber")
    spec = next(s for s in sg.sample_specs() if s["file"].endswith(".pdf"))
    with pdfplumber.open(SAMPLES / spec["file"]) as pdf:
        text = "".join((p.extract_text() or "") for p in pdf.pages)
        n_tables = sum(len(p.find_tables()) for p in pdf.pages)
    flat = re.sub(r"\s+", "", text)
    assert spec["agency"] in flat and "政府信息公开工作年度报告" in flat
    assert "行政事业性收费" in flat and "信息处理费" in flat and n_tables >= 3


def test_render_pdf_without_libreoffice_raises_missing_tool(monkeypatch):
    monkeypatch.setattr(samplegen_docx, "soffice_path", lambda: None)
    with pytest.raises(MissingTool, match="apt-get install"):
        samplegen_docx.render_pdf(b"PK\x03\x04")


# ---- round trip through the readers ----------------------------------------------------------
def _number(raw: str):
    raw = raw.strip().removesuffix("元")
    return float(raw) if "." in raw else int(raw)


def values_from_document(doc, template: str) -> dict:
    """The three tables read straight off the Document grid (no normaliser), in spec layout."""
    by_label = {r.label: r.key for r in keys.application_rows(template)}
    items = {i.label: i for i in keys.ACTIVE_BY_TEMPLATE[template].items}
    out: dict = {"applications": {}, "reviews_litigation": {}, "active_disclosure": {}}
    t2, t3, t4 = doc.tables[:3]
    for row in t2.text_rows():
        if row and row[0] in items:
            item = items[row[0]]
            out["active_disclosure"][item.key] = {m.key: _number(t) for m, t in zip(item.measures, row[1:])}
    for row in t3.text_rows():
        if len(row) > 7 and all(re.fullmatch(r"\d+", t) for t in row[-7:]):
            label = row[-8]
            out["applications"][by_label[label]] = dict(zip(sg.APPLICANT_KEYS, map(int, row[-7:])))
    last = t4.text_rows()[-1]
    it = iter(map(int, last))
    for p in sg.PROCEEDING_KEYS:
        out["reviews_litigation"][p] = {o: next(it) for o in sg.OUTCOME_KEYS}
    return out


def _round_trip(reader, render, spec):
    doc = reader.read(render(spec), spec["file"])
    got = values_from_document(doc, spec["template"])
    for table in ("applications", "reviews_litigation", "active_disclosure"):
        assert got[table] == spec[table], table
    assert doc.title.startswith(spec["agency"])
    return doc


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_docx_round_trip(template):
    from extractors.docx import READER
    from pipeline.samplegen_docx import render_docx

    for seed in (0, 1):
        _round_trip(READER, render_docx, sg.random_spec(random.Random(seed), template, ("R5_row_total",)))


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_html_round_trip(template):
    html = pytest.importorskip("extractors.html")
    for seed in (0, 1, 2):
        _round_trip(html.READER, render_html, sg.random_spec(random.Random(seed), template))


def test_street_sample_prints_the_seed_defects():
    from extractors.docx import READER

    spec = next(s for s in sg.sample_specs() if "street" in s["file"])
    doc = READER.read((SAMPLES / spec["file"]).read_bytes(), spec["file"])
    facts = answer_facts(spec)
    text = doc.text
    apps = spec["applications"]
    # text: N answered; table: N-1 handled + 1 carried forward
    assert facts["answered_quote"] in text
    assert apps["received_new"]["total"] + apps["carried_over"]["total"] == apps["handled_total"]["total"] + \
        apps["carried_forward"]["total"] and apps["carried_forward"]["total"] >= 1
    # breakdown claims 100% of N but its items add up to the handled count only
    assert f"可以答复是否公开的共{facts['claimed']}项（占总数的100%）" in text
    assert facts["listed"] == apps["handled_total"]["total"] < facts["claimed"]
    assert facts["staff_quote"] in text and "专职人员数0人" in text and facts["staff_claim_quote"] in text
    assert {n["rule"] for n in spec["report_inconsistencies"]} == {
        "text_vs_table_answered", "text_category_sum", "text_staff_contradiction"}


def test_clean_narrative_mentions_counts_and_fee():
    spec = sg.sample_specs()[0]
    page = render_html(spec).decode("utf-8")
    assert f"共收到政府信息公开申请{spec['applications']['received_new']['total']}件" in page
    assert "信息处理费" in page.split("六、其他需要报告的事项")[1]
    for title in ("一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况"):
        assert title in page


@pytest.mark.slow
def test_render_pdfs_batch_with_libreoffice():
    if samplegen_docx.soffice_path() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    pdfplumber = pytest.importorskip("pdfplumber")
    import io

    specs = [sg.random_spec(random.Random(s), t) for s, t in ((1, "2021"), (2, "2019"))]
    pdfs = samplegen_docx.render_pdfs([samplegen_docx.render_docx(s) for s in specs])
    assert len(pdfs) == 2
    for spec, data in zip(specs, pdfs):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            flat = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
        assert spec["agency"] in flat and "申请人情况" in flat and "行政事业性收费" in flat
