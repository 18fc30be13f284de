"""Pages of pure text read through pdfium give the same lines as pdfplumber's reading."""
from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from extractors import pdf as pdf_mod

ROOT = Path(__file__).resolve().parents[1]


def _both(path: Path):
    """(page number, fast PageContent or None, pdfplumber PageContent) for every page."""
    data = path.read_bytes()
    fast = pdf_mod.open_pdfium(data)
    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            out.append((page.page_number, pdf_mod.text_only_page(fast, page), pdf_mod.read_page(page)))
    fast.close()
    return out


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


def test_every_text_only_page_reads_the_same_lines_as_pdfplumber(pages):
    compared = 0
    for name, triples in pages.items():
        for number, fast, slow in triples:
            if fast is None:
                continue
            compared += 1
            assert _same_lines(fast, slow), f"{name} page {number}"
            assert fast.furniture == slow.furniture and not slow.tables
    assert compared >= 2  # the county sample's narrative pages at least


def test_pages_with_tables_or_without_text_take_the_pdfplumber_path(pages):
    for name, triples in pages.items():
        for number, fast, slow in triples:
            if slow.tables or not slow.has_text:
                assert fast is None, f"{name} page {number}"
    scan = pages["sample-2021-scan.pdf"]
    assert all(fast is None for _, fast, _ in scan)  # image pages: OCR decides, not pdfium


def test_a_reader_run_is_unchanged_by_the_fast_path(monkeypatch):
    path = ROOT / "data" / "samples" / "sample-2021-county.pdf"
    fast_doc = pdf_mod.READER.read(path.read_bytes(), str(path))
    monkeypatch.setattr(pdf_mod, "open_pdfium", lambda data: None)
    slow_doc = pdf_mod.READER.read(path.read_bytes(), str(path))
    assert [(type(b).__name__, getattr(b, "text", None)) for b in fast_doc.blocks] == \
        [(type(b).__name__, getattr(b, "text", None)) for b in slow_doc.blocks]
