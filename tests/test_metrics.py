"""Metrics per agency-year, from cell values, following the definitions in schemas/metrics.py."""
import pandas as pd
import pytest

from pipeline.metrics import compute, metrics_rows


def _cells():
    apps = {("received_new", "total"): 20, ("carried_over", "total"): 2, ("handled_total", "total"): 20,
            ("carried_forward", "total"): 2, ("disclosed", "total"): 8, ("partially_disclosed", "total"): 2,
            ("withheld_state_secret", "total"): 1, ("withheld_third_party", "total"): 1,
            ("unavailable_not_held", "total"): 4, ("unavailable_unclear", "total"): 1,
            ("rejected_duplicate", "total"): 2, ("other_reasons", "total"): 1}
    rl = {("review", "total"): 5, ("review", "corrected"): 1, ("review", "pending"): 1,
          ("litigation_direct", "total"): 3, ("litigation_direct", "corrected"): 0, ("litigation_direct", "pending"): 1,
          ("litigation_after_review", "total"): 1, ("litigation_after_review", "corrected"): 1,
          ("litigation_after_review", "pending"): 0}
    return {"applications": apps, "reviews_litigation": rl, "active_disclosure": {("penalty", "decisions"): 7}}


def test_rates_follow_their_definitions():
    m = compute(_cells())
    assert m["received_total"] == 22
    assert m["disclosure_rate"] == pytest.approx(10 / 20)
    assert m["withheld_rate"] == pytest.approx(2 / 20)
    assert m["unavailable_rate"] == pytest.approx(5 / 20)
    assert m["not_held_rate"] == pytest.approx(4 / 20)
    assert m["rejected_rate"] == pytest.approx(2 / 20)
    assert m["other_rate"] == pytest.approx(1 / 20)
    assert m["review_correction_rate"] == pytest.approx(1 / 4)
    assert m["litigations"] == 4
    assert m["litigation_correction_rate"] == pytest.approx(1 / 3)
    assert m["penalty_decisions"] == 7 and m["licensing_decisions"] is None


def test_zero_handled_gives_missing_rates_not_errors():
    cells = _cells()
    cells["applications"][("handled_total", "total")] = 0
    m = compute(cells)
    assert m["disclosure_rate"] is None and m["handled"] == 0


def test_metrics_rows_one_per_report():
    reports = pd.DataFrame([{"report_id": "a", "agency": "甲", "agency_id": "x", "year": 2023}])
    apps = pd.DataFrame([{"report_id": "a", "row": r, "applicant": c, "value": v}
                         for (r, c), v in _cells()["applications"].items()])
    out = metrics_rows(reports, {"applications": apps})
    assert len(out) == 1 and out.loc[0, "handled"] == 20 and out.loc[0, "disclosure_rate"] == 0.5
