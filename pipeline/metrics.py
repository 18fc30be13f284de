"""Compute the ``metrics`` dataset (schemas/metrics.py) from the extracted cell datasets."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from schemas.metrics import METRICS

_REF = re.compile(r"(applications|reviews_litigation|active_disclosure|metrics)\.([A-Za-z_*]+)(?:\.([A-Za-z_0-9]+))?")


class _N:
    """A number that may be missing; arithmetic with a missing operand is missing, x/0 is missing."""

    def __init__(self, v):
        self.v = None if v is None or (isinstance(v, float) and pd.isna(v)) else float(v)

    def _op(self, other, f):
        o = other.v if isinstance(other, _N) else other
        return _N(None if self.v is None or o is None else f(self.v, o))

    def __add__(self, o): return self._op(o, lambda a, b: a + b)
    def __sub__(self, o): return self._op(o, lambda a, b: a - b)
    def __truediv__(self, o): return self._op(o, lambda a, b: a / b if b else None)


def _lookup(cells: dict[str, dict[tuple[str, str], Any]], done: dict[str, Any], ds: str, row: str, col: str | None):
    if ds == "metrics":
        return _N(done.get(row))
    table = cells.get(ds, {})
    if row.endswith("*"):
        vals = [v for (r, c), v in table.items() if r.startswith(row[:-1]) and c == col and v is not None
                and not pd.isna(v)]
        return _N(sum(vals) if vals else None)
    return _N(table.get((row, col)))


def compute(cells: dict[str, dict[tuple[str, str], Any]]) -> dict[str, float | None]:
    """cells: dataset -> {(row, col): value} for one report."""
    done: dict[str, float | None] = {}
    for name, formula, _ in METRICS:
        env: dict[str, _N] = {}

        def sub(m: re.Match) -> str:
            key = f"_{len(env)}"
            env[key] = _lookup(cells, done, m.group(1), m.group(2), m.group(3))
            return key

        expr = _REF.sub(sub, formula)
        # The formulas are our own constant strings (schemas/metrics.py), never input text.
        result = eval(expr, {"__builtins__": {}}, env)  # noqa: S307
        done[name] = result.v
    return done


def metrics_rows(reports: pd.DataFrame, datasets: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per report (agency-year): agency_id, agency, year, report_id, then every metric."""
    keys = {"applications": ("row", "applicant"), "reviews_litigation": ("proceeding", "outcome"),
            "active_disclosure": ("item", "measure")}
    grouped = {ds: {rid: g for rid, g in df.groupby("report_id")} for ds, df in datasets.items() if not df.empty}
    rows = []
    for _, rep in reports.iterrows():
        cells = {}
        for ds, (rk, ck) in keys.items():
            g = grouped.get(ds, {}).get(rep["report_id"])
            cells[ds] = {} if g is None else {(r, c): v for r, c, v in zip(g[rk], g[ck], g["value"])}
        rows.append({"agency_id": rep.get("agency_id"), "agency": rep.get("agency"), "year": rep.get("year"),
                     "report_id": rep["report_id"], **compute(cells)})
    out = pd.DataFrame(rows)
    for name, _, _ in METRICS:  # None -> NaN, so every metric column is float64 for analysts
        if name in out:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype("float64")
    return out
