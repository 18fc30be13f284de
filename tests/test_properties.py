"""Property-based tests (hypothesis) of the normaliser and the rules, through a Document grid.

tests/test_rules.py checks the rules on Reports built directly. Here a consistent report drawn by
the sample generator is laid out as a Document (the grids a reader produces, merged cells as
rowspan/colspan), its printed labels are distorted the way real reports distort them, and:
- ``normalise`` reads back exactly the generated values, and ``validate`` finds no error;
- changing any single value cell of table 三 or 四 in the grid is caught by at least one rule
  that names the changed cell.
"""
from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.document import Cell, Document, Paragraph, Table
from extractors.normalise import normalise
from pipeline import samplegen as sg
from pipeline.rows import expected_layout
from pipeline.samplegen_render import grid_positions, narrative
from pipeline.validate import validate

NUMBER = re.compile(r"^[-\d.,/]+(元|万元)?$")
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _noisy(label: str, rng: random.Random) -> str:
    """Line breaks, spaces, ideographic spaces and half/full-width punctuation, as printed."""
    if not label or NUMBER.match(label.strip()):
        return label
    swaps = {"（": "(", "）": ")", "，": ",", "：": ":", "、": rng.choice(["、", "，", "."])}
    chars = [swaps.get(ch, ch) if rng.random() < 0.5 else ch for ch in label]
    for _ in range(rng.randint(0, 2)):
        chars.insert(rng.randrange(1, len(chars) + 1), rng.choice([" ", "\n", "\u3000", "\u00a0"]))
    return "".join(chars)


def document(spec: dict, noise: random.Random | None = None) -> Document:
    """The spec as a reader would deliver it: paragraphs and grids with merged cells."""
    blocks = []
    title = None
    for kind, payload in narrative(spec):
        if kind == "table":
            placed, _, _ = grid_positions(payload)
            cells = [Cell(_noisy(c.text, noise) if noise else c.text, r, col, c.rowspan, c.colspan, page=1)
                     for r, col, c in placed]
            blocks.append(Table(cells, page=1, method="grid"))
        else:
            title = title or (payload if kind == "title" else None)
            blocks.append(Paragraph(str(payload), 1))
    return Document(f"mem://{spec['file']}", "html", "ab" * 32, blocks, title=title)


def spec_for(seed: int, template: str) -> dict:
    return sg.random_spec(random.Random(seed), template)


def read_back(doc: Document):
    report = normalise(doc)
    report.findings.extend(validate(report))
    return report


def errors(report):
    return [f for f in report.findings if f.severity == "error"]


@pytest.mark.parametrize("template", ["2021", "2019"])
@given(seed=st.integers(0, 10**6), noise=st.integers(0, 10**6))
@settings(max_examples=25, **SETTINGS)
def test_consistent_report_round_trips_through_normalise_without_error(template, seed, noise):
    spec = spec_for(seed, template)
    report = read_back(document(spec, random.Random(noise)))
    got = expected_layout(report)
    for table in ("applications", "reviews_litigation", "active_disclosure"):
        assert got.get(table) == spec[table], table
    assert report.status == "ok", [f.message for f in report.findings if f.severity != "info"]
    assert errors(report) == [], [f.message for f in errors(report)]


def _value_cells(doc: Document, table_index: int) -> list[Cell]:
    """Value cells (plain non-negative integers) of the n-th table: table 三 = 1, table 四 = 2."""
    return [c for c in doc.tables[table_index].cells if re.fullmatch(r"\d+", c.text)]


@pytest.mark.parametrize("template", ["2021", "2019"])
@given(seed=st.integers(0, 10**6), pick=st.integers(0, 10**6), delta=st.integers(-30, 30).filter(bool),
       which=st.sampled_from([1, 2]))
@settings(max_examples=40, **SETTINGS)
def test_any_single_changed_cell_in_the_grid_is_caught(template, seed, pick, delta, which):
    spec = spec_for(seed, template)
    doc = document(spec)
    cells = _value_cells(doc, which)
    cell = cells[pick % len(cells)]
    new = int(cell.text) + delta
    if new < 0:
        new = int(cell.text) + abs(delta)
    cell.text = str(new)
    report = read_back(doc)
    diff = [v for v in report.values
            if v.table in spec and spec[v.table].get(v.row, {}).get(v.col, v.value) != v.value]
    assert len(diff) == 1, f"the normaliser should read back exactly the one changed cell: {diff}"
    found = errors(report)
    v = diff[0]
    assert found, f"{v.table} {v.row}/{v.col} changed to {v.value} went unnoticed"
    assert any((v.row, v.col) in f.cells for f in found), f"no error names {v.row}/{v.col}"
