"""Derived datasets after a run: agencies, metrics, cross-year findings over the Pingtan series."""
import json

import pandas as pd
import pytest

from pipeline.postprocess import finalize
from pipeline.run import run_batch


@pytest.fixture(scope="module")
def pingtan_out(shared_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("pingtan-out")
    real = shared_dir / "corpus" / "real"
    files = [real / f"pingtan-{y}.html" for y in (2019, 2020, 2021, 2022, 2023)]
    run_batch(files, out)
    finalize(out)
    return out


def test_pingtan_series_is_one_agency(pingtan_out):
    agencies = pd.read_parquet(pingtan_out / "agencies")
    assert len(agencies) == 1
    row = agencies.iloc[0]
    assert row["n_reports"] == 5 and row["province"] == "福建省" and row["canonical_name"] == "平潭综合实验区"
    assert "平潭综合实验区" in json.loads(row["variants"])


def test_pingtan_carry_over_holds_every_year_and_the_documented_break_is_flagged(pingtan_out):
    f = pd.read_parquet(pingtan_out / "findings")
    cross = f[f["rule"].str.startswith("cross_")]
    assert cross[cross["rule"] == "cross_year_carry_over"].empty
    assert cross[cross["rule"] == "cross_year_items_last_year"].empty  # X2 holds 2019 -> 2020
    # pingtan-2020: 规章 对外公开总数量 rises 0 -> 7 with 0 new (expected.json cross_year_regulations_total)
    reg = cross[cross["rule"] == "cross_year_total_published"]
    assert len(reg) == 1 and "regulations" in reg.iloc[0]["cells"] and reg.iloc[0]["severity"] == "warning"


def test_finalize_twice_does_not_duplicate(pingtan_out):
    before = len(pd.read_parquet(pingtan_out / "findings"))
    finalize(pingtan_out)
    assert len(pd.read_parquet(pingtan_out / "findings")) == before
    metrics = pd.read_parquet(pingtan_out / "metrics")
    assert len(metrics) == 5 and metrics["agency_id"].nunique() == 1
    m2021 = metrics[metrics["year"] == 2021].iloc[0]
    assert m2021["received_new"] == 70 and m2021["handled"] == 69


def _carry(spec, prev, extra):
    """上年结转 := last year's 结转下年度 (+extra), balanced by as many more carried forward (R1)."""
    apps = spec["applications"]
    for col, v in prev["applications"]["carried_forward"].items():
        if col == "total":
            continue
        add = v + (extra if col == "natural_person" else 0)
        apps["carried_over"][col] = add
        apps["carried_forward"][col] += add
    for row in ("carried_over", "carried_forward"):
        apps[row]["total"] = sum(v for c, v in apps[row].items() if c != "total")


def test_planted_carry_over_break_in_a_generated_series(tmp_path):
    import random

    from pipeline import samplegen

    folder = tmp_path / "series"
    folder.mkdir()
    rng = random.Random(3)
    prev = None
    for year in (2021, 2022, 2023):
        spec = samplegen.random_spec(rng, "2021")
        spec["agency"], spec["year"] = "北京市西城区什刹海街道", year
        if prev is not None:  # carry-over holds, except into 2023 where one is invented
            _carry(spec, prev, extra=1 if year == 2023 else 0)
        (folder / spec["file"]).write_bytes(samplegen.render(spec))
        prev = spec
    out = tmp_path / "out"
    run_batch([folder], out)
    finalize(out)
    f = pd.read_parquet(out / "findings")
    years = pd.read_parquet(out / "reports").set_index("report_id")["year"]
    carry = f[f["rule"] == "cross_year_carry_over"]
    assert set(years[carry["report_id"]]) == {2023}


def test_categorical_loading_keeps_every_value(tmp_path):
    """The memory-lean reading of the derived step (dictionary strings, codes onto categories)
    gives the same values as a plain read, missing ones included."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.columns import as_objects
    from pipeline.compare import load_dataset
    from schemas.datasets import arrow_schema

    schema = arrow_schema("applications")
    rows = [{"report_id": f"r{i % 7}", "row": "disclosed", "applicant": "total" if i % 2 else "natural_person",
             "value": i, "raw": None if i % 5 == 0 else str(i), "page": 1} for i in range(50)]
    (tmp_path / "applications").mkdir()
    pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema),
                   tmp_path / "applications" / "part-0.parquet")
    cols = ["report_id", "applicant", "value", "raw"]
    plain = load_dataset(tmp_path, "applications", cols)
    lean = load_dataset(tmp_path, "applications", cols, categorical=True)
    assert str(lean["report_id"].dtype) == "category"
    for c in cols:
        got = [None if x is None or (isinstance(x, float) and x != x) else x for x in as_objects(lean[c])]
        want = [None if x is None or (isinstance(x, float) and x != x) else x for x in plain[c].to_numpy(dtype=object)]
        assert got == want, c
