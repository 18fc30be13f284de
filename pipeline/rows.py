"""Report -> dataset rows (plain dicts in the column order of ``schemas/datasets.py``).

A *bundle* is everything one input document contributes to the output:
``{"report_id", "source", "year", "datasets": {dataset: [row, ...]}}``. Bundles are plain
JSON-able data so that they travel through Prefect's result cache and worker pipes unchanged.
"""
from __future__ import annotations

import json
import math
from typing import Any

from extractors.model import Finding, Report, Value
from pipeline.version import EXTRACTOR_VERSION
from schemas.datasets import DATASETS

INT_VALUE_TABLES = ("applications", "reviews_litigation")  # value is int64 there, float64 in table 二


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str, sort_keys=True)


def _int_or_none(v: float | int | None) -> int | None:
    """Counts are integers; a fractional count is a misread, kept only in ``raw``."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return None


def _float_or_none(v: float | int | None) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def value_row(report_id: str, v: Value) -> tuple[str, dict[str, Any]] | None:
    common = {"raw": v.raw, "page": v.page, "method": v.method, "confidence": v.confidence}
    if v.table == "active_disclosure":
        return v.table, {"report_id": report_id, "item": v.row, "measure": v.col,
                         "value": _float_or_none(v.value), "unit": v.unit, "label": v.label, **common}
    if v.table == "applications":
        return v.table, {"report_id": report_id, "row": v.row, "applicant": v.col,
                         "value": _int_or_none(v.value), "label": v.label, **common}
    if v.table == "reviews_litigation":
        return v.table, {"report_id": report_id, "proceeding": v.row, "outcome": v.col,
                         "value": _int_or_none(v.value), **common}
    return None  # a table this writer does not know: never invent a dataset


def finding_row(report_id: str, f: Finding) -> dict[str, Any]:
    return {"report_id": report_id, "rule": f.rule, "severity": f.severity, "message": f.message,
            "evidence": _json(f.evidence), "table": f.table,
            "cells": _json([list(c) for c in f.cells]), "origin": f.origin}


def _legacy_rows(report: Report) -> list[dict[str, Any]]:
    """Pre-2019 statistics (extractors/legacy.py), when the report carries them in ``meta``."""
    out = []
    for lv in report.meta.get("legacy_statistics") or []:
        d = lv if isinstance(lv, dict) else vars(lv)
        out.append({"report_id": report.report_id, **{k: d.get(k) for k in (
            "label", "column", "value", "unit", "raw", "page", "legacy_mapping", "parent")}})
    return out


def report_row(report: Report) -> dict[str, Any]:
    from pipeline.agencies import identify

    agency = identify(report.agency)
    n_err = sum(f.severity == "error" for f in report.findings)
    n_warn = sum(f.severity == "warning" for f in report.findings)
    return {"report_id": report.report_id, "source": report.source, "sha256": report.sha256,
            "format": report.format, "agency": report.agency, "year": report.year,
            "template": report.template, "status": report.status, "title": report.title,
            "n_pages": report.n_pages, "n_values": sum(v.value is not None for v in report.values),
            "n_errors": n_err, "n_warnings": n_warn, "extractor_version": EXTRACTOR_VERSION,
            "agency_id": agency.agency_id, "province": agency.province, "city": agency.city,
            "county": agency.county, "level": agency.level}


def report_rows(report: Report) -> dict[str, Any]:
    """The bundle of one processed document (failed ones included: they get a ``reports`` row
    with status ``failed`` and their ``failures`` rows)."""
    rid = report.report_id
    ds: dict[str, list[dict[str, Any]]] = {name: [] for name in DATASETS}
    ds["reports"].append(report_row(report))
    for v in report.values:
        got = value_row(rid, v)
        if got:
            ds[got[0]].append(got[1])
    ds["findings"] = [finding_row(rid, f) for f in report.findings]
    ds["sections"] = [{"report_id": rid, "number": s.number, "title": s.title, "text": s.text,
                       "page": s.page} for s in report.sections]
    ds["claims"] = [{"report_id": rid, "kind": c.kind, "value": _float_or_none(c.value), "unit": c.unit,
                     "subject": c.subject, "quote": c.quote, "section": c.section, "page": c.page}
                    for c in report.claims]
    ds["failures"] = [dict(f) for f in report.meta.get("failures", [])]
    if "legacy_statistics" in ds:
        ds["legacy_statistics"] = _legacy_rows(report)
    return {"report_id": rid, "source": report.source, "year": report.year,
            "datasets": {k: v for k, v in ds.items() if v}}


def failure_bundle(source: str, stage: str, error: str, message: str,
                   report_id: str | None = None) -> dict[str, Any]:
    """A bundle for an input that never became a Report (e.g. the file could not be read)."""
    row = {"source": source, "stage": stage, "error": error, "message": message, "report_id": report_id}
    return {"report_id": report_id, "source": source, "year": None, "datasets": {"failures": [row]}}


def with_source(bundle: dict[str, Any], source: str) -> dict[str, Any]:
    """The same content found under another path (a cache hit, a moved file): rows name the path
    as given in THIS run."""
    if bundle.get("source") == source:
        return bundle
    out = {**bundle, "source": source, "datasets": dict(bundle["datasets"])}
    for name in ("reports", "failures"):
        if name in out["datasets"]:
            out["datasets"][name] = [{**r, "source": source} for r in out["datasets"][name]]
    return out


def expected_layout(report: Report) -> dict[str, Any]:
    """The report in the corpus ``*.expected.json`` layout (../shared/corpus/README.md), used to
    write golden files for review. ``report_inconsistencies`` lists the error findings."""
    out: dict[str, Any] = {"file": report.source.replace("\\", "/").rsplit("/", 1)[-1],
                           "agency": report.agency, "year": report.year, "template": report.template}
    units: dict[str, dict[str, str]] = {}
    for table in ("applications", "reviews_litigation", "active_disclosure"):
        grid: dict[str, dict[str, Any]] = {}
        for v in report.values:
            if v.table == table:
                val = _float_or_none(v.value) if table == "active_disclosure" else _int_or_none(v.value)
                if table == "active_disclosure" and val is not None and val.is_integer():
                    val = int(val)  # as the corpus files print whole numbers
                grid.setdefault(v.row, {})[v.col] = val
                if table == "active_disclosure" and v.unit and v.row == "procurement":
                    units.setdefault(v.row, {})[v.col] = v.unit
        if grid:
            out[table] = grid
    if units:
        out["units"] = units
    out["report_inconsistencies"] = [{"rule": f.rule, "detail": f.message}
                                     for f in report.findings if f.severity == "error"]
    return out
