"""OCR building blocks: the table grid from ruling lines (no OCR engine needed), and the
identity-based correction search (extractors/ocr_fix.py) on hand-made reports."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from extractors import ocr
from extractors.model import Report, Value
from extractors.ocr_fix import propose_corrections
from schemas import keys as K

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


# ---- grid from ruling lines --------------------------------------------------------------------
def ruled_image(xs: list[int], ys: list[int], merged: set[tuple[int, int]] = frozenset(), cut_bottom=False):
    """White page with a ruled grid; ``merged`` = (row, col) whose right border is not drawn."""
    img = np.full((1200, 1000), 255, dtype=np.uint8)
    for i, y in enumerate(ys):
        if cut_bottom and i == len(ys) - 1:
            continue
        img[y - 1:y + 2, xs[0]:xs[-1] + 1] = 0
    for c, x in enumerate(xs):
        for r in range(len(ys) - 1):
            if (r, c - 1) in merged:
                continue
            img[ys[r]:ys[r + 1] + 1, x - 1:x + 2] = 0
    return img


def test_grid_cells_from_ruling_lines() -> None:
    xs, ys = [100, 400, 600, 800], [200, 280, 360, 440]
    img = ruled_image(xs, ys, merged={(0, 1)})  # row 0: columns 1 and 2 merged
    (region,) = ocr.table_regions(img)
    gy, gx, cells = ocr._grid_cells(region)
    assert all(abs(a - b) <= 3 for a, b in zip(gy, ys)) and all(abs(a - b) <= 3 for a, b in zip(gx, xs))
    assert (0, 1, 1, 2) in cells and (0, 0, 1, 1) in cells
    assert len(cells) == 3 * 3 - 1


def test_a_table_cut_by_the_page_end_is_closed() -> None:
    xs, ys = [100, 400, 600], [200, 280, 360, 1150]
    img = ruled_image(xs, ys, cut_bottom=True)  # no closing rule: verticals run on to y=1150
    (region,) = ocr.table_regions(img)
    gy, _, cells = ocr._grid_cells(region)
    assert len(gy) == 4 and len(cells) == 3 * 2


def test_no_table_on_a_page_of_prose() -> None:
    img = np.full((800, 600), 255, dtype=np.uint8)
    img[100:102, 50:200] = 0  # an underline, not a table
    assert ocr.table_regions(img) == []


# ---- correction proposals ------------------------------------------------------------------------
def sample_report(method: str = "ocr") -> Report:
    exp = json.loads((SAMPLES / "sample-2021-county.expected.json").read_text(encoding="utf-8"))
    r = Report("id", "s", "sha", "pdf", template=exp["template"])
    for table in (K.TABLE_APPLICATIONS, K.TABLE_REVIEWS):
        for row, cols in exp[table].items():
            for col, val in cols.items():
                r.values.append(Value(table, row, col, val, str(val), 2, method=method, confidence=0.95))
    return r


def test_consistent_tables_get_no_proposal() -> None:
    assert propose_corrections(sample_report()) == []


def test_every_single_misread_in_table_three_is_pinned_down() -> None:
    """R1, R4 and R5 cross at exactly one cell: each of the 175 cells is recovered alone."""
    r = sample_report()
    for v in [v for v in r.values if v.table == K.TABLE_APPLICATIONS]:
        right = v.value
        v.value = right + 7
        found = propose_corrections(r)
        assert [(f.cells, f.evidence["proposed"]) for f in found] == [([(v.row, v.col)], right)], (v.row, v.col)
        v.value = right


def test_table_four_sum_cannot_tell_which_cell() -> None:
    r = sample_report()
    r.get(K.TABLE_REVIEWS, "review", "upheld").value += 1
    assert propose_corrections(r) == []  # any of the 5 cells of the row would fit: no guess


def test_two_misreads_give_no_proposal() -> None:
    r = sample_report()
    r.get(K.TABLE_APPLICATIONS, "disclosed", "natural_person").value += 1
    r.get(K.TABLE_APPLICATIONS, "carried_forward", "total").value += 2
    assert propose_corrections(r) == []


def test_values_not_from_ocr_are_left_to_the_validation() -> None:
    r = sample_report(method="grid")
    r.get(K.TABLE_APPLICATIONS, "disclosed", "natural_person").value += 1
    assert propose_corrections(r) == []


def test_a_fix_must_be_a_count() -> None:
    r = sample_report()
    v = r.get(K.TABLE_APPLICATIONS, "handled_total", "total")
    v.value += 0.5  # every other cell would need a fraction to fit: only this one can be corrected
    (f,) = propose_corrections(r)
    assert f.evidence["proposed"] == v.value - 0.5 and isinstance(f.evidence["proposed"], int)


@pytest.mark.parametrize("template", ["2019"])
def test_2019_template_uses_its_single_other_row(template) -> None:
    r = Report("id", "s", "sha", "pdf", template=template)
    cols = [a.key for a in K.APPLICANTS]
    rows = {k.key: [0] * 7 for k in K.application_rows(template)}
    rows["received_new"] = [2, 1, 0, 0, 0, 0, 3]
    rows["disclosed"] = [1, 0, 0, 0, 0, 0, 1]
    rows["other_handling"] = [1, 1, 0, 0, 0, 0, 2]
    rows["handled_total"] = [2, 1, 0, 0, 0, 0, 3]
    for row, vals in rows.items():
        for col, val in zip(cols, vals):
            r.values.append(Value(K.TABLE_APPLICATIONS, row, col, val, str(val), 1, method="ocr", confidence=0.8))
    assert propose_corrections(r) == []
    r.get(K.TABLE_APPLICATIONS, "other_handling", "commercial").value = 7
    (f,) = propose_corrections(r)
    assert f.cells == [("other_handling", "commercial")] and f.evidence["proposed"] == 1


def test_lost_leading_numeral_still_matches_its_row() -> None:
    """OCR often drops the 一 of "一、本年新收…" (it reads "、本年新收…"): the row is still found."""
    from extractors.document import Cell, Table
    from extractors.tables import extract_grid

    rows = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
            ["、本年新收政府信息公开申请数量", "5", "0", "0", "0", "0", "1", "6"],
            ["、上年结转政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"]]
    cells = [Cell(t, r, c, page=1, confidence=0.9) for r, row in enumerate(rows) for c, t in enumerate(row)]
    res = extract_grid([Table(cells, page=1, pages=(1,), method="ocr")], "2021")
    got = {(k[1], k[2]): (v.value, v.method, v.confidence) for k, v in res.values.items()}
    assert got[("received_new", "total")] == (6, "ocr", 0.9)
    assert got[("carried_over", "natural_person")] == (1, "ocr", 0.9)


def test_an_oversized_page_is_rendered_within_the_pixel_cap() -> None:
    import io

    pypdfium2 = pytest.importorskip("pypdfium2")
    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(14400, 14400)  # 5 m square: 3.6 gigapixels at 300 dpi
    buf = io.BytesIO()
    pdf.save(buf)
    img = ocr.render_pdf_page(buf.getvalue(), 0)
    assert img.shape[0] * img.shape[1] <= ocr.MAX_PIXELS * 1.01
