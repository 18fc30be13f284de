"""compare and the offline HTML report over a small output folder written by the test."""
import json
from pathlib import Path

import pandas as pd

from pipeline.compare import compare, write_compare
from pipeline.report_html import build_report
from schemas.keys import APPLICANTS


def _write(out: Path, name: str, rows: list[dict]) -> None:
    (out / name).mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(out / name / "part-0.parquet", index=False)


def _out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    reports, apps, findings = [], [], []
    agencies = ["北京市西城区什刹海街道", "北京市西城区新街口街道", "北京市海淀区人民政府"]
    for year in (2023, 2024):
        for i, agency in enumerate(agencies):
            rid = f"{i}{year}" + "0" * 60
            reports.append({"report_id": rid, "source": f"/data/{rid[:6]}.html", "agency": agency, "year": year,
                            "template": "2021", "status": "ok", "format": "html"})
            n = 10 * (i + 1) + (year - 2023)
            for row, v in (("received_new", n), ("handled_total", n), ("disclosed", n // 2), ("partially_disclosed", 0), ("carried_over", 0),
                           ("carried_forward", 0)):
                for a in APPLICANTS:
                    val = v if a.key in ("natural_person", "total") else 0
                    apps.append({"report_id": rid, "row": row, "applicant": a.key, "value": val, "raw": str(val)})
            if i == 0 and year == 2024:
                findings.append({"report_id": rid, "rule": "R1_balance", "severity": "error",
                                 "message": "一+二 ≠ （七）+四", "evidence": json.dumps({"quote": "共收到9件"}),
                                 "table": "applications", "cells": json.dumps([["handled_total", "total"]])})
    _write(out, "reports", reports)
    _write(out, "applications", apps)
    _write(out, "findings", findings)
    return out


def test_compare_by_county_sums_cells_and_ranks(tmp_path):
    out = _out(tmp_path)
    t = compare(out, by="county", year=2024)
    assert set(t["region"]) == {"西城区", "海淀区"}
    xicheng = t[t["region"] == "西城区"].iloc[0]
    assert xicheng["received_new"] == 11 + 21 and xicheng["reports"] == 2
    assert xicheng["received_new_change"] == 2
    # Rates from summed cells: 西城 (5+10)/(11+21) < 海淀 15/31.
    assert xicheng["disclosure_rate"] == 15 / 32
    assert list(t["region"]) == ["海淀区", "西城区"] and list(t["rank"]) == [1, 2]
    parquet, csv = write_compare(t, out, "county", 2024)
    assert parquet.exists() and csv.exists()


def test_report_pages_are_static_and_self_contained(tmp_path):
    out = _out(tmp_path)
    index = build_report(out)
    html = index.read_text(encoding="utf-8")
    assert "什刹海街道" in html and "reports/" in html and "<script" not in html
    pages = list((out / "report" / "reports").glob("*.html"))
    assert len(pages) == 6
    flagged = next(p for p in pages if "R1_balance" in p.read_text(encoding="utf-8"))
    text = flagged.read_text(encoding="utf-8")
    assert "class='num flag'" in text and "共收到9件" in text
    compare_pages = list((out / "report" / "compare").glob("*.html"))
    assert compare_pages and all("<svg" in p.read_text(encoding="utf-8") for p in compare_pages)
    for p in [index, *pages, *compare_pages]:  # nothing outside the page itself
        t = p.read_text(encoding="utf-8")
        assert "src='http" not in t and 'src="http' not in t and "<link" not in t
    assert (out / "report" / "dictionary.html").read_text(encoding="utf-8").count("<h3") > 5


def _chromium():
    import os
    import shutil

    import pytest

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs it (make deps); CI must have it")
        pytest.skip("chromium not installed (run `make deps` as root to install Debian's chromium)")
    return exe


def _browse(exe: str, page: Path, profile: Path, *extra: str) -> tuple[str, str]:
    import subprocess

    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--window-size=1200,1600",
           *extra, page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return done.stdout, done.stderr


def test_report_renders_in_a_real_browser(tmp_path):
    """Every page loads with no console message; the comparison page's charts render (screenshot)."""
    from PIL import Image

    exe = _chromium()
    out = _out(tmp_path)
    index = build_report(out)
    compare_page = sorted((out / "report" / "compare").glob("*.html"))[0]
    pages = [index, compare_page, *sorted((out / "report" / "reports").glob("*.html"))[:2],
             out / "report" / "dictionary.html"]
    for page in pages:
        dom, log = _browse(exe, page, tmp_path / "profile", "--dump-dom")
        assert "CONSOLE" not in log, f"console output on {page.name}: {log}"
        assert "</body>" in dom
    dom, _ = _browse(exe, compare_page, tmp_path / "profile", "--dump-dom")
    assert dom.count("<svg") >= 3  # distribution, ranking, trend
    artefacts = Path(__file__).resolve().parents[1] / "test-artifacts"
    artefacts.mkdir(exist_ok=True)
    shot = artefacts / "compare-page.png"
    _, log = _browse(exe, compare_page, tmp_path / "profile", f"--screenshot={shot}")
    img = Image.open(shot).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100, "screenshot is blank: the charts did not render"
