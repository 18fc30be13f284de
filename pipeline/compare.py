"""Compare agencies or regions: metrics, ranks and year-over-year change (``xxgk compare``).

Regions are compared on SUMMED cells, with the rates recomputed from the sums (a county's
disclosure rate is its total disclosed over its total handled, not a mean of agency rates).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.agencies import identify
from pipeline.metrics import compute

CELL_KEYS = {"applications": ("row", "applicant"), "reviews_litigation": ("proceeding", "outcome"),
             "active_disclosure": ("item", "measure")}
LEVELS = ("agency", "county", "city", "province")
RANK_BY = "disclosure_rate"


def load_dataset(out: str | Path, name: str, columns: list[str] | None = None,
                 categorical: bool = False) -> pd.DataFrame:
    """One dataset of an output folder as a DataFrame; ``columns`` reads only those, and
    ``categorical`` keeps repeated strings (ids, keys, raw numbers) as categories: the cell
    datasets hold hundreds of rows per report, ~1 GB as Python strings at 10^4 reports."""
    path = Path(out) / name
    if not path.exists() or not any(path.rglob("*.parquet")):
        return pd.DataFrame(columns=columns or [])
    if categorical:
        import pyarrow as pa
        import pyarrow.dataset as pads

        from schemas.datasets import arrow_schema

        # Read the strings as dictionaries straight from Parquet: never one Python or Arrow
        # string per row (a 64-character report_id on 1.7 M rows is 110 MB by itself).
        strings = {f.name for f in arrow_schema(name) if pa.types.is_string(f.type)}
        fmt = pads.ParquetFileFormat(read_options=pads.ParquetReadOptions(dictionary_columns=strings))
        df = pads.dataset(path, format=fmt, partitioning="hive").to_table(columns=columns).to_pandas()
    else:
        df = pd.read_parquet(path, columns=columns)
    for col in df.columns:  # hive partition columns come back as categoricals
        if isinstance(df[col].dtype, pd.CategoricalDtype) and not categorical:
            df[col] = df[col].astype(str)
    if "year" in df.columns:
        df["year"] = pd.to_numeric(df["year"], errors="coerce").astype("Int64")
    return df


def reports_with_places(out: str | Path) -> pd.DataFrame:
    reports = load_dataset(out, "reports")
    if reports.empty:
        return reports
    reports = reports[reports["status"] != "failed"].copy()
    places = [identify(a) for a in reports["agency"]]
    reports["agency_id"] = [p.agency_id for p in places]
    reports["agency_name"] = [p.canonical_name for p in places]
    for level in ("province", "city", "county", "township", "level"):
        reports[level] = [getattr(p, level) for p in places]
    # One report per agency-year (the same report published twice, e.g. HTML and PDF).
    return reports.sort_values("status").drop_duplicates(["agency_id", "year"])


def region_key(level: str) -> str:
    return {"agency": "agency_id", "county": "county", "city": "city", "province": "province"}[level]


def compare(out: str | Path, by: str = "county", year: int | None = None) -> pd.DataFrame:
    """One row per region (or agency) of ``by`` in ``year``: metrics, rank, change on last year."""
    if by not in LEVELS:
        raise ValueError(f"--by must be one of {', '.join(LEVELS)}")
    reports = reports_with_places(out)
    if reports.empty:
        return pd.DataFrame()
    cells = {ds: load_dataset(out, ds) for ds in CELL_KEYS}
    key = region_key(by)
    if year is None:
        year = int(reports["year"].max())
    rows = []
    for y in (year - 1, year):
        for region, group in reports[reports["year"] == y].groupby(key, dropna=True):
            ids = set(group["report_id"])
            summed = {}
            for ds, (rk, ck) in CELL_KEYS.items():
                df = cells[ds]
                if df.empty:
                    summed[ds] = {}
                    continue
                sub = df[df["report_id"].isin(ids)].dropna(subset=["value"])
                summed[ds] = {k: v for k, v in sub.groupby([rk, ck])["value"].sum().items()}
            name = group["agency_name"].iloc[0] if by == "agency" else region
            rows.append({"region": name, "region_key": region, "year": y, "reports": len(group), **compute(summed)})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    now = table[table["year"] == year].copy()
    before = table[table["year"] == year - 1].set_index("region_key")
    for col in ("received_new", "handled", "disclosure_rate", "reviews", "litigations"):
        prev = now["region_key"].map(before[col]) if col in before else None
        now[f"{col}_change"] = now[col] - prev if prev is not None else None
    now["rank"] = now[RANK_BY].rank(ascending=False, method="min").astype("Int64")
    return now.sort_values(["rank", "region"]).reset_index(drop=True)


def write_compare(table: pd.DataFrame, out: str | Path, by: str, year: int) -> tuple[Path, Path]:
    folder = Path(out) / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / f"compare_{by}_{year}"
    table.to_parquet(base.with_suffix(".parquet"), index=False)
    table.to_csv(base.with_suffix(".csv"), index=False, encoding="utf-8-sig")  # BOM: Excel opens it right
    return base.with_suffix(".parquet"), base.with_suffix(".csv")


def print_compare(table: pd.DataFrame, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    cols = ["rank", "region", "reports", "received_new", "handled", "disclosure_rate", "disclosure_rate_change",
            "reviews", "litigations"]
    for c in cols:
        t.add_column(c, justify="left" if c == "region" else "right")
    for _, r in table.iterrows():
        t.add_row(*[_fmt(r.get(c)) for c in cols])
    Console().print(t)


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:,.0f}"
    return str(v)
