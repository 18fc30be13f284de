"""Every numeric defect the corpus documents is found; clean reports get no error.

The extractor is written in parallel, so the Reports here are built from the hand-checked
``*.expected.json`` values (one Value per cell, raw = str(value)) plus a crude narrative: the
seed's text lines (table cells, which are tab-indented, dropped), the HTML body without its
tables, or the PDF page text. That is enough to exercise the claims and the rules.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractors.model import Report, Section, Value
from pipeline.validate import validate
from schemas.rules import RULES

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")

TABLES = {"applications": "applications", "reviews_litigation": "reviews_litigation",
          "active_disclosure": "active_disclosure"}
_HEADING = re.compile(r"^\s*([一二三四五六1-6])\s*[、.．]\s*(?=总体情况|主动公开|收到和处理|政府信息公开行政|因政府信息公开|"
                      r"存在的主要问题|政府信息公开工作存在|其他需要报告)")
_NUMERAL = {c: i + 1 for i, c in enumerate("一二三四五六")} | {str(i): i for i in range(1, 7)}


def narrative(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".txt":
        return "\n".join(ln for ln in data.decode("utf-8").split("\n") if not ln.startswith("\t"))
    if path.suffix == ".html":
        import lxml.html
        doc = lxml.html.fromstring(data)
        for el in doc.xpath("//script|//style|//table"):
            el.drop_tree()
        body = doc.body if doc.body is not None else doc
        for el in body.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr"):
            el.tail = "\n" + (el.tail or "")
        return body.text_content()
    if path.suffix == ".pdf":
        import pdfplumber
        with pdfplumber.open(path) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    raise ValueError(path)


def sections_of(text: str) -> list[Section]:
    sections: list[Section] = []
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m:
            sections.append(Section(_NUMERAL[m.group(1)], line.strip(), ""))
        elif sections:
            sections[-1].text += line + "\n"
    return sections


def corpus_report(expected_path: Path) -> Report:
    exp = json.loads(expected_path.read_text())
    values = []
    for key, table in TABLES.items():
        for row, cols in exp.get(key, {}).items():
            for col, v in cols.items():
                values.append(Value(table, row, col, v, None if v is None else str(v), page=None, method="expected"))
    source = expected_path.parent / exp["file"]
    text = narrative(source)
    return Report(report_id=expected_path.stem, source=str(source), sha256="", format=source.suffix[1:],
                  agency=exp.get("agency"), year=exp.get("year"), template=exp["template"], values=values,
                  sections=sections_of(text), text=text)


def all_expected() -> list[Path]:
    return sorted(CORPUS.glob("*/*.expected.json")) if CORPUS.is_dir() else []


_CACHE: dict[str, tuple[Report, list]] = {}


def checked(name: str):
    if name not in _CACHE:
        path = next(p for p in all_expected() if p.name == f"{name}.expected.json")
        report = corpus_report(path)
        _CACHE[name] = (report, validate(report))
    return _CACHE[name]


# Each documented numeric defect -> (rule that must find it, severity, strings its message must show).
# Non-numeric ones (typos, leaked markup, numbering, cross-document, flattened text) are not listed.
DEFECTS = {
    "hongze-2023": [
        ("R6_review_total", "error", ["11", "0"]),
        ("R6_litigation_after_review_total", "error", ["5", "0"]),
        ("R4_result_rows_vs_handled_total", "info", ["（六）其他处理"]),  # template_deviation
    ],
    "hongze-2024": [
        ("text_vs_table_received", "error", ["17", "95"]),
        ("R4_result_rows_vs_handled_total", "info", ["（六）其他处理"]),
    ],
    "pingtan-2019": [
        ("text_published_sum", "error", ["2599", "2533"]),
        ("text_vs_table_normative", "warning", ["68", "89"]),
    ],
    "pingtan-2020": [
        ("R4_result_rows_vs_handled_total", "error", ["26", "20"]),
        ("R4_result_rows_vs_handled_total", "error", ["27", "21"]),
        ("text_published_sum", "error", ["2602", "2603"]),
    ],
    "pingtan-2022": [("text_vs_table_received", "info", ["75", "74", "1"])],
    "pingtan-2023": [("text_vs_table_normative", "error", ["393", "470"])],
    "shanghai-office-2019": [
        ("text_vs_table_category", "error", ["258", "275"]),
        ("text_vs_table_category", "error", ["265", "337"]),
        ("text_category_sum", "error", ["716", "805"]),
        ("blank_row_totals", "warning", ["（一）予以公开", "2.重复申请"]),
        ("text_all_upheld", "error", ["尚未审结2", "尚未审结1"]),
    ],
    "shichahai-2024": [
        ("text_vs_table_answered", "error", ["9", "8", "另有1件结转"]),
        ("text_category_sum", "error", ["4+2+2", "= 8", "9", "100%"]),
        ("text_staff_contradiction", "error", ["专职人员数0人", "设专职人员2名"]),
    ],
}
CLEAN = ("huaian-2024", "pingtan-2021", "pingtan-2021-flat")


@pytest.mark.parametrize("name,rule,severity,shows",
                         [(n, r, s, w) for n, items in DEFECTS.items() for r, s, w in items])
def test_documented_defect_is_found(name, rule, severity, shows):
    _, findings = checked(name)
    hits = [f for f in findings if f.rule == rule and f.severity == severity
            and all(w in f.message for w in shows)]
    assert hits, (f"{name}: no {severity} {rule} showing {shows}; got "
                  + "\n".join(f"{f.severity} {f.rule}: {f.message}" for f in findings))
    assert all(f.evidence for f in hits)


@pytest.mark.parametrize("name", CLEAN)
def test_clean_report_has_no_error(name):
    _, findings = checked(name)
    errors = [f"{f.rule}: {f.message}" for f in findings if f.severity == "error"]
    assert not errors


@pytest.mark.parametrize("path", all_expected(), ids=lambda p: p.name.split(".")[0])
def test_every_error_is_a_documented_defect(path):
    """No false errors: each error rule on a corpus report is one the corpus documents."""
    name = path.name.split(".")[0]
    _, findings = checked(name)
    allowed = {r for r, s, _ in DEFECTS.get(name, []) if s == "error"}
    unexpected = [f"{f.rule}: {f.message}" for f in findings if f.severity == "error" and f.rule not in allowed]
    assert not unexpected


def test_seed_answered_finding_quotes_the_text():
    _, findings = checked("shichahai-2024")
    f = next(f for f in findings if f.rule == "text_vs_table_answered")
    quotes = " ".join(q["quote"] for q in f.evidence["quotes"])
    assert "期限内答复" in quotes
    rows = {v["row"] for v in f.evidence["values"]}
    assert {"handled_total", "carried_forward"} <= rows


# ---- the same through the real extractor, when it is importable ------------------------------
def _extracted(name: str):
    process = pytest.importorskip("pipeline.process", reason="extractor pipeline not available")
    source = next(p for p in CORPUS.glob(f"*/{name}.*") if not p.name.endswith(".json"))
    return process.extract_report(source.read_bytes(), str(source))


@pytest.mark.parametrize("name", ["shichahai-2024", "shanghai-office-2019", "hongze-2024"])
def test_defects_found_through_the_extractor(name):
    report = _extracted(name)
    findings = report.findings or validate(report)
    for rule, severity, shows in DEFECTS[name]:
        assert any(f.rule == rule and f.severity == severity and all(w in f.message for w in shows)
                   for f in findings), (rule, shows)


@pytest.mark.parametrize("name", ["huaian-2024", "pingtan-2021"])
def test_clean_reports_through_the_extractor(name):
    report = _extracted(name)
    findings = report.findings or validate(report)
    mine = {r.id for r in RULES}  # the extractor's own notes (e.g. glued digits) are not judged here
    assert [f.message for f in findings if f.severity == "error" and f.rule in mine] == []
