"""Misread or misprinted: a second reading (another table finder, or OCR) of a table that breaks an identity."""
from pathlib import Path

import pytest

from extractors.base import read_document
from extractors.normalise import normalise
from pipeline import second_reading
from pipeline.validate import validate

ROOT = Path(__file__).resolve().parents[1]


def _extract(path: Path):
    data = path.read_bytes()
    doc = read_document(data, str(path))
    report = normalise(doc)
    report.findings.extend(validate(report))
    return report, doc, data


def test_html_identity_errors_are_the_publishers_by_construction(shared_dir):
    report, doc, data = _extract(shared_dir / "corpus" / "real" / "pingtan-2020.html")
    assert second_reading.identity_errors(report)
    second_reading.check(report, doc, data)
    for f in second_reading.identity_errors(report):
        assert f.origin == "publisher" and "markup" in f.evidence["second_reading"]


def test_a_misread_in_a_text_pdf_is_corrected_by_the_second_reading():
    """Plant a misread in the first reading of a clean PDF: OCR reads the page right, so the
    finding says extraction (not publisher) and the value the table holds together with is kept."""
    pdf = ROOT / "data" / "samples" / "sample-2021-county.pdf"
    report, doc, data = _extract(pdf)
    assert not second_reading.identity_errors(report)
    cell = report.get("applications", "disclosed", "natural_person")
    true_value = cell.value
    cell.value = true_value + 3  # what a glyph misread would do
    report.findings = validate(report)
    assert second_reading.identity_errors(report)
    second_reading.check(report, doc, data)
    assert not second_reading.identity_errors(report)
    fixed = [f for f in report.findings if f.rule == "misread_corrected"]
    assert fixed and all(f.origin == "extraction" and f.severity == "info" for f in fixed)
    assert report.get("applications", "disclosed", "natural_person").value == true_value
    assert report.get("applications", "disclosed", "natural_person").method == "second-reading"
    assert fixed[0].evidence["second_reading"]["method"] == "pdfplumber-default-finder+words"


def test_ocr_mode_reads_a_text_pdf_again_by_ocr(monkeypatch):
    """XXGK_SECOND_READING=ocr: the same planted misread, now corrected by OCR of the page."""
    monkeypatch.setenv("XXGK_SECOND_READING", "ocr")
    report, doc, data = _extract(ROOT / "data" / "samples" / "sample-2021-county.pdf")
    cell = report.get("applications", "disclosed", "natural_person")
    true_value, cell.value = cell.value, cell.value + 3
    report.findings = validate(report)
    second_reading.check(report, doc, data)
    fixed = [f for f in report.findings if f.rule == "misread_corrected"]
    assert fixed and fixed[0].evidence["second_reading"]["method"].startswith("ocr@")
    assert report.get("applications", "disclosed", "natural_person").value == true_value


def test_off_mode_leaves_the_error_and_says_so(monkeypatch):
    monkeypatch.setenv("XXGK_SECOND_READING", "off")
    report, doc, data = _extract(ROOT / "data" / "samples" / "sample-2021-county.pdf")
    report.get("applications", "disclosed", "natural_person").value += 3
    report.findings = validate(report)
    second_reading.check(report, doc, data)
    errors = second_reading.identity_errors(report)
    assert errors and all("not run" in f.evidence["second_reading"] for f in errors)


@pytest.mark.slow
def test_hongze_table_four_totals_are_misprints_confirmed_by_ocr(shared_dir, monkeypatch):
    monkeypatch.setenv("XXGK_SECOND_READING", "ocr")
    report, doc, data = _extract(shared_dir / "corpus" / "real" / "hongze-2023.pdf")
    second_reading.check(report, doc, data)
    r6 = [f for f in report.findings if f.rule.startswith("R6_")]
    assert r6 and all(f.origin == "publisher" and f.severity == "error" for f in r6)
