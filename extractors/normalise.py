"""Document -> Report: template detection, label-matched values, metadata and sections.

Steps: classify (is it a 政府信息公开工作年度报告? which template?), read the table grids by labels
(extractors/tables.py), fall back to the glued-digit solver for flat text (extractors/glued.py,
optional), emit a Value for EVERY expected cell of the template (absent cells: value None, raw None),
and set the status: ok (every expected cell found), partial (some missing), failed (no table).
"""
from __future__ import annotations

import importlib

from extractors.document import Document
from extractors.errors import NotAReport
from extractors.metadata import detect_template, is_notice_title, looks_like_report, split_sections, title_info
from extractors.model import Finding, Report, Value
from extractors.numbers import parse_cell
from extractors.tables import GridResult, extract_grid, norm
from schemas import keys as K

# 2021 rows that the single 2019-style （六）其他处理 row stands in for (mixed layouts).
_OTHER_SUBROWS = ("other_overdue_correction", "other_overdue_fee", "other_reasons")
# Table 三 labels that, printed in plain text followed by digits, mean "flat text with glued digits".
_FLAT_MARKERS = ("本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量")


def normalise(doc: Document) -> Report:
    info = title_info(doc)
    report = Report(report_id=doc.sha256, source=doc.source, sha256=doc.sha256, format=doc.format,
                    agency=info.agency, year=info.year, title=info.title, n_pages=doc.n_pages,
                    text=doc.text, meta={"reader": dict(doc.meta)})
    first_line = doc.title or next((p.text for p in doc.paragraphs if p.text.strip()), "")
    if is_notice_title(first_line):
        raise NotAReport(f"not a 政府信息公开工作年度报告: the title reads like a notice ({first_line[:60]!r})",
                         source=doc.source)
    template = detect_template(doc, info.year)
    if template is None:
        if not looks_like_report(doc):
            raise NotAReport(
                "not a 政府信息公开工作年度报告: no table 二/三/四 labels and the title/text do not say it is "
                f"one (title {first_line[:60]!r})", source=doc.source)
        template = "unknown"
    report.template = template
    report.sections = split_sections(doc, template)
    if template in ("2021", "2019"):
        _fill_values(doc, report)
    elif template == "pre2019":
        report.status = "ok" if doc.tables else "partial"
        report.findings.append(Finding("legacy_template", "info",
                                       "pre-2019 report: the 2019/2021 tables do not apply; values left empty",
                                       {"n_tables": len(doc.tables)}, None, [], None))
    else:
        report.status = "failed"
        report.findings.append(Finding("unknown_template", "warning",
                                       "the title says 政府信息公开工作年度报告 but no template table was recognised",
                                       {"title": report.title, "n_tables": len(doc.tables)}, None, [], "extraction"))
    return report


def _fill_values(doc: Document, report: Report) -> None:
    template = report.template
    grid = extract_grid(doc.tables, template)
    report.findings.extend(grid.findings)
    expected_rows = {(t, r) for t, cells in K.expected_cells(template).items() for r, _ in cells}
    if not expected_rows <= grid.rows_found and _looks_flat(doc):
        _merge_flat(doc, report, grid)
    report.values = _complete(grid, template, report)
    expected = K.expected_cells(template)
    missing = [(t, r, c) for t, cells in expected.items() for r, c in cells
               if (t, r, c) not in grid.values or _unresolved(grid.values[(t, r, c)])]
    if not grid.values:
        report.status = "failed"
    elif missing and not _mixed_other_only(missing, grid):
        report.status = "partial"
        report.findings.append(Finding(
            "missing_cells", "warning", f"{len(missing)} expected cells of the {template} template not found or not resolved",
            {"missing": [f"{t}.{r}.{c}" for t, r, c in missing[:40]]}, None, [], "extraction"))
    else:
        report.status = "ok"


def _unresolved(v: Value) -> bool:
    """Digits were printed but could not be placed (e.g. an ambiguous glued run): not a found cell."""
    return v.value is None and parse_cell(v.raw).kind in ("number", "ambiguous")


def _mixed_other_only(missing, grid: GridResult) -> bool:
    """Only the 2021 （六） sub-rows are missing and the single 2019 （六） row stands in for them."""
    return ((K.TABLE_APPLICATIONS, "other_handling") in grid.rows_found
            and all(t == K.TABLE_APPLICATIONS and r in _OTHER_SUBROWS for t, r, _ in missing))


def _complete(grid: GridResult, template: str, report: Report) -> list[Value]:
    """Every expected cell in template order (absent -> None/None), then extra rows found (other_handling)."""
    out: list[Value] = []
    seen = set()
    for table, cells in K.expected_cells(template).items():
        for row, col in cells:
            v = grid.values.get((table, row, col)) or Value(table, row, col, None, None)
            out.append(v)
            seen.add((table, row, col))
    extra = [v for k, v in grid.values.items() if k not in seen]
    if extra:
        rows = sorted({v.row for v in extra})
        report.findings.append(Finding(
            "template_deviation", "info",
            f"rows of another template layout printed: {', '.join(rows)}"
            + ("; the single （六）其他处理 row stands in for the 2021 sub-rows" if "other_handling" in rows else ""),
            {"rows": rows}, extra[0].table, [(v.row, v.col) for v in extra[:7]], "publisher"))
    return out + extra


def _merge_flat(doc: Document, report: Report, grid: GridResult) -> None:
    """Table labels sit in the narrative (no grid was found for them): let the glued-digit solver
    read them, and take its values only for rows the grids did not give."""
    try:
        solved = _solve_flat(doc.text, report.template)
    except Exception as e:  # noqa: BLE001 - a solver bug must not lose the rest of the report
        report.findings.append(Finding("flat_solver_error", "warning",
                                       f"glued-digit solver failed: {type(e).__name__}: {e}",
                                       {}, None, [], "extraction"))
        return
    if solved is None:
        report.findings.append(Finding(
            "flat_text_unsolved", "warning",
            "the tables are printed as flat text with glued digits and no solver is available",
            {}, None, [], "extraction"))
        return
    values, findings = solved
    from_grid = set(grid.rows_found)
    taken = [v for v in values if (v.table, v.row) not in from_grid]
    for v in taken:
        grid.values[(v.table, v.row, v.col)] = v
        grid.rows_found.add((v.table, v.row))
    report.findings.extend(findings)
    if taken:
        report.meta["values_method"] = "split-solved" if not from_grid else "grid+text"


def _looks_flat(doc: Document) -> bool:
    text = norm(doc.text)
    return any(m in text for m in _FLAT_MARKERS)


def _solve_flat(text: str, template: str):
    """extractors.glued is written separately; tolerate its absence."""
    try:
        glued = importlib.import_module("extractors.glued")
    except ImportError:
        return None
    solver = getattr(glued, "solve_flat_tables", None)
    if solver is None:
        return None
    return solver(text, template)
