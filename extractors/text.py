"""Plain-text reader: Word-to-text dumps and flat crawler text.

Word's "save as text" (and similar dumpers) writes a table as blocks of lines that start with a
TAB, one block per row, blocks separated by a blank line; each TAB line is one cell (an empty TAB
line is an empty cell, often the rest of a vertically merged label) and a line WITHOUT a tab right
after a cell line continues that cell (a wrapped label like "商业" / "企业"). We rebuild those
rows as a Table (cells left to right, colspan 1: the dump has no spans, rows may be ragged).
Everything else is a Paragraph. Crawler text with no tabs is all paragraphs; splitting its glued
digits is ``extractors.glued``'s job.

Sniffing: plain text has no magic bytes, so content alone never claims a file that has an
extension (another reader's extension fallback must get its chance). Only extension-less files
that decode as text are claimed here.
"""
from __future__ import annotations

import codecs
import re
from pathlib import PurePosixPath

from extractors.base import sha256_hex
from extractors.document import Block, Cell, Document, Paragraph, Table
from extractors.errors import ReadError, ResourceLimit

MAX_TEXT_BYTES = 50 * 1024 * 1024  # a report is a few hundred KB; anything this big is not one
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Markers some dumpers write for Word objects that have no text ("[bookmark: OLE_LINK1]").
_MARKERS = re.compile(r"\[bookmark: [^\]\n]*\]")
_CELL_STRIP = " \t\u3000\xa0\r"


def decode(data: bytes) -> tuple[str, str]:
    """BOM first, then strict UTF-8, then GB18030 (the usual encoding of Chinese Windows text)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc
            except UnicodeDecodeError as e:
                raise ReadError(f"text has a {enc} BOM but does not decode as {enc}: {e}") from e
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise ReadError(f"text is neither UTF-8 nor GB18030: {e}") from e


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if any(head.startswith(b) for b, _ in _BOMS):
        return True
    if b"\x00" in head:
        return False
    try:
        decode(head[: len(head) - 4] if len(head) == 4096 else head)  # cut may split a character
    except ReadError:
        return False
    return True


# ---- structure -----------------------------------------------------------------------------
def _clean(line: str) -> str:
    return _MARKERS.sub("", line)


def _split_rows(lines: list[str], start: int) -> tuple[list[list[str]], int]:
    """Read table rows from ``start`` (a TAB line); return the rows and the index after them.

    A row is consecutive TAB lines plus their continuation lines; rows are separated by blank
    lines; the table ends at the first line that is neither blank, TAB-led nor a continuation.
    """
    rows: list[list[str]] = []
    i = start
    n = len(lines)
    while i < n:
        if not lines[i].startswith("\t"):
            break
        row: list[str] = []
        while i < n:
            line = lines[i]
            if line.startswith("\t"):
                row.append(line[1:].strip(_CELL_STRIP))
            elif line.strip(_CELL_STRIP):  # wrapped text of the cell above
                more = line.strip(_CELL_STRIP)
                row[-1] = f"{row[-1]}\n{more}" if row[-1] else more
            else:
                break
            i += 1
        rows.append(row)
        j = i
        while j < n and lines[j].strip(_CELL_STRIP) == "" and not lines[j].startswith("\t"):
            j += 1
        if j < n and lines[j].startswith("\t"):
            i = j  # blank line(s) between rows of the same table
        else:
            break
    return rows, i


def _as_table(rows: list[list[str]]) -> Table:
    cells = [Cell(text=t, row=r, col=c, page=None) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Table(cells=cells, page=None, pages=(), method="text")


def parse_blocks(text: str) -> list[Block]:
    lines = [_clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            rows, i = _split_rows(lines, i)
            if len(rows) >= 2 or (rows and len(rows[0]) >= 2):
                blocks.append(_as_table(rows))
            else:  # a lone tab-indented line is an indented paragraph, not a table
                for t in (t for row in rows for t in row):
                    if t.strip():
                        blocks.append(Paragraph(text=t.strip(), page=None))
            continue
        stripped = line.strip(_CELL_STRIP)
        if stripped:
            blocks.append(Paragraph(text=stripped, page=None))
        i += 1
    return blocks


def _pick_title(blocks: list[Block]) -> str | None:
    paras = [b for b in blocks if isinstance(b, Paragraph)]
    for p in paras[:15]:
        if "年度报告" in p.text and len(p.text) <= 80:
            return re.sub(r"^标题[:：]\s*", "", p.text)
    return paras[0].text if paras else None


class TextReader:
    format = "txt"
    extensions = (".txt", ".text")

    def sniff(self, data: bytes, name: str) -> bool:
        # Only extension-less names: "page", "000_86514a3b0928ab2f" (a dot in a folder is fine).
        if "." in PurePosixPath(name.replace("\\", "/")).name:
            return False
        return bool(data) and _looks_like_text(data)

    def read(self, data: bytes, source: str) -> Document:
        if not data:
            raise ReadError("empty file", source=source)
        if len(data) > MAX_TEXT_BYTES:
            raise ResourceLimit(f"text file of {len(data)} bytes (cap {MAX_TEXT_BYTES})", source=source)
        try:
            text, encoding = decode(data)
        except ReadError as e:
            raise ReadError(e.message, source=source) from e
        if "\x00" in text:
            raise ReadError("binary data (NUL bytes) in a text file", source=source)
        blocks = parse_blocks(text)
        return Document(
            source=source, format="txt", sha256=sha256_hex(data), blocks=blocks,
            title=_pick_title(blocks), n_pages=None,
            meta={"encoding": encoding, "tab_tables": sum(isinstance(b, Table) for b in blocks)},
        )


READER = TextReader()
