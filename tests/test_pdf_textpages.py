"""Pages read from pdfium's objects give the same lines and tables as pdfplumber's own parse."""
from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from extractors import pdf as pdf_mod
from extractors.pdf_textpages import pdfium_page

ROOT = Path(__file__).resolve().parents[1]


def _both(path: Path):
    """(page number, fast PageContent or None, pdfplumber PageContent) for every page."""
    data = path.read_bytes()
    fast = pdf_mod.open_pdfium(data)
    out = []
    # Two parses: the fast path hands its objects to the pdfplumber page it is given.
    with pdfplumber.open(io.BytesIO(data)) as pdf, pdfplumber.open(io.BytesIO(data)) as ref:
        for page, ref_page in zip(pdf.pages, ref.pages):
            out.append((page.page_number, pdfium_page(fast, page), pdf_mod.read_page(ref_page)))
    fast.close()
    return out


def _close(a, b, attrs) -> bool:
    return all(abs(getattr(a, k) - getattr(b, k)) < 0.05 for k in attrs)


def _same_tables(a, b) -> bool:
    """Same tables: same cells (text, box within 0.05 pt), same loose lines."""
    return len(a.tables) == len(b.tables) and all(
        _close(s, t, ("x0", "top", "x1", "bottom")) and len(s.cells) == len(t.cells)
        and all(c.text == d.text and _close(c, d, ("x0", "top", "x1", "bottom")) for c, d in zip(s.cells, t.cells))
        and [ln.text for ln in s.loose_lines] == [ln.text for ln in t.loose_lines]
        for s, t in zip(a.tables, b.tables))


def _same_lines(a, b) -> bool:
    """Same text, size and weight; positions within 0.05 pt (float32 in pdfium, float64 in pdfminer)."""
    return len(a.lines) == len(b.lines) and all(
        (x.text, x.size, x.bold) == (y.text, y.size, y.bold)
        and max(abs(x.x0 - y.x0), abs(x.x1 - y.x1), abs(x.top - y.top), abs(x.bottom - y.bottom)) < 0.05
        for x, y in zip(a.lines, b.lines))


def _pdfs(shared: Path | None) -> list[Path]:
    found = sorted((ROOT / "data" / "samples").glob("*.pdf"))
    if shared is not None:
        found += sorted((shared / "corpus").rglob("*.pdf"))
    return found


@pytest.fixture(scope="module")
def pages(request):
    try:
        shared = request.getfixturevalue("shared_dir")
    except pytest.skip.Exception:
        shared = None
    return {p.name: _both(p) for p in _pdfs(shared)}


def test_every_pdfium_page_reads_the_same_lines_and_tables_as_pdfminer(pages):
    compared = 0
    for name, triples in pages.items():
        for number, fast, slow in triples:
            if fast is None:
                continue
            compared += 1
            assert _same_lines(fast, slow), f"{name} page {number}"
            assert _same_tables(fast, slow), f"{name} page {number}: tables differ"
            assert fast.furniture == slow.furniture
    with_tables = sum(1 for triples in pages.values() for _, fast, slow in triples if fast is not None and slow.tables)
    assert compared >= 2 and with_tables >= 2  # the county sample's text and table pages at least


def test_pages_without_text_take_the_pdfplumber_path(pages):
    for name, triples in pages.items():
        for number, fast, slow in triples:
            if not slow.has_text:
                assert fast is None, f"{name} page {number}"
    scan = pages["sample-2021-scan.pdf"]
    assert all(fast is None for _, fast, _ in scan)  # image pages: OCR decides, not pdfium


def _blocks(doc):
    out = []
    for b in doc.blocks:
        if hasattr(b, "cells"):
            out.append(("table", b.pages, [(c.text, c.row, c.col, c.rowspan, c.colspan, c.page) for c in b.cells]))
        else:
            out.append(("paragraph", b.page, b.text, getattr(b, "style", None)))
    return out


def test_whole_documents_are_unchanged_by_the_fast_path(monkeypatch, request):
    """Every PDF of the samples and the corpus: the same blocks (paragraphs with their styles,
    tables cell for cell) with and without pdfium."""
    try:
        shared = request.getfixturevalue("shared_dir")
    except pytest.skip.Exception:
        shared = None
    for path in _pdfs(shared):
        if path.name.endswith("-scan.pdf"):
            continue  # OCR, the same either way and slow
        data = path.read_bytes()
        fast_doc = pdf_mod.READER.read(data, str(path))
        with monkeypatch.context() as m:
            m.setattr(pdf_mod, "open_pdfium", lambda data: None)
            slow_doc = pdf_mod.READER.read(data, str(path))
        assert _blocks(fast_doc) == _blocks(slow_doc), path.name


def test_fake_bold_ruling_and_white_boxes_read_the_same_through_pdfium():
    """Drawn pages (tests/test_pdf_reader.py): a glyph printed twice, a ruled grid with WPS-style
    white boxes behind the text. pdfium reads them, and the reading equals pdfminer's."""
    from test_pdf_reader import Page, make_pdf

    p = Page().text(72, 80, "一、总体情况").text(72.4, 80, "一、总体情况")
    for r in range(4):
        p.hline(72, 472, 120 + 30 * r)
        p.white_box(74, 122 + 30 * r, 170, 140 + 30 * r)
    for x in (72, 172, 272, 372, 472):
        p.vline(x, 120, 210)
    for r, label in enumerate(("自然人", "商业企业", "总计")):
        p.text(76, 126 + 30 * r, label)
        for c in range(3):
            p.text(176 + 100 * c, 126 + 30 * r, str(10 * r + c))
    data = make_pdf([p])
    fast_doc = pdf_mod.open_pdfium(data)
    with pdfplumber.open(io.BytesIO(data)) as pdf, pdfplumber.open(io.BytesIO(data)) as ref:
        fast, slow = pdfium_page(fast_doc, pdf.pages[0]), pdf_mod.read_page(ref.pages[0])
    fast_doc.close()
    assert fast is not None and slow.tables
    assert [ln.text for ln in fast.lines] == ["一、总体情况"]  # the twin glyphs are one line
    assert _same_lines(fast, slow) and _same_tables(fast, slow)
