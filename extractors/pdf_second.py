"""A second, independent reading of a text-layer PDF page's tables (for pipeline/second_reading.py).

The first reading (extractors/pdf_tables.py) keeps only visible ruling, closes each cluster of
ruling with its bounding box, and crops characters to each cell. This one differs in both
halves, so a structural misread of the first (a lost ruling line, a character cut by a cell
edge, a row merged across a page break) shows up as a disagreement:
- cells: pdfplumber's stock table finder with its default settings, on the unfiltered page;
- text: whole words (``extract_words``) placed in the cell that holds their centre.
It costs about one stock ``extract_tables`` per failing page (tens of ms), where OCR costs
seconds, so it runs by default; OCR stays the second reading of OCR'd values and can be asked
for on text pages too (``XXGK_SECOND_READING=ocr``), e.g. for a text layer whose font maps
digits wrongly, which only pixels can show.
"""
from __future__ import annotations

import io

from extractors.document import Table
from extractors.pdf import without_fake_bold
from extractors.pdf_tables import PageTable, RawCell, build_table, can_continue, cluster

METHOD = "pdfplumber-default-finder+words"


def _page_tables(page) -> list[PageTable]:
    out = []
    for found in page.find_tables():
        x0, top, x1, bottom = found.bbox
        words = page.crop(found.bbox, strict=False).extract_words(keep_blank_chars=False)
        boxes = [c for c in found.cells if c is not None]
        texts: dict[int, list[dict]] = {}
        for w in words:
            cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
            for i, (a, b, c, d) in enumerate(boxes):
                if a <= cx <= c and b <= cy <= d:
                    texts.setdefault(i, []).append(w)
                    break
        cells = []
        for i, (a, b, c, d) in enumerate(boxes):
            ws = sorted(texts.get(i, []), key=lambda w: (round(w["top"]), w["x0"]))
            cells.append(RawCell(a, b, c, d, " ".join(w["text"] for w in ws)))
        part = PageTable(page.page_number, x0, top, x1, bottom, cells=cells, page_height=float(page.height),
                         method="second-finder")
        if len(part.x_edges()) >= 3 and len(cluster([v for c in cells for v in (c.top, c.bottom)])) >= 3:
            out.append(part)
    return out


def read_tables(data: bytes, pages: list[int]) -> list[Table]:
    """The tables of the given 1-based pages, joined across consecutive pages as usual."""
    import pdfplumber

    parts: list[PageTable] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number in sorted(set(pages)):
            if 1 <= number <= len(pdf.pages):
                page = pdf.pages[number - 1]
                try:
                    parts.extend(_page_tables(without_fake_bold(page)))  # as in the first reading
                finally:
                    page.close()
    tables, run = [], []
    for part in parts:
        if run and not can_continue(run[-1], part):
            tables.append(build_table(run))
            run = []
        run.append(part)
    if run:
        tables.append(build_table(run))
    return tables
