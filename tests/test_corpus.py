"""THE acceptance test: every hand-verified report of ../shared/corpus, cell for cell.

For each ``*.expected.json`` in ../shared/corpus/real and ../shared/corpus/seed: read the source file
with the registered readers, normalise it, and compare every expected cell (nulls included), the
year, the template and the agency. Skipped when ../shared (beside the checkout) is absent.
"""
import json
from pathlib import Path

import pytest

from extractors.errors import UnsupportedFormat
from pipeline.evaluate import compare, extract, source_of

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = [SHARED / "corpus" / "real", SHARED / "corpus" / "seed"]
EXPECTED = sorted(p for d in CORPUS if d.is_dir() for p in d.glob("*.expected.json"))

pytestmark = pytest.mark.skipif(not EXPECTED, reason=f"corpus not found at {SHARED / 'corpus'} "
                                                     "(../shared beside the checkout is absent)")


@pytest.mark.parametrize("expected_path", EXPECTED or [None], ids=lambda p: p.name if p else "no-corpus")
def test_corpus_report(expected_path):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    try:
        report = extract(source_of(expected_path, expected))
    except UnsupportedFormat as e:
        pytest.skip(f"no reader for {expected['file']} yet: {e}")
    result = compare(report, expected)
    assert report.year == expected["year"]
    assert report.template == expected["template"]
    assert report.agency == expected["agency"]
    assert not result.mismatches, "\n".join(result.mismatches[:30])
    assert result.cells_right == result.cells_total
    if result.cells_total:
        assert report.status in ("ok", "partial")
