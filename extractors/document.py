"""The format-neutral Document every reader produces.

A reader turns bytes into a ``Document``: paragraphs and table grids in reading order, with page
numbers and row/col spans. Nothing here knows about the report template; that is the normaliser's
job (``extractors/normalise.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass
class Cell:
    """One printed cell. A merged cell is ONE Cell with rowspan/colspan > 1, never repeated."""

    text: str  # text as printed, inner line breaks kept as "\n"
    row: int  # grid row of the cell's top-left corner (0-based, within its Table)
    col: int  # grid column of the top-left corner
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None  # 1-based page, None for formats without pages
    confidence: float | None = None  # OCR confidence of the cell text (None when not OCR'd)


@dataclass
class Table:
    cells: list[Cell]
    page: int | None = None  # page the table starts on
    pages: tuple[int, ...] = ()  # every page the table touches (tables may cross pages)
    method: str = "grid"  # how the grid was obtained: grid, lines, text, ocr, ...

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)

    def grid(self) -> list[list[Cell | None]]:
        """Expanded grid: a merged cell appears (by identity) in every position it covers."""
        g: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    g[r][k] = c
        return g

    def rows(self) -> list[list[Cell]]:
        """Cells of each grid row, left to right, each distinct cell once.

        A cell spanning rows appears in every row it covers (it is the label of all of them);
        the normaliser decides whether that matters.
        """
        out: list[list[Cell]] = []
        for line in self.grid():
            seen: list[Cell] = []
            for c in line:
                if c is not None and all(c is not s for s in seen):
                    seen.append(c)
            out.append(seen)
        return out

    def text_rows(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows()]


@dataclass
class Paragraph:
    text: str
    page: int | None = None
    style: str | None = None  # e.g. "heading", "title" when the format says so


Block = Union[Paragraph, Table]


@dataclass
class Document:
    source: str  # path or URL as given
    format: str  # html, pdf, docx, doc, txt, ...
    sha256: str
    blocks: list[Block] = field(default_factory=list)  # reading order
    title: str | None = None  # <title>, PDF metadata title, first heading...
    n_pages: int | None = None
    meta: dict = field(default_factory=dict)  # reader-specific facts (encoding, producer, ...)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def iter_text(self) -> Iterator[tuple[str, int | None]]:
        for b in self.blocks:
            if isinstance(b, Paragraph):
                yield b.text, b.page

    @property
    def text(self) -> str:
        """Narrative text (paragraphs only), one paragraph per line."""
        return "\n".join(t for t, _ in self.iter_text())
