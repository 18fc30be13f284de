"""Storage beyond one folder: hive layout by report year, compaction, fsspec outputs and inputs.

Bundles are written directly (no extraction): these tests are about files, not reports."""
from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from extractors.errors import StorageError
from pipeline import compact, fs, storage
from schemas.datasets import arrow_schema


def bundle(i: int, year: int | None, source: str | None = None) -> dict:
    rid = f"{i:064x}"
    src = source or f"doc-{i}.html"
    report = {c: None for c in arrow_schema("reports").names}
    report.update(report_id=rid, source=src, sha256=rid, format="html", agency=f"机关{i}", year=year,
                  template="2021", status="ok", extractor_version="test")
    cell = {c: None for c in arrow_schema("applications").names}
    cell.update(report_id=rid, row="received_new", applicant="total", value=i, raw=str(i))
    return {"report_id": rid, "source": src, "year": year,
            "datasets": {"reports": [report], "applications": [cell]}}


def write(out: Path, bundles: list[dict], **kw) -> None:
    with storage.DatasetWriter(out, **kw) as w:
        for b in bundles:
            w.add(b)


def read_both(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    a = ds.dataset(folder, partitioning="hive").to_table().to_pandas()
    b = pd.read_parquet(folder)
    assert len(a) == len(b)
    return a, b


def test_year_partitions_read_back_with_every_reader(tmp_path: Path):
    out = tmp_path / "out"
    storage.init_layout(out, "report_year")
    write(out, [bundle(1, 2022), bundle(2, 2023), bundle(3, None)])
    dirs = sorted(p.name for p in (out / "applications").iterdir() if p.is_dir())
    assert dirs == ["report_year=0", "report_year=2022", "report_year=2023"]
    a, b = read_both(out / "reports")
    assert sorted(a["report_year"].tolist()) == [0, 2022, 2023]
    assert str(b["report_year"].dtype) == "category"
    # year itself stays the nullable integer column of the schema (not the path's int32)
    assert ds.dataset(out / "reports", partitioning="hive").schema.field("year").type == arrow_schema("reports").field("year").type
    assert b.set_index("agency")["year"].isna().tolist().count(True) == 1
    apps, _ = read_both(out / "applications")
    assert sorted(apps["report_year"].tolist()) == [0, 2022, 2023]
    # a re-processed document replaces its rows inside its partition, no duplicates
    write(out, [bundle(2, 2023)])
    assert len(pd.read_parquet(out / "applications")) == 3
    assert storage.read_manifest(out)["layout"] == "report_year"


def test_layout_is_kept_and_changed_only_by_compaction(tmp_path: Path):
    out = tmp_path / "out"
    write(out, [bundle(1, 2022)])
    with pytest.raises(StorageError, match="compact"):
        storage.init_layout(out, "report_year")
    before = pd.read_parquet(out / "applications")
    compact.compact(out, layout="report_year")
    assert (out / "applications" / "report_year=2022").is_dir()
    after = pd.read_parquet(out / "applications")
    pd.testing.assert_frame_equal(before, after.drop(columns="report_year"), check_dtype=False)
    write(out, [bundle(2, 2021)])  # later runs follow the recorded layout
    assert (out / "applications" / "report_year=2021").is_dir()


def test_many_small_runs_are_compacted(tmp_path: Path):
    out = tmp_path / "out"
    n = compact.AUTO_MIN_FILES + 3
    for i in range(n):
        write(out, [bundle(i, 2022)])
    files = storage.committed_files(out, "applications")
    assert len(files) <= 4, f"{len(files)} files left after {n} runs"
    df = pd.read_parquet(out / "applications")
    assert sorted(df["value"].tolist()) == list(range(n))
    manifest = storage.read_manifest(out)
    assert manifest["datasets"]["applications"]["rows"] == n
    assert {f["path"] for f in manifest["datasets"]["applications"]["files"]} == \
        {p.relative_to(out).as_posix() for p in files}
    done = compact.compact(out)  # by hand: whatever small files are left
    assert len(storage.committed_files(out, "applications")) == 1 or not done


def test_output_on_an_object_store_stand_in(tmp_path: Path):
    fsspec = pytest.importorskip("fsspec")
    url = f"memory://xxgk-{uuid.uuid4().hex[:8]}/out"
    remote_fs, root = fs.filesystem(url)
    with fs.RemoteOutput(url, tmp_path / "mirror1") as local:
        write(local, [bundle(1, 2022), bundle(2, 2023)])
    assert remote_fs.exists(f"{root}/_manifest.json")
    assert not remote_fs.exists(f"{root}/{fs.REMOTE_LOCK}")
    table = ds.dataset(f"{root}/applications", filesystem=remote_fs, partitioning="hive").to_table()
    assert sorted(table.column("value").to_pylist()) == [1, 2]
    # a second machine (fresh mirror) replaces document 2: its old file is deleted remotely
    with fs.RemoteOutput(url, tmp_path / "mirror2") as local:
        b = bundle(2, 2023)
        b["datasets"]["applications"][0]["value"] = 20
        write(local, [b])
    table = ds.dataset(f"{root}/applications", filesystem=remote_fs, partitioning="hive").to_table()
    assert sorted(table.column("value").to_pylist()) == [1, 20]
    listed = {p.rsplit("/", 1)[-1] for p in remote_fs.find(f"{root}/applications")}
    manifest = fsspec.filesystem("memory").cat_file(f"{root}/_manifest.json").decode()
    assert all(name in manifest for name in listed)  # nothing stale left beside the manifest
    # a held lock refuses a second writer
    remote_fs.pipe_file(f"{root}/{fs.REMOTE_LOCK}", b'{"since": 9e18, "pid": 1}')
    with pytest.raises(StorageError, match="another xxgk run"):
        with fs.RemoteOutput(url, tmp_path / "mirror3"):
            pass


def test_inputs_from_memory_and_file_urls(tmp_path: Path):
    pytest.importorskip("fsspec")
    url = f"memory://raw-{uuid.uuid4().hex[:8]}"
    remote_fs, root = fs.filesystem(url)
    remote_fs.pipe_file(f"{root}/a/r1.html", b"<html>one</html>")
    remote_fs.pipe_file(f"{root}/r2.html", b"<html>two</html>")
    local = tmp_path / "plain.html"
    local.write_bytes(b"x")
    got = fs.localize_inputs([url, f"file://{local}"], tmp_path / "cache")
    assert Path(got[1]) == local
    assert (Path(got[0]) / "a" / "r1.html").read_bytes() == b"<html>one</html>"
    assert (Path(got[0]) / "r2.html").read_bytes() == b"<html>two</html>"


def test_cli_writes_to_a_memory_url(tmp_path: Path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    samples = Path(__file__).resolve().parents[1] / "data" / "samples" / "sample-2021-district.html"
    if not samples.exists():
        pytest.skip("no HTML sample")
    url = f"memory://cli-{uuid.uuid4().hex[:8]}/out"
    res = CliRunner().invoke(app, ["run", str(samples), "--out", url, "--no-prefect", "--partition", "year"])
    assert res.exit_code == 0, res.output
    remote_fs, root = fs.filesystem(url)
    t = ds.dataset(f"{root}/reports", filesystem=remote_fs, partitioning="hive").to_table()
    assert t.num_rows == 1 and t.column("report_year").to_pylist() == [2021]
