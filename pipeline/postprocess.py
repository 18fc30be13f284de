"""After each run: recompute what spans reports, over everything in the output folder.

- ``agencies``: one row per agency_id with every name variant seen;
- ``metrics``: one row per report (agency-year) of the definitions in schemas/metrics.py;
- cross-year and cross-agency findings (pipeline/crossyear.py), kept in ONE file of the
  ``findings`` dataset (``findings/derived-cross_year.parquet``) that is replaced whole each time,
  so re-runs never duplicate them.

Each derived file is written to a temporary name and renamed into place (atomic), under the
output folder's lock, and the manifest is rewritten.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import storage
from pipeline.agencies import identify
from pipeline.compare import load_dataset
from pipeline.crossyear import cross_year_findings
from pipeline.metrics import metrics_rows
from schemas.datasets import arrow_schema

DERIVED_FILE = "derived.parquet"
CROSS_YEAR_FILE = "derived-cross_year.parquet"
# Only the columns the derived datasets read (pipeline/metrics.py, pipeline/crossyear.py).
NEEDED = {"applications": ["report_id", "row", "applicant", "value", "raw", "page"],
          "reviews_litigation": ["report_id", "proceeding", "outcome", "value"],
          "active_disclosure": ["report_id", "item", "measure", "value", "raw"]}


def _write_atomic(out: Path, dataset: str, name: str, rows: list[dict]) -> None:
    folder = out / dataset
    folder.mkdir(parents=True, exist_ok=True)
    schema = arrow_schema(dataset)
    clean = [{c: (None if pd.isna(v) else v) if not isinstance(v, (list, dict)) else v
              for c, v in ((c, r.get(c)) for c in schema.names)} for r in rows]
    table = pa.Table.from_pylist(clean, schema=schema)
    tmp = folder / f"{storage.TMP_PREFIX}{uuid.uuid4().hex[:8]}-{name}"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, folder / name)


def _reports(out: Path) -> pd.DataFrame:
    reports = load_dataset(out, "reports", ["report_id", "agency", "year", "status", "template", "source"])
    if reports.empty:
        return reports
    reports = reports[reports["status"] != "failed"].copy()
    reports["agency_id"] = [identify(a).agency_id for a in reports["agency"]]
    return reports


def agency_rows(reports: pd.DataFrame) -> list[dict]:
    rows: dict[str, dict] = {}
    for name in reports["agency"]:
        a = identify(name)
        row = rows.setdefault(a.agency_id, {**a.__dict__, "variants": [], "n_reports": 0})
        row["n_reports"] += 1
        if name and name not in row["variants"]:
            row["variants"].append(name)
    for row in rows.values():
        row["variants"] = json.dumps(sorted(row["variants"]), ensure_ascii=False)
    return list(rows.values())


def finalize(out: str | Path) -> dict[str, int]:
    """Recompute agencies, metrics and cross-report findings for the whole output folder."""
    out = Path(out)
    lock = storage._Lock(out)
    lock.acquire()
    try:
        reports = _reports(out)
        if reports.empty:
            return {"agencies": 0, "metrics": 0, "cross_year_findings": 0}
        cells = {ds: load_dataset(out, ds, cols, categorical=True) for ds, cols in NEEDED.items()}
        sections = load_dataset(out, "sections", ["report_id", "number", "text"])
        agencies = agency_rows(reports)
        metrics = metrics_rows(reports, cells).to_dict("records")
        findings = cross_year_findings(reports, cells["applications"], cells["active_disclosure"],
                                       sections if not sections.empty else
                                       pd.DataFrame(columns=["report_id", "number", "text"]))
        _write_atomic(out, "agencies", DERIVED_FILE, agencies)
        _write_atomic(out, "metrics", DERIVED_FILE, metrics)
        _write_atomic(out, "findings", CROSS_YEAR_FILE, findings)
        storage.write_manifest(out)
        return {"agencies": len(agencies), "metrics": len(metrics), "cross_year_findings": len(findings)}
    finally:
        lock.release()
