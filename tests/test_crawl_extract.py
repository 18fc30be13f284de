"""crawl_and_extract over the loopback portal: the same datasets as `xxgk run RAW`, one report per
group of documents (inline page + its attachment), failed fetches as failures rows, and serve's
wiring (local server on 127.0.0.1, cron schedule)."""
from __future__ import annotations

import json
import os
import random
import sys
import zlib
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal import Portal, build_site  # noqa: E402

from pipeline import samplegen  # noqa: E402
from pipeline.run import run_batch  # noqa: E402

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

FAST_YAML = """defaults:
  contact_url: https://example.org/xxgk-contact
  rate: 50
  concurrency: 2
  timeout: 0.3
  retries: 1
  backoff: 0.01
  max_bytes: 1000000
  download_timeout: 1.0
"""
_cache: dict[tuple[str, int, str], bytes] = {}


def _render(agency: str, year: int, ext: str) -> bytes:
    """Real reports for the portal: the same spec for every format of one agency-year."""
    key = (agency, year, ext)
    if key not in _cache:
        rng = random.Random(zlib.crc32(f"{agency}{year}".encode()))
        spec = samplegen.random_spec(rng, "2021", agency=agency, year=year, file=f"r.{ext}")
        _cache[key] = samplegen.render(spec)
    return _cache[key]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from flows import crawl_and_extract

    tmp = tmp_path_factory.mktemp("crawl-extract")
    config = tmp / "sites.yaml"
    config.write_text(FAST_YAML, encoding="utf-8")
    with Portal() as portal, Portal() as other:
        expected = build_site(portal, other, render=_render)
        crawl_and_extract(expected["start"], str(tmp / "raw"), str(tmp / "flow-out"), str(config))
    run_batch([tmp / "raw"], tmp / "run-out")
    return tmp, expected


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys).reset_index(drop=True)


def test_same_datasets_as_xxgk_run_over_the_crawl_folder(crawled):
    tmp, _ = crawled
    for name, keys in (("reports", ["report_id"]), ("applications", ["report_id", "row", "applicant"]),
                       ("active_disclosure", ["report_id", "item", "measure"]),
                       ("reviews_litigation", ["report_id", "proceeding", "outcome"])):
        a = _sorted(pd.read_parquet(tmp / "flow-out" / name), keys)
        b = _sorted(pd.read_parquet(tmp / "run-out" / name), keys)
        pd.testing.assert_frame_equal(a, b, check_dtype=True)
    assert len(pd.read_parquet(tmp / "flow-out" / "reports")) > 5


def test_inline_page_and_attachment_are_one_report_with_two_sources(crawled):
    tmp, expected = crawled
    reports = pd.read_parquet(tmp / "flow-out" / "reports")
    page, pdf = expected["pages_ok"][0], expected["attachments_ok"][0]  # 市教育局: page + its PDF
    rows = reports[(reports["source"] == page) | (reports["source"] == pdf)]
    assert len(rows) == 1
    other = json.loads(rows.iloc[0]["other_sources"])
    assert {rows.iloc[0]["source"], *other} == {page, pdf}
    assert (reports["agency"] == "市教育局").sum() == 1
    assert all(s.startswith("http://127.0.0.1") for s in reports["source"])  # sources are URLs


def test_failed_fetches_are_failures_rows(crawled):
    tmp, expected = crawled
    failures = pd.read_parquet(tmp / "flow-out" / "failures")
    fetch = failures[failures["stage"] == "fetch"]
    assert set(fetch["source"]) == set(expected["failed"])


def test_serve_starts_a_loopback_server_and_schedules_the_flow(monkeypatch):
    from pipeline import cli_serve

    started = {}

    class FakePopen:
        def __init__(self, cmd, **kw):
            started["cmd"] = cmd

    health = iter([False, False, True])
    monkeypatch.setattr(cli_serve.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(cli_serve, "server_healthy", lambda url, timeout=2.0: next(health))
    monkeypatch.setattr(cli_serve.time, "sleep", lambda s: None)
    api = cli_serve.ensure_local_server(port=4321)
    assert api == "http://127.0.0.1:4321/api"
    cmd = started["cmd"]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and "server" in cmd and "start" in cmd

    import flows

    served = {}
    monkeypatch.setattr(flows.crawl_and_extract, "serve", lambda **kw: served.update(kw), raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4321/api")  # an existing server: none started
    cli_serve.serve_schedule(["http://127.0.0.1:9/list"], "raw", "out", "0 2 * * *")
    assert served["cron"] == "0 2 * * *"
    assert served["parameters"] == {"start_urls": ["http://127.0.0.1:9/list"], "raw": "raw", "out": "out",
                                    "config": None}
