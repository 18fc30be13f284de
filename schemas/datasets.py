"""Arrow schemas of every output dataset, declared as data (KEYS.md "Datasets" plus provenance).

Writers build tables with exactly these schemas; the data dictionary is generated from here.
Each column: (name, arrow type, description).
"""
from __future__ import annotations

import pyarrow as pa

_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()

DATASETS: dict[str, list[tuple[str, pa.DataType, str]]] = {
    "reports": [
        ("report_id", _S, "SHA-256 of the source file's bytes (hex)"),
        ("source", _S, "path or URL as given"),
        ("sha256", _S, "SHA-256 of the source bytes (same as report_id)"),
        ("format", _S, "pdf, docx, doc, html, txt, ..."),
        ("agency", _S, "agency as the report names itself"),
        ("year", _I, "report year"),
        ("template", _S, "2021, 2019, pre2019 or unknown (from header labels, not the year)"),
        ("status", _S, "ok, partial (some cells missing) or failed"),
        ("title", _S, "report title as printed"),
        ("n_pages", _I, "pages (PDF/DOCX), null for HTML/text"),
        ("n_values", _I, "value cells extracted"),
        ("n_errors", _I, "findings of severity error"),
        ("n_warnings", _I, "findings of severity warning"),
        ("extractor_version", _S, "xxgk extractor version that produced the row"),
        ("agency_id", _S, "stable agency id across name variants (agencies dataset)"),
        ("province", _S, "province of the agency (administrative-division list)"),
        ("city", _S, "city (地级) of the agency"),
        ("county", _S, "county (县级) of the agency"),
        ("level", _S, "ministry, province, city, county, township, department, unknown"),
        ("other_sources", _S, "JSON list of other URLs/paths publishing the same report (inline page + attachment)"),
    ],
    "active_disclosure": [
        ("report_id", _S, "report"),
        ("item", _S, "table 二 item key (regulations, normative_documents, licensing, ...)"),
        ("measure", _S, "table 二 measure key (issued, repealed, in_force, decisions, ...)"),
        ("value", _F, "number as printed; null if blank, '/' or '-'"),
        ("raw", _S, "cell text as printed"),
        ("unit", _S, "unit printed in the cell or header (元, 万元, 件)"),
        ("page", _I, "1-based page of the cell (null for HTML/text)"),
        ("method", _S, "grid, text, split-solved, ocr"),
        ("confidence", _F, "OCR confidence (null unless method = ocr)"),
        ("label", _S, "printed row label the value was matched by"),
    ],
    "applications": [
        ("report_id", _S, "report"),
        ("row", _S, "table 三 row key (received_new, carried_over, disclosed, ...)"),
        ("applicant", _S, "applicant column key (natural_person ... other_org, total)"),
        ("value", _I, "count; null if blank, '/' or '-'"),
        ("raw", _S, "cell text as printed"),
        ("page", _I, "1-based page"),
        ("method", _S, "grid, text, split-solved, ocr"),
        ("confidence", _F, "OCR confidence"),
        ("label", _S, "printed row label"),
    ],
    "reviews_litigation": [
        ("report_id", _S, "report"),
        ("proceeding", _S, "review, litigation_direct, litigation_after_review"),
        ("outcome", _S, "upheld, corrected, other, pending, total"),
        ("value", _I, "count; null if blank"),
        ("raw", _S, "cell text as printed"),
        ("page", _I, "1-based page"),
        ("method", _S, "grid, text, split-solved, ocr"),
        ("confidence", _F, "OCR confidence"),
    ],
    "findings": [
        ("report_id", _S, "report"),
        ("rule", _S, "rule id (schemas/rules.py)"),
        ("severity", _S, "error, warning, info"),
        ("message", _S, "human-readable message"),
        ("evidence", _S, "JSON: values (with raw and page) and quotes"),
        ("table", _S, "dataset the cells belong to, if any"),
        ("cells", _S, "JSON list of [row, col] involved"),
        ("origin", _S, "publisher (printed so), extraction (our misread) or null"),
    ],
    "failures": [
        ("source", _S, "path or URL as given"),
        ("stage", _S, "fetch, read, classify, normalise, validate, write"),
        ("error", _S, "exception class"),
        ("message", _S, "what went wrong and what to do"),
        ("report_id", _S, "sha256 of the bytes, when they could be read"),
    ],
    "legacy_statistics": [
        ("report_id", _S, "report (pre-2019 statistics table, FORMAT.md §3)"),
        ("label", _S, "printed row label (whitespace removed)"),
        ("column", _S, "year (本年度/本期) or cumulative (历年累计), else the printed header"),
        ("value", _F, "number as printed; null if blank or not a number"),
        ("unit", _S, "计量单位 as printed (条, 件, 元)"),
        ("raw", _S, "cell text as printed"),
        ("page", _I, "1-based page"),
        ("legacy_mapping", _S, "analogue in the 2019/2021 templates, dataset.row.col (schemas/legacy.py)"),
        ("parent", _S, "label of the total this row is a part of (其中：1…)"),
    ],
    "agencies": [
        ("agency_id", _S, "stable id: <12-digit adcode>:<normalised body> (pipeline/agencies.py)"),
        ("canonical_name", _S, "the agency's name, place spelled out"),
        ("variants", _S, "JSON list of every name the reports used"),
        ("province", _S, "省级 place (adcode list of the cpca package)"),
        ("city", _S, "地级 place"),
        ("county", _S, "县级 place"),
        ("township", _S, "乡镇/街道, from the name"),
        ("level", _S, "ministry, province, city, county, township, department, unknown"),
        ("adcode", _S, "12-digit administrative division code of the place"),
        ("n_reports", _I, "reports of this agency in the output"),
    ],
    "sections": [
        ("report_id", _S, "report"),
        ("number", _I, "1..6 (一…六)"),
        ("title", _S, "heading as printed"),
        ("text", _S, "section body text"),
        ("page", _I, "page the section starts on"),
    ],
    "claims": [
        ("report_id", _S, "report"),
        ("kind", _S, "received, handled, answered, carried_forward, category_count, ..."),
        ("value", _F, "number stated"),
        ("unit", _S, "件, 项, %, 人, ..."),
        ("subject", _S, "what the number is about (table keys where known)"),
        ("quote", _S, "the sentence that states it"),
        ("section", _I, "section number"),
        ("page", _I, "page"),
    ],
}

