"""Golden files: every project sample has ``<input>.expected.json`` beside it (corpus layout).

Each input under data/samples (and tests/fixtures/golden, if present) goes through
``extract_report``; the result must match its expected file cell for cell (year, template and
agency included, via ``pipeline.evaluate.compare``), every inconsistency the file lists must be
found by a finding, and a file listing none must get no ``error`` finding.

A missing expected file is WRITTEN from the current output and the test FAILS, asking for a
review. ``pytest --regen-golden`` (or XXGK_REGEN_GOLDEN=1) rewrites them all from the output.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.process import extract_report
from pipeline.rows import expected_layout
from pipeline.run import discover

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIRS = [ROOT / "data" / "samples", ROOT / "tests" / "fixtures" / "golden"]
INPUTS = discover([d for d in GOLDEN_DIRS if d.is_dir()])


def expected_path(source: Path) -> Path:
    """``name.html`` -> ``name.expected.json``, as in ../shared/corpus."""
    return source.with_suffix(".expected.json")


def _dump(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def test_there_are_golden_inputs():
    assert INPUTS, f"no golden inputs under {[str(d) for d in GOLDEN_DIRS]}"


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_golden(source: Path, regen_golden: bool):
    from pipeline.evaluate import compare

    report = extract_report(source.read_bytes(), str(source))
    got = expected_layout(report)
    path = expected_path(source)
    if regen_golden or not path.exists():
        path.write_text(_dump(got), encoding="utf-8")
        if not regen_golden:
            pytest.fail(f"{path.name} was missing and has been written from the current output: "
                        "review it (git diff) and commit it")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert not report.meta.get("failures"), f"extraction failed: {report.meta['failures']}"
    result = compare(report, expected)
    assert result.exact, (f"{source.name}: cells {result.cells_right}/{result.cells_total}, "
                          f"meta {result.meta_right}\n" + "\n".join(result.mismatches[:30]))
    flagged = {f.rule for f in report.findings if f.severity in ("error", "warning")}
    wanted = {d["rule"] for d in expected.get("report_inconsistencies", [])}
    assert wanted <= flagged, f"{source.name}: inconsistencies not found: {sorted(wanted - flagged)}"
    if not wanted:
        errors = [f.message for f in report.findings if f.severity == "error"]
        assert not errors, f"{source.name} lists no inconsistency but got errors: {errors}"
