"""Misread or misprinted? A second, independent reading of a table that breaks an identity.

When a report fails a table identity (R1, R4, R5, R6), the failing table is read again with a
different method, so that analysts can trust that an ``error`` is the publisher's and not ours:
- PDF: the pages of the failing cells are read again and the document is normalised again with
  those tables. OCR'd values are read by OCR again (at another resolution than the first OCR);
  a text layer by a second table finder (extractors/pdf_second.py: another finder, whole words),
  which costs tens of ms where OCR costs seconds a page. ``XXGK_SECOND_READING=ocr`` OCRs text
  pages too (a font that maps digits wrongly shows only in pixels); ``off`` skips the step;
- HTML, DOCX, text: the grid IS the document's markup, there is no second way to read the same
  cells, so the finding is the publisher's by construction (said so in its evidence).
Outcomes, written on the finding (``origin``) and its evidence:
- the second reading satisfies the identity and differs from the first: the first was a misread;
  the second reading's values replace it (method ``second-reading``), the error becomes an
  ``info`` finding ``misread_corrected`` naming both readings — except for OCR'd values, which
  are never overwritten: the finding becomes a ``warning`` of origin ``extraction`` and
  ``ocr_correction_proposed`` says what the cell should be;
- both readings agree: ``origin = "publisher"``, the error stands;
- they disagree and neither holds: ``origin = "uncertain"``, the error stands with both readings.
"""
from __future__ import annotations

import os
from dataclasses import replace

from extractors.document import Document, Table
from extractors.model import Finding, Report, Value

IDENTITY_PREFIXES = ("R1_", "R4_", "R5_", "R6_")
SECOND_DPI = 250  # differs from the first OCR's 300 dpi, so a scan gets a genuinely new reading
NO_SECOND_METHOD = "the table grid is the document's own markup: a second reading gives the same cells"


def identity_errors(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.severity == "error" and f.rule.startswith(IDENTITY_PREFIXES)]


def _pages_of(report: Report, findings: list[Finding]) -> list[int]:
    tables = {f.table for f in findings if f.table}
    return sorted({v.page for v in report.values if v.table in tables and v.page})


def _ocr_tables(data: bytes, pages: list[int]) -> list[Table]:
    from extractors import ocr

    return [b for p in pages for b in ocr.page_blocks(ocr.render_pdf_page(data, p - 1, SECOND_DPI), p)
            if isinstance(b, Table)]


def mode() -> str:
    """``auto`` (default): OCR for OCR'd values, the second table finder for a text layer;
    ``ocr``: OCR for every PDF (slow, seconds a page); ``off``: no second reading."""
    m = os.environ.get("XXGK_SECOND_READING", "auto").strip().lower()
    return m if m in ("auto", "ocr", "off") else "auto"


def _second_document(doc: Document, data: bytes, pages: list[int], use_ocr: bool) -> tuple[Document, str]:
    """The document with every table touching ``pages`` replaced by a second reading of those pages."""
    touched = [b for b in doc.blocks if isinstance(b, Table) and set(b.pages or (b.page,)) & set(pages)]
    all_pages = sorted(set(pages) | {p for t in touched for p in (t.pages or (t.page,)) if p})
    if use_ocr:
        tables, method = _ocr_tables(data, all_pages), f"ocr@{SECOND_DPI}dpi"
    else:
        from extractors.pdf_second import METHOD, read_tables

        tables, method = read_tables(data, all_pages), METHOD
    blocks, inserted = [], False
    for b in doc.blocks:
        if any(b is t for t in touched):
            if not inserted:
                blocks.extend(tables)
                inserted = True
            continue
        blocks.append(b)
    if not inserted:
        blocks.extend(tables)
    return replace(doc, blocks=blocks), method


def _key(f: Finding) -> tuple:
    return f.rule, tuple(sorted(map(tuple, f.cells)))


def _cells_of(report: Report, table: str) -> dict[tuple[str, str], Value]:
    return {(v.row, v.col): v for v in report.values if v.table == table}


def check(report: Report, doc: Document, data: bytes) -> None:
    """Decide misread vs misprint for the report's identity errors (mutates the report)."""
    errors = identity_errors(report)
    if not errors:
        return
    if report.format != "pdf":
        for f in errors:
            f.origin = "publisher"
            f.evidence["second_reading"] = NO_SECOND_METHOD
        return
    from extractors.normalise import normalise
    from pipeline.validate import validate

    chosen = mode()
    if chosen == "off":
        for f in errors:
            f.evidence["second_reading"] = "not run (XXGK_SECOND_READING=off)"
        return
    use_ocr = chosen == "ocr" or any(getattr(_cells_of(report, f.table).get(tuple(c)), "method", None) == "ocr"
                                     for f in errors for c in f.cells)
    try:
        second_doc, method = _second_document(doc, data, _pages_of(report, errors), use_ocr)
        second = normalise(second_doc)
        second.findings = validate(second)
    except Exception as e:  # noqa: BLE001 - no second reading: the first one stands, said so
        for f in errors:
            f.evidence["second_reading"] = f"not available: {type(e).__name__}: {e}"
        return
    still = {_key(f) for f in identity_errors(second)}
    replaced: set[str] = set()
    for f in errors:
        first_cells, second_cells = _cells_of(report, f.table), _cells_of(second, f.table)
        involved = [tuple(c) for c in f.cells]
        a = {c: first_cells[c].value for c in involved if c in first_cells}
        b = {c: second_cells[c].value for c in involved if c in second_cells}
        f.evidence["second_reading"] = {"method": method, "values": {"/".join(c): v for c, v in b.items()}}
        ocr_first = any(first_cells[c].method == "ocr" for c in involved if c in first_cells)
        if _key(f) not in still and a != b and all(v is not None for v in b.values()) and ocr_first:
            # An OCR'd value is never overwritten (issue 3): the misread is ours, said so; the
            # value stays as read and ocr_correction_proposed names what it should be.
            f.origin, f.severity = "extraction", "warning"
            f.message += f"（第二次识别 {f.evidence['second_reading']['method']} 满足该等式：属识别错误，值保留原识别结果）"
            f.evidence["first_reading"] = {"/".join(c): v for c, v in a.items()}
        elif _key(f) not in still and a != b and all(v is not None for v in b.values()):
            f.origin, f.severity, f.rule = "extraction", "info", "misread_corrected"
            f.message = f"first reading misread ({f.message}); the second reading ({f.evidence['second_reading']['method']}) satisfies the identity and is kept"
            f.evidence["first_reading"] = {"/".join(c): v for c, v in a.items()}
            replaced.add(f.table)
        elif a == b:
            f.origin = "publisher"
        else:
            f.origin = "uncertain"
    for table in replaced:  # the whole table from the reading that holds together
        for v in report.values:
            if v.table == table:
                w = _cells_of(second, table).get((v.row, v.col))
                if w is not None and w.value != v.value:
                    v.value, v.raw, v.method, v.confidence = w.value, w.raw, "second-reading", w.confidence
