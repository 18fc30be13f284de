"""Compute the ``metrics`` dataset (schemas/metrics.py) from the extracted cell datasets."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from pipeline.columns import as_objects
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


def _compiled() -> list[tuple[str, Any, list[tuple[str, str, str | None]]]]:
    """Each formula parsed once: (name, code, references in the order of its variables _0, _1…)."""
    out = []
    for name, formula, _ in METRICS:
        refs: list[tuple[str, str, str | None]] = []

        def sub(m: re.Match) -> str:
            refs.append((m.group(1), m.group(2), m.group(3)))
            return f"_{len(refs) - 1}"

        # The formulas are our own constant strings (schemas/metrics.py), never input text.
        out.append((name, compile(_REF.sub(sub, formula), f"<metric {name}>", "eval"), refs))
    return out


_FORMULAS = _compiled()


def compute(cells: dict[str, dict[tuple[str, str], Any]]) -> dict[str, float | None]:
    """cells: dataset -> {(row, col): value} for one report."""
    done: dict[str, float | None] = {}
    for name, code, refs in _FORMULAS:
        env = {f"_{i}": _lookup(cells, done, *ref) for i, ref in enumerate(refs)}
        done[name] = eval(code, {"__builtins__": {}}, env).v  # noqa: S307 - our own formulas
    return done


def metrics_rows(reports: pd.DataFrame, datasets: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per report (agency-year): agency_id, agency, year, report_id, then every metric."""
    keys = {"applications": ("row", "applicant"), "reviews_litigation": ("proceeding", "outcome"),
            "active_disclosure": ("item", "measure")}
    # Positions per report once, and plain column arrays: a DataFrame per report is slow at 10^4.
    index = {}
    for ds, (rk, ck) in keys.items():
        df = datasets.get(ds)
        if df is not None and not df.empty:
            index[ds] = (df.groupby("report_id", sort=False, observed=True).indices, as_objects(df[rk]),
                         as_objects(df[ck]), df["value"].to_numpy())
    rows = []
    for rep in reports.to_dict("records"):
        cells = {}
        for ds in keys:
            pos, r, c, v = index.get(ds, ({}, None, None, None))
            cells[ds] = {(r[i], c[i]): v[i] for i in pos.get(rep["report_id"], ())}
        rows.append({"agency_id": rep.get("agency_id"), "agency": rep.get("agency"), "year": rep.get("year"),
                     "report_id": rep["report_id"], **compute(cells)})
    out = pd.DataFrame(rows)
    for name, _, _ in METRICS:  # None -> NaN, so every metric column is float64 for analysts
        if name in out:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype("float64")
    return out
