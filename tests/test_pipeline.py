"""The batch run without Prefect: datasets, failures, re-runs, atomic commits, the lock, the CLI."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from extractors.errors import StorageError
from pipeline import storage
from pipeline.run import discover, run_batch
from schemas.datasets import DATASETS, KEYS, arrow_schema

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CORE = ("reports", "active_disclosure", "applications", "reviews_litigation", "findings", "failures",
        "sections", "claims")


def good_sample() -> Path:
    html = sorted(SAMPLES.glob("*.html"))
    if not html:
        pytest.skip(f"no HTML sample in {SAMPLES}")
    return html[0]


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """A folder with one good report and three bad inputs (plus files discovery must skip)."""
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    shutil.copy(good_sample(), d / "sub" / "good.html")
    (d / "empty.html").write_bytes(b"")
    (d / "random.pdf").write_bytes(os.urandom(4096))
    (d / "notes.xyz").write_bytes(b"\x00\x01binary blob that is no report\xff" * 10)
    (d / ".hidden.html").write_bytes(b"<html>hidden</html>")
    (d / "good.expected.json").write_text("{}")
    return d


def read(out: Path, name: str) -> pd.DataFrame:
    table = ds.dataset(out / name, partitioning="hive").to_table()
    assert table.schema.equals(arrow_schema(name)), f"{name}: schema drifted: {table.schema}"
    df = pd.read_parquet(out / name)
    assert len(df) == table.num_rows
    return df


# Datasets whose declared key is unique per row (a claim sentence stating several numbers of one
# kind tells them apart by subject; findings may repeat a message).
UNIQUE_KEYED = ("reports", "active_disclosure", "applications", "reviews_litigation", "sections", "failures", "claims")


def snapshot(out: Path) -> dict[str, pd.DataFrame]:
    """Every dataset as a frame in a canonical row order (for comparing runs)."""
    frames = {}
    for name in CORE:
        df = read(out, name)
        frames[name] = df.sort_values(list(df.columns), na_position="first", kind="stable").reset_index(drop=True)
    return frames


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in CORE:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def no_duplicate_keys(out: Path) -> None:
    for name in UNIQUE_KEYED:
        df = read(out, name)
        key = list(KEYS[name])
        dup = df[df.duplicated(key, keep=False)]
        assert dup.empty, f"{name}: duplicated keys {key}:\n{dup.head()}"


def test_discover_skips_hidden_golden_and_output(batch: Path):
    (batch / "out").mkdir()
    (batch / "out" / "x.parquet").write_bytes(b"PAR1")
    names = sorted(p.name for p in discover([batch], exclude=[batch / "out"]))
    assert names == ["empty.html", "good.html", "notes.xyz", "random.pdf"]
    with pytest.raises(FileNotFoundError):
        discover([batch / "missing"])


def test_batch_writes_datasets_and_failures(batch: Path, tmp_path: Path):
    out = tmp_path / "out"
    summary = run_batch([batch], out)
    assert summary.n_documents == 4
    for name in CORE:
        assert (out / name).is_dir(), f"dataset {name} not written"
        read(out, name)  # readable with pyarrow.dataset (hive) and pandas, exact schema

    reports = read(out, "reports").set_index("source")
    good = str(batch / "sub" / "good.html")
    assert reports.loc[good, "status"] in ("ok", "partial")
    assert reports.loc[good, "template"] in ("2021", "2019")
    apps = read(out, "applications")
    assert (apps.report_id == reports.loc[good, "report_id"]).sum() > 20

    failures = read(out, "failures").set_index("source")
    for bad in ("empty.html", "random.pdf", "notes.xyz"):
        row = failures.loc[str(batch / bad)]
        assert row["stage"] in ("read", "classify", "normalise"), row
        assert row["message"] and row["error"]
        assert row["report_id"] and len(row["report_id"]) == 64
        assert reports.loc[str(batch / bad), "status"] == "failed"
    assert good not in failures.index

    manifest = json.loads((out / storage.MANIFEST).read_text())
    for name in CORE:
        files = manifest["datasets"][name]["files"]
        assert files and all((out / f["path"]).exists() for f in files)
        assert manifest["datasets"][name]["rows"] == len(read(out, name))
    assert not list(out.rglob(f"{storage.TMP_PREFIX}*")), "temporary files left behind"
    assert not (out / storage.JOURNAL).exists()


def test_rerun_replaces_rows(batch: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_batch([batch], out)
    first = snapshot(out)
    counts = {n: len(first[n]) for n in CORE}
    run_batch([batch], out)
    assert_same(snapshot(out), first)
    no_duplicate_keys(out)

    # a re-run over one file only touches that file's rows
    run_batch([batch / "sub" / "good.html"], out)
    assert_same(snapshot(out), first)

    # a changed file replaces its previous version (old report_id gone)
    (batch / "notes.xyz").write_bytes(b"another unsupported blob")
    run_batch([batch / "notes.xyz"], out)
    failures = read(out, "failures")
    assert (failures.source == str(batch / "notes.xyz")).sum() == 1
    assert len(read(out, "reports")) == counts["reports"]
    no_duplicate_keys(out)


def test_failed_write_keeps_previous_state(batch: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_batch([batch], out)
    before = read(out, "applications")
    with pytest.raises(RuntimeError):
        with storage.DatasetWriter(out) as w:
            w.add({"report_id": before.report_id.iloc[0], "source": "x", "datasets": {
                "applications": [{"report_id": before.report_id.iloc[0], "row": "r", "applicant": "a"}]}})
            raise RuntimeError("crash in the middle of a batch")
    pd.testing.assert_frame_equal(read(out, "applications"), before)
    assert not list(out.rglob(f"{storage.TMP_PREFIX}*"))


def test_crash_after_journal_is_completed_by_next_writer(batch: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    run_batch([batch], out)
    first = snapshot(out)
    real_apply = storage._apply_journal

    def crash_halfway(out_dir, journal):  # the process dies right after the journal is written
        raise KeyboardInterrupt

    monkeypatch.setattr(storage, "_apply_journal", crash_halfway)
    with pytest.raises(KeyboardInterrupt):
        run_batch([batch], out)
    assert (out / storage.JOURNAL).exists()
    monkeypatch.setattr(storage, "_apply_journal", real_apply)
    with storage.DatasetWriter(out):  # the next writer replays the journal
        pass
    assert not (out / storage.JOURNAL).exists()
    assert_same(snapshot(out), first)
    no_duplicate_keys(out)


def test_second_writer_is_refused(tmp_path: Path):
    out = tmp_path / "out"
    with storage.DatasetWriter(out):
        with pytest.raises(StorageError, match="another xxgk run"):
            with storage.DatasetWriter(out):
                pass
    with storage.DatasetWriter(out):  # released afterwards
        pass
    for name in DATASETS:  # even an empty run leaves readable, typed datasets
        assert ds.dataset(out / name, partitioning="hive").schema.equals(arrow_schema(name))


def test_cli_no_prefect(batch: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(batch), "--out", str(out), "--no-prefect"])
    assert res.exit_code == 0, res.output
    assert "reports: ok" in res.output and "failed 3" in res.output
    assert len(read(out, "reports")) == 4
    res = CliRunner().invoke(app, ["run", str(tmp_path / "nope"), "--out", str(out), "--no-prefect"])
    assert res.exit_code == 2 and "input not found" in res.output


def test_unexpected_exception_is_an_internal_failure(batch: Path, tmp_path: Path, monkeypatch):
    import extractors.normalise

    def boom(doc):
        raise ZeroDivisionError("bug in the normaliser")

    monkeypatch.setattr(extractors.normalise, "normalise", boom)
    out = tmp_path / "out"
    summary = run_batch([batch], out)
    assert summary.n_documents == 4  # the batch went on
    failures = read(out, "failures").set_index("source")
    row = failures.loc[str(batch / "sub" / "good.html")]
    assert row["stage"] == "internal" and row["error"] == "ZeroDivisionError"
    assert "normalise" in row["message"]


def test_failure_after_normalise_keeps_values(batch: Path, tmp_path: Path, monkeypatch):
    from extractors.errors import ValidationError
    from pipeline import process

    def bad_validate(module, name):
        if module == "pipeline.validate":
            def validate(report):
                raise ValidationError("rule engine broke")
            return validate
        return real_step(module, name)

    real_step = process._step
    monkeypatch.setattr(process, "_step", bad_validate)
    good = batch / "sub" / "good.html"
    report = process.extract_report(good.read_bytes(), str(good))
    assert report.status == "partial" and report.values
    assert report.meta["failures"][0]["stage"] == "validate"