# Primary keys (for deduplication on re-runs and for the data dictionary).
KEYS: dict[str, tuple[str, ...]] = {
    "reports": ("report_id",),
    "active_disclosure": ("report_id", "item", "measure"),
    "applications": ("report_id", "row", "applicant"),
    "reviews_litigation": ("report_id", "proceeding", "outcome"),
    "findings": ("report_id", "rule", "message"),
    "failures": ("source", "stage"),
    "sections": ("report_id", "number"),
    "agencies": ("agency_id",),
    "metrics": ("report_id",),
    "legacy_statistics": ("report_id", "label", "column"),
    "claims": ("report_id", "kind", "subject", "quote"),
}


def _metrics_columns() -> list[tuple[str, pa.DataType, str]]:
    from schemas.metrics import METRICS

    return [("agency_id", _S, "agency (agencies dataset)"), ("agency", _S, "agency as printed"),
            ("year", _I, "report year"), ("report_id", _S, "report the figures come from")] + [
        (name, _F, f"{definition} — {formula}") for name, formula, definition in METRICS]


DATASETS["metrics"] = _metrics_columns()

# Datasets recomputed over the whole output folder after each run (not per document).
DERIVED = ("agencies", "metrics")


def arrow_schema(dataset: str) -> pa.Schema:
    return pa.schema([pa.field(n, t) for n, t, _ in DATASETS[dataset]])


def columns(dataset: str) -> list[str]:
    return [n for n, _, _ in DATASETS[dataset]]
