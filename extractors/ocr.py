"""OCR for pages with no text layer (scanned reports): page image -> paragraphs and table grids.

Engine: RapidOCR (PP-OCR models shipped inside the wheel, ONNX runtime, fully offline), chosen by
measurement (``python -m pipeline.bench_formats``, table pages of a generated report, 200 numbers):
RapidOCR read 100% of the numbers on a clean 300-dpi page and 99.5% on a degraded 200-dpi one
(blur, noise, JPEG q35); Tesseract chi_sim (apt, OMP_THREAD_LIMIT=1) read 93.5% / 96% and only
after the ruling lines were painted out (about 10% with them). Tesseract was faster (6 s/page vs
17-28 s/page for RapidOCR on the 2 shared cores at load 3-5); a misread number costs more than time.

The table grid is rebuilt from the ruling lines of the image (morphological line detection),
so merged cells come out with real spans; OCR boxes are then assigned to the cell that holds
their centre. Every cell keeps the OCR confidence (the lowest score of its boxes).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from extractors.document import Block, Cell, Paragraph, Table
from extractors.errors import MissingTool, ReadError

RENDER_DPI = 200  # measured as exact as 300 dpi on the fixtures and real PDFs, at about half the time
MAX_PIXELS = 40_000_000  # ~A2 at 300 dpi; larger pages are rendered at a lower resolution
INSTALL_HINT = ("OCR of scanned pages needs the `rapidocr`, `onnxruntime`, `opencv-python-headless` and "
                "`pypdfium2` packages: pip install 'xxgk[ocr]' (or pip install rapidocr onnxruntime "
                "opencv-python-headless pypdfium2).")


@dataclass
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@lru_cache(maxsize=1)
def _engine():
    # One engine per process: loading the models costs ~1 s. Threads: the batch already runs one
    # document per core, so ONNX must not fan out over both cores as well.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        from rapidocr import RapidOCR
    except ImportError as e:  # pragma: no cover - depends on the install
        raise MissingTool(INSTALL_HINT) from e
    params = {"Global.log_level": "error",
              "EngineConfig.onnxruntime.intra_op_num_threads": 1,
              "EngineConfig.onnxruntime.inter_op_num_threads": 1}
    return RapidOCR(params=params)


def require_engine() -> None:
    """Raise MissingTool (with the install hint) now, before any page is rendered."""
    try:
        import cv2  # noqa: F401
        import pypdfium2  # noqa: F401
    except ImportError as e:
        raise MissingTool(INSTALL_HINT) from e
    _engine()


def ocr_boxes(gray) -> list[Box]:
    """Run OCR on a grayscale numpy image; boxes in pixel coordinates."""
    out = _engine()(gray)
    boxes = []
    if out is None or out.boxes is None:
        return boxes
    for quad, text, score in zip(out.boxes, out.txts, out.scores):
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        boxes.append(Box(str(text), min(xs), min(ys), max(xs), max(ys), float(score)))
    return boxes


# ---- ruling lines -> grid ---------------------------------------------------------------------
def _line_masks(gray):
    import cv2

    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = binary.shape
    horiz = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 40), 1)))
    vert = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(20, h // 60))))
    # Close small gaps so a scan's broken lines still count as one line.
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 3)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 5)))
    return horiz, vert


def _positions(profile, min_len: int, gap: int = 8) -> list[int]:
    """Centres of runs of the projection profile that are at least min_len long."""
    idx = [i for i, v in enumerate(profile) if v >= min_len]
    out: list[list[int]] = []
    for i in idx:
        if out and i - out[-1][-1] <= gap:
            out[-1].append(i)
        else:
            out.append([i])
    return [sum(run) // len(run) for run in out]


def table_regions(gray) -> list[tuple[int, int, int, int, object, object]]:
    """Bounding boxes (x0, y0, x1, y1) of ruled tables, with their line masks."""
    import cv2

    horiz, vert = _line_masks(gray)
    both = cv2.bitwise_or(horiz, vert)
    n, _, stats, _ = cv2.connectedComponentsWithStats(both)
    h, w = gray.shape
    regions = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw > w // 4 and bh > 40:  # a table, not a stray underline
            regions.append((x, y, x + bw, y + bh, horiz, vert))
    return sorted(regions, key=lambda r: r[1])


def _grid_cells(region) -> tuple[list[int], list[int], list[tuple[int, int, int, int]]]:
    """Grid lines of one table region and its cells as (row, col, rowspan, colspan).

    A border between two neighbouring slots exists when the line mask covers most of the shared
    edge; slots with no border between them belong to one merged cell (union-find).
    """
    x0, y0, x1, y1, horiz, vert = region
    hsub, vsub = horiz[y0:y1 + 1, x0:x1 + 1], vert[y0:y1 + 1, x0:x1 + 1]
    ys = _positions((hsub > 0).sum(axis=1), min_len=max(30, (x1 - x0) // 12))
    xs = _positions((vsub > 0).sum(axis=0), min_len=max(20, (y1 - y0) // 30))
    # A table cut by a page break often has no closing rule: its vertical lines run on past the
    # last horizontal one. Close the grid at the end of the region in that case.
    h, w = hsub.shape
    if ys and h - 1 - ys[-1] > 20:
        ys.append(h - 1)
    if ys and ys[0] > 20:
        ys.insert(0, 0)
    if len(ys) < 2 or len(xs) < 2:
        return ys, xs, []
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def covered(mask, r0, r1, c0, c1) -> bool:
        seg = mask[r0:r1 + 1, c0:c1 + 1]
        if seg.size == 0:
            return False
        hit = (seg > 0).any(axis=0 if seg.shape[0] < seg.shape[1] else 1)
        return hit.mean() > 0.6

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc:  # vertical border between (r,c) and (r,c+1) at x = xs[c+1]
                xb = xs[c + 1]
                if not covered(vsub, ys[r] + 4, ys[r + 1] - 4, xb - 3, xb + 3):
                    parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr:  # horizontal border at y = ys[r+1]
                yb = ys[r + 1]
                if not covered(hsub, yb - 3, yb + 3, xs[c] + 4, xs[c + 1] - 4):
                    parent[find((r + 1) * nc + c)] = find(r * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = []
    for slots in groups.values():
        rs = [s[0] for s in slots]
        cs = [s[1] for s in slots]
        cells.append((min(rs), min(cs), max(rs) - min(rs) + 1, max(cs) - min(cs) + 1))
    return [y + y0 for y in ys], [x + x0 for x in xs], sorted(cells)


def _group_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes in reading order: lines by vertical position, left to right inside a line."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        if lines and abs(lines[-1][-1].cy - b.cy) < max(8.0, (b.y1 - b.y0) * 0.5):
            lines[-1].append(b)
        else:
            lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _join_boxes(boxes: list[Box]) -> str:
    return "\n".join("".join(x.text for x in line) for line in _group_lines(boxes))


@dataclass
class OcrCell:
    """One table cell found on a page image (pixel coordinates); confidence = lowest box score."""
    x0: float
    y0: float
    x1: float
    y1: float
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    confidence: float | None


@dataclass
class OcrTable:
    x0: float
    y0: float
    x1: float
    y1: float
    cells: list[OcrCell]


@dataclass
class OcrPage:
    """What OCR found on one page image: ruled tables and the text lines outside them."""
    height: int
    width: int
    tables: list[OcrTable]
    lines: list[Box]  # one Box per text line (text joined left to right, score = lowest)


def analyse_page(gray) -> OcrPage:
    """One page image -> its tables (grid from ruling lines) and text lines (pixel coordinates)."""
    boxes = ocr_boxes(gray)
    used: set[int] = set()
    tables: list[OcrTable] = []
    for region in table_regions(gray):
        ys, xs, slots = _grid_cells(region)
        if not slots:
            continue
        cells = []
        for (r, c, rs, cs) in slots:
            bx0, bx1, by0, by1 = xs[c], xs[c + cs], ys[r], ys[r + rs]
            inside = [i for i, b in enumerate(boxes) if i not in used and bx0 <= b.cx <= bx1 and by0 <= b.cy <= by1]
            used.update(inside)
            mine = [boxes[i] for i in inside]
            cells.append(OcrCell(bx0, by0, bx1, by1, r, c, rs, cs, _join_boxes(mine),
                                 min((b.score for b in mine), default=None)))
        tables.append(OcrTable(xs[0], ys[0], xs[-1], ys[-1], cells))
    rest = [b for i, b in enumerate(boxes) if i not in used]
    h, w = gray.shape[:2]
    return OcrPage(h, w, tables, _line_boxes(rest))


def page_blocks(gray, page: int) -> list[Block]:
    """One page image -> paragraphs (one per line) and tables, by vertical position.

    The PDF reader does not use this: it turns ``analyse_page`` into its own page content so
    that OCR'd pages get the same paragraph and cross-page table joining as text pages.
    """
    found = analyse_page(gray)
    placed: list[tuple[float, Block]] = []
    for t in found.tables:
        cells = [Cell(c.text, c.row, c.col, c.rowspan, c.colspan, page=page, confidence=c.confidence)
                 for c in t.cells]
        placed.append((t.y0, Table(cells, page=page, pages=(page,), method="ocr")))
    for line in found.lines:
        placed.append((line.y0, Paragraph(line.text, page=page)))
    placed.sort(key=lambda t: t[0])
    return [b for _, b in placed]


def _line_boxes(boxes: list[Box]) -> list[Box]:
    """Boxes grouped into text lines; each line becomes one Box spanning its words."""
    return [Box("".join(b.text for b in bs), min(b.x0 for b in bs), min(b.y0 for b in bs),
                max(b.x1 for b in bs), max(b.y1 for b in bs), min(b.score for b in bs))
            for bs in _group_lines(boxes)]


def render_pdf_page(data: bytes, page_index: int, dpi: int = RENDER_DPI):
    """Render one PDF page (0-based) to a grayscale numpy array with pdfium."""
    import numpy as np
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
        page = pdf[page_index]
        w, h = page.get_size()  # points
        # An oversized page (a poster, a bogus MediaBox) must not become a gigapixel image.
        scale = min(dpi / 72, (MAX_PIXELS / max(w * h, 1.0)) ** 0.5)
        img = page.render(scale=scale, grayscale=True).to_pil().convert("L")
    except Exception as e:  # pdfium raises its own error types
        raise ReadError(f"could not render page {page_index + 1} for OCR: {e}") from e
    return np.asarray(img)


def ocr_pdf_pages(data: bytes, pages: list[int]) -> list[Block]:
    """OCR the given 1-based pages of a PDF; blocks in page order."""
    blocks: list[Block] = []
    for p in pages:
        blocks.extend(page_blocks(render_pdf_page(data, p - 1), p))
    return blocks
