"""Scanned (image-only) PDFs: OCR'd pages reach the Report with method "ocr" and a confidence,
misreads that the identities pin down are proposed as findings, never applied.

The fixture data/samples/sample-2021-scan.pdf (3 pages, written by
``python -m pipeline.samplegen_derived``) is OCR'd once per test session (~10 s a page here).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from extractors import ocr
from extractors import pdf as pdf_mod
from extractors.errors import MissingTool
from extractors.ocr import OcrCell, OcrPage, OcrTable
from extractors.ocr_fix import propose_corrections
from pipeline.evaluate import compare
from pipeline.process import extract_report

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SCAN = SAMPLES / "sample-2021-scan.pdf"
EXPECTED = json.loads((SAMPLES / "sample-2021-scan.expected.json").read_text(encoding="utf-8"))

try:
    ocr.require_engine()
    HAVE_OCR = True
except MissingTool:
    HAVE_OCR = False
needs_ocr = pytest.mark.skipif(not HAVE_OCR, reason="rapidocr/onnxruntime/opencv not installed")


@pytest.fixture(scope="module")
def report():
    return extract_report(SCAN.read_bytes(), str(SCAN))


@needs_ocr
def test_scan_is_extracted_exactly(report) -> None:
    assert not report.meta.get("failures"), report.meta.get("failures")
    result = compare(report, EXPECTED)
    assert result.exact, "\n".join(result.mismatches)
    assert result.cells_total == 200


@needs_ocr
def test_every_value_is_ocr_with_a_confidence(report) -> None:
    assert report.values
    for v in report.values:
        assert v.method == "ocr", (v.row, v.col, v.method)
        if v.raw and v.raw.strip():
            assert v.confidence is not None and 0 < v.confidence <= 1, (v.row, v.col, v.confidence)


@needs_ocr
def test_a_clean_scan_gets_no_correction(report) -> None:
    assert propose_corrections(report) == []


@needs_ocr
@pytest.mark.parametrize("table,row,col", [("applications", "withheld_third_party", "natural_person"),
                                           ("applications", "handled_total", "total"),
                                           ("applications", "received_new", "research")])
def test_a_planted_misread_is_proposed_not_applied(report, table, row, col) -> None:
    misread = copy.deepcopy(report)
    v = misread.get(table, row, col)
    right = v.value
    wrong = right + 3 if right < 3 else right - 1  # e.g. an 8 read as a 3, or a lost stroke
    v.value, v.raw = wrong, str(wrong)
    (finding,) = propose_corrections(misread)
    assert finding.rule == "ocr_correction_proposed" and finding.severity == "warning"
    assert finding.origin == "extraction" and finding.cells == [(row, col)]
    ev = finding.evidence
    assert ev["proposed"] == right and ev["value_read"] == wrong and ev["raw"] == str(wrong)
    assert ev["cell"] == {"table": table, "row": row, "col": col} and ev["confidence"] == v.confidence
    assert misread.get(table, row, col).value == wrong  # the value stays as read


@needs_ocr
def test_ocr_output_misread_end_to_end(monkeypatch) -> None:
    """A digit misread by the engine itself (page 2 only): the report keeps it, the fix names it."""
    right = EXPECTED["applications"]["received_new"]["total"]
    wrong = right + 10
    real = ocr.ocr_boxes

    def misreading(gray):
        boxes = real(gray)
        for b in boxes:  # the 一、本年新收 总计 cell: the only box printing this total on its page
            if b.text == str(right) and misreading.left:
                b.text = str(wrong)
                misreading.left -= 1
        return boxes
    misreading.left = 1
    pages = _scan_pages([1, 2])
    monkeypatch.setattr(ocr, "ocr_boxes", misreading)
    got = extract_report(pages, "two-pages.pdf")
    v = got.get("applications", "received_new", "total")
    assert v.value == wrong and v.method == "ocr"
    found = [f for f in propose_corrections(got) if f.rule == "ocr_correction_proposed"]
    assert [(f.cells, f.evidence["proposed"]) for f in found] == [([("received_new", "total")], right)]


def _scan_pages(keep: list[int]) -> bytes:
    """The fixture cut to some pages (fewer pages to OCR)."""
    import io
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(SCAN.read_bytes())
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [k - 1 for k in keep])
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def test_missing_ocr_engine_is_a_missing_tool_failure(monkeypatch) -> None:
    def absent() -> None:
        raise MissingTool(ocr.INSTALL_HINT)
    monkeypatch.setattr(ocr, "require_engine", absent)
    report = extract_report(SCAN.read_bytes(), str(SCAN))
    (fail,) = report.meta["failures"]
    assert fail["error"] == "MissingTool" and "pip install" in fail["message"]


def _ocr_table(y0: float, rows: list[list[str]], conf: float) -> OcrTable:
    xs = [100, 500, 700, 900]
    cells = [OcrCell(xs[c], y0 + 60 * r, xs[c + 1], y0 + 60 * (r + 1), r, c, 1, 1, text, conf)
             for r, row in enumerate(rows) for c, text in enumerate(row)]
    return OcrTable(100, y0, 900, y0 + 60 * len(rows), cells)


def test_ocr_tables_on_consecutive_pages_are_joined() -> None:
    """Page 1 ends with a table near the bottom, page 2 goes on at the top: one Table, as for text pages."""
    h = 2339  # A4 at 200 dpi
    p1 = OcrPage(h, 1654, [_ocr_table(1700, [["信息内容", "制发", "废止"], ["规章", "1", "2"],
                                             ["行政规范性文件", "3", "4"]], 0.9)], [])
    p2 = OcrPage(h, 1654, [_ocr_table(180, [["信息内容", "制发", "废止"], ["行政许可", "5", "6"]], 0.7)], [])
    pages = [pdf_mod.ocr_page_content(p, n, 842.0) for n, p in ((1, p1), (2, p2))]
    blocks = pdf_mod.assemble_blocks(pages)
    tables = [b for b in blocks if hasattr(b, "cells")]
    assert len(tables) == 1
    t = tables[0]
    assert t.method == "ocr" and t.pages == (1, 2)
    assert t.text_rows() == [["信息内容", "制发", "废止"], ["规章", "1", "2"], ["行政规范性文件", "3", "4"],
                             ["行政许可", "5", "6"]]  # the repeated header row is dropped
    assert {c.confidence for c in t.cells if c.page == 2} == {0.7}
    assert {c.confidence for c in t.cells if c.page == 1} == {0.9}


def test_a_one_cell_box_is_text_not_a_table() -> None:
    box = OcrTable(100, 300, 900, 400, [OcrCell(100, 300, 900, 400, 0, 0, 1, 1, "本报告所列数据", 0.9)])
    content = pdf_mod.ocr_page_content(OcrPage(2339, 1654, [box], []), 1, 842.0)
    assert not content.tables and [ln.text for ln in content.lines] == ["本报告所列数据"]
