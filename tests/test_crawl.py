"""Crawler tests against the fake portal on loopback (tests/portal.py); bounded in time."""
from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal import Portal, build_site  # noqa: E402

from pipeline.crawl import crawl  # noqa: E402
from pipeline.discover import classify_link, decode_html, is_report_text  # noqa: E402
from pipeline.crawl_store import (COLUMN_NAMES, changed_documents, documents_to_extract,  # noqa: E402
                                  failure_rows, load_documents, safe_file_name, sanitise_name, target_path)
from pipeline.fetch import Fetcher  # noqa: E402
from pipeline.sites import (ConfigError, CrawlConfig, SiteConfig, SiteHooks, parse_config,  # noqa: E402
                            register_site)

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")   # the portal is on loopback

FAST = SiteConfig(rate=50, concurrency=2, timeout=0.3, retries=1, backoff=0.01, max_bytes=1_000_000,
                  download_timeout=1.0, contact_url="https://example.org/xxgk-contact")


def fast_config() -> CrawlConfig:
    return CrawlConfig(defaults=dataclasses.replace(FAST))


@pytest.fixture()
def site():
    with Portal() as portal, Portal() as other:
        expected = build_site(portal, other)
        yield portal, other, expected


def by_url(rows):
    return {r["url"]: r for r in rows}


def downloads(portal: Portal, before=None) -> dict[str, int]:
    """Complete 200 responses per path since ``before`` (robots.txt is re-read every run)."""
    before = before or {}
    return {k: v - before.get(k, 0) for k, v in portal.full.items()
            if k != "/robots.txt" and v - before.get(k, 0) > 0}


def test_first_crawl_finds_every_report_once_and_handles_each_fault(site, tmp_path):
    portal, other, expected = site
    t0 = time.monotonic()
    rows = by_url(crawl(expected["start"], tmp_path, fast_config()))
    elapsed = time.monotonic() - t0
    assert elapsed < 15

    pages = sorted(u for u, r in rows.items() if r["kind"] == "page" and r["change"] == "new")
    assert pages == sorted(expected["pages_ok"])
    attachments = sorted(u for u, r in rows.items() if r["kind"] == "attachment" and r["change"] == "new")
    assert attachments == sorted(expected["attachments_ok"])
    for url in expected["failed"]:
        assert rows[url]["change"] == "failed" and rows[url]["error"], url
    for url in expected["skipped"]:
        assert rows[url]["change"] == "skipped", url

    e = {u: rows[u]["error"] for u in expected["failed"] + expected["skipped"]}
    assert e[expected["failed"][0]].startswith("http_404")
    assert e[expected["failed"][1]].startswith("redirect_loop")
    assert e[expected["failed"][2]].startswith("timeout") and "2 attempts" in e[expected["failed"][2]]
    assert e[expected["failed"][3]].startswith("too_large")
    assert e[expected["skipped"][0]].startswith("off_host")
    assert e[expected["skipped"][1]].startswith("robots")
    assert e[expected["skipped"][2]].startswith("off_host")       # redirect to another host
    from schemas.datasets import columns
    failures = failure_rows(rows.values())
    assert sorted(f["source"] for f in failures) == sorted(expected["failed"])
    assert all(set(f) == set(columns("failures")) and f["stage"] == "fetch" for f in failures)

    # no request to the other host, to robots-disallowed paths, or outside the 年报 column
    assert sum(other.hits.values()) == 0
    for path in expected["never_requested"]:
        assert portal.hits[path] == 0, path
    # the 500 succeeded on retry; each report page was downloaded exactly once
    flaky = "/xxgk/zfxxgknb/202303/t20230301_0901.htm"
    assert portal.hits[flaky] == 2 and rows[portal.url(flaky)]["http_status"] == 200
    assert portal.full["/xxgk/zfxxgknb/202401/t20240115_1001.htm"] == 1

    # politeness: UA names project and contact; never more than 2 requests in flight
    assert portal.user_agents == {f"xxgk/{_version()} (+https://example.org/xxgk-contact)"}
    assert portal.max_in_flight <= 2


def _version():
    from importlib.metadata import version
    return version("xxgk")


def test_saved_files_metadata_and_report_keys(site, tmp_path):
    portal, _, expected = site
    crawl(expected["start"], tmp_path, fast_config())
    table = pq.read_table(tmp_path / "documents" / "documents.parquet")
    assert table.column_names == COLUMN_NAMES
    assert not (tmp_path / "documents" / "journal.jsonl").exists()
    assert not (tmp_path / "_tmp").exists()       # spooled bodies were all moved or removed
    rows = by_url(table.to_pylist())
    root = tmp_path.resolve()
    for url in expected["pages_ok"] + expected["attachments_ok"]:
        row = rows[url]
        path = (root / row["path"]).resolve()
        assert root in path.parents and path.is_file()
        data = path.read_bytes()
        import hashlib
        assert row["sha256"] == hashlib.sha256(data).hexdigest() and row["bytes"] == len(data)
        assert row["fetched_at"] and row["etag"] and row["last_modified"] and row["http_status"] == 200
    # GBK page (charset only in <meta>) and UTF-8 page both give their real titles
    gbk = rows[portal.url("/xxgk/zfxxgknb/202401/t20240116_1002.htm")]
    assert gbk["title"] == "市财政局2023年度政府信息公开工作年度报告"
    assert rows[portal.url("/art/2024/1/21/art_1_1102.html")]["title"] == "区司法局2023年度政府信息公开工作年度报告"
    # an inline report and its attachment share the report key; parent recorded
    page = portal.url("/xxgk/zfxxgknb/202401/t20240115_1001.htm")
    pdf = rows[portal.url("/xxgk/zfxxgknb/202401/P020240115_1001.pdf")]
    assert pdf["report_key"] == rows[page]["report_key"] == page and pdf["parent_url"] == page
    # a PDF linked straight from the list is its own report
    direct = portal.url("/xxgk/zfxxgknb/202303/P020230305_0910.pdf")
    assert rows[direct]["report_key"] == direct and rows[direct]["title"].startswith("市统计局")
    # a report link that answered with a PDF is saved and recorded as an attachment
    jcms = rows[portal.url("/module/download/downfile.jsp?classid=0&filename=2401221.pdf")]
    assert jcms["kind"] == "attachment" and jcms["path"].endswith("_区审计局.pdf")
    assert jcms["title"] == "区审计局2023年度政府信息公开工作年度报告"
    # Content-Disposition names cannot escape RAW
    evil = rows[portal.url("/attach/download.jsp?id=7")]["path"]
    absolute = rows[portal.url("/attach/download.jsp?id=8")]["path"]
    assert evil.startswith("attachments/") and evil.endswith("_evil.docx") and ".." not in evil
    assert absolute.startswith("attachments/") and absolute.endswith("_passwd.doc")
    # list pages are recorded and kept (so a 304 can still be parsed), separately from reports
    assert rows[expected["start"][0]]["kind"] == "list" and rows[expected["start"][0]]["path"].startswith("_lists/")
    assert len(changed_documents(tmp_path)) == len(expected["pages_ok"]) + len(expected["attachments_ok"])


def test_recrawl_downloads_nothing_then_fetches_a_changed_page(site, tmp_path):
    portal, _, expected = site
    crawl(expected["start"], tmp_path, fast_config())
    before = dict(portal.full)
    rows = by_url(crawl(expected["start"], tmp_path, fast_config()))
    slow = "/xxgk/zfxxgknb/202303/t20230305_0905.htm"   # timed out: it may complete server-side
    assert {k: v for k, v in downloads(portal, before).items() if k != slow} == {}
    assert {r["change"] for r in rows.values()} <= {"unchanged", "failed", "skipped"}
    assert rows[expected["pages_ok"][0]]["http_status"] == 304
    assert rows[expected["failed"][3]]["error"].startswith("too_large")  # still known as too large
    assert changed_documents(tmp_path) == []

    from portal import report_html
    changed = "/xxgk/zfxxgknb/202401/t20240116_1002.htm"
    portal.set(changed, report_html("市财政局", 2023, charset="gbk", extra="<p>更正：补充说明。</p>"),
               content_type="text/html")
    before = dict(portal.full)
    rows = by_url(crawl(expected["start"], tmp_path, fast_config()))
    assert {k: v for k, v in downloads(portal, before).items() if k != slow} == {changed: 1}
    row = rows[portal.url(changed)]
    assert row["change"] == "changed"
    assert "补充说明".encode("gbk") in (tmp_path / row["path"]).read_bytes()
    assert [r["url"] for r in changed_documents(tmp_path)] == [portal.url(changed)]
    old_hashes = {r["sha256"] for r in load_documents(tmp_path) if r["url"] != portal.url(changed)}
    assert [r["url"] for r in documents_to_extract(tmp_path, old_hashes)] == [portal.url(changed)]


def test_resume_after_interruption_does_not_refetch(site, tmp_path):
    portal, _, expected = site

    class Killed(Exception):
        pass

    seen = []

    def kill_after_six(row):
        seen.append(row["url"])
        if len(seen) == 6:
            raise Killed

    with pytest.raises(Killed):
        crawl(expected["start"], tmp_path, fast_config(), on_record=kill_after_six)
    assert (tmp_path / "documents" / "journal.jsonl").exists()
    done_paths = {u[len(portal.url("")):] for u in seen if u.startswith(portal.url(""))}
    hits_before = dict(portal.hits)
    rows = by_url(crawl(expected["start"], tmp_path, fast_config()))
    for path in done_paths:
        assert portal.hits[path] == hits_before[path], f"{path} requested again after resume"
    new = sorted(u for u, r in rows.items() if r["change"] == "new" and r["kind"] in ("page", "attachment"))
    assert new == sorted(expected["pages_ok"] + expected["attachments_ok"])
    assert len({r["crawl_id"] for r in load_documents(tmp_path)}) == 1   # one run, resumed
    assert not (tmp_path / "documents" / "journal.jsonl").exists()


def test_fetcher_limits_retry_after_and_download_deadline(tmp_path):
    with Portal() as p:
        p.set("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
        p.set("/busy", "ok", fail_first=1, fail_status=429, retry_after="1")
        p.set("/gone", "x", fail_first=5, fail_status=403)
        p.set("/trickle.pdf", b"x" * 20_000, trickle=0.1, content_type="application/pdf")
        chain = [f"/r{i}" for i in range(8)]
        for a, b in zip(chain, chain[1:]):
            p.set(a, status=302, headers={"Location": b})
        p.set(chain[-1], "end")
        site = dataclasses.replace(FAST, start_urls=[p.url("/")], download_timeout=0.5, timeout=2)
        with Fetcher() as f:
            t0 = time.monotonic()
            r = f.fetch(p.url("/trickle.pdf"), site)
            assert r.error.startswith("download_timeout") and time.monotonic() - t0 < 2
            r = f.fetch(p.url(chain[0]), site)
            assert r.error.startswith("too_many_redirects")
            t0 = time.monotonic()
            r = f.fetch(p.url("/busy"), site)       # 429 + Retry-After: 1, then 200
            assert r.ok and r.attempts == 2 and time.monotonic() - t0 >= 0.9
            r = f.fetch(p.url("/gone"), site)       # 4xx other than 429: never retried
            assert r.error == "http_403" and r.attempts == 1 and p.hits["/gone"] == 1
            r = f.fetch(p.url(chain[3]), site)
            assert r.ok and r.body == b"end" and r.final_url == p.url(chain[-1])


def test_rate_limit_is_per_host_and_default_is_one_per_second():
    assert SiteConfig().rate == 1.0 and SiteConfig().concurrency == 2
    with Portal() as p:
        p.set("/robots.txt", "", content_type="text/plain")
        for i in range(5):
            p.set(f"/p{i}", "x")
        site = dataclasses.replace(FAST, rate=10, start_urls=[p.url("/")])
        with Fetcher() as f:
            t0 = time.monotonic()
            for i in range(5):
                assert f.fetch(p.url(f"/p{i}"), site).ok
            # 6 requests (robots.txt + 5) at 10/s: at least 0.5 s between first and last start
            assert time.monotonic() - t0 >= 0.45


def test_safe_names_never_escape(tmp_path):
    for bad in ["../../evil.pdf", "/etc/passwd", "..", "", ".", "a/b\\c.doc", "C:\\x\\y.docx",
                "\x00\x1fnull.pdf", "名" * 300 + ".pdf"]:
        name = sanitise_name(bad)
        assert name and "/" not in name and "\\" not in name and not name.startswith(".")
        assert len(name.encode("utf-8")) <= 150
        path = target_path(tmp_path, "attachment", "http://h/x", name)
        assert tmp_path.resolve() in path.parents
    assert safe_file_name("http://h/a/%E5%B9%B4%E6%8A%A5.pdf").endswith("_年报.pdf")
    # GBK bytes in a header arrive as latin-1 text
    raw = 'attachment; filename="年报.doc"'.encode("gbk").decode("latin-1")
    assert safe_file_name("http://h/d?id=1", raw).endswith("_年报.doc")
    assert safe_file_name("http://h/d?id=1") != safe_file_name("http://h/d?id=2")


def test_discovery_rules():
    assert is_report_text("平潭综合实验区2022年度政府信息公开工作年度报告")
    assert is_report_text("区司法局2023年政府信息公开年报")
    assert not is_report_text("政府信息公开年报")          # the column link, not a report
    assert not is_report_text("关于开展2024年政务公开工作的通知")
    assert decode_html("<meta charset=gb2312>信息".encode("gbk"), "text/html") .endswith("信息")
    assert decode_html("信息".encode("utf-8"), "text/html; charset=gbk") == "信息"  # wrong header
    site, hooks = SiteConfig(start_urls=["http://h/zfxxgknb/"]), SiteHooks(SiteConfig())
    root = "http://h/zfxxgknb/"

    def cls(url, text, kind="list", page="http://h/zfxxgknb/index.htm"):
        return classify_link(url, text, kind, page, site, hooks, root)
    assert cls("http://h/zfxxgknb/index_3.htm", "4") == "list"
    assert cls("http://h/zfxxgknb/index_1.htm", "下一页") == "list"
    assert cls("http://h/", "首页") is None
    assert cls("http://h/col/list.jsp?page=2", "下一页", page="http://h/col/list.jsp?page=1") == "list"
    assert cls("http://h/zfxxgknb/202202/t20220208_80613.htm", "详情") == "page"
    assert cls("http://h/module/xxgk/xxgkAnnualReport.jsp?fbtime=2017&area=1", "2017") == "page"
    assert cls("http://h/zfxxgknb/bmxxgknb/", "部门年报") == "list"
    assert cls("http://h/other/a.pdf", "办事指南.pdf") is None
    assert cls("http://h/x/a.pdf", "附件", kind="page") == "attachment"
    assert cls("http://h/x/other.htm", "相关链接", kind="page") is None


def test_config_and_site_registry():
    cfg = parse_config({"defaults": {"rate": 0.5, "contact_url": "https://c"},
                        "sites": [{"name": "a", "start_urls": ["http://a.gov.cn/nb/"], "allow_gov_cn": True}]})
    a = cfg.sites[0]
    assert a.rate == 0.5 and a.user_agent.endswith("(+https://c)")
    assert a.allows("http://a.gov.cn/x") and a.allows("https://b.gov.cn/y") and not a.allows("http://b.com/")
    plain = cfg.site_for("http://c.example/nb/")
    assert plain.allows("http://c.example/z") and not plain.allows("http://a.gov.cn/x")
    with pytest.raises(ConfigError):
        parse_config({"sites": [{"start_urls": [], "colour": "red"}]})
    with pytest.raises(ConfigError):
        parse_config({"sites": [{"start_urls": [], "module": "nope"}]})

    @register_site("test-only")
    class Hooks(SiteHooks):
        def classify(self, url, text, page_kind, page_url):
            return "page" if url.endswith(".asp") else None
    b = parse_config({"sites": [{"start_urls": ["http://h/"], "module": "test-only"}]}).sites[0]
    from pipeline.sites import hooks_for
    assert hooks_for(b).classify("http://h/x.asp", "", "list", "http://h/") == "page"


KILL_SCRIPT = """
import dataclasses, sys
from pipeline.crawl import crawl
from pipeline.sites import CrawlConfig, SiteConfig
site = SiteConfig(rate=8, concurrency=1, timeout=0.3, retries=1, backoff=0.01, max_bytes=1_000_000,
                  download_timeout=1.0)
crawl(sys.argv[2:], sys.argv[1], CrawlConfig(defaults=site))
"""


def test_resume_after_sigkill(site, tmp_path):
    """A real kill -9 mid-crawl: the journal survives and the next run picks up where it stopped."""
    import json
    import os
    import signal
    import subprocess
    portal, _, expected = site
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path), *expected["start"]],
                            cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    journal = tmp_path / "documents" / "journal.jsonl"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []
        if sum('"event": "row"' in line for line in lines) >= 6:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    rows_before = [json.loads(x)["row"] for x in journal.read_text(encoding="utf-8").splitlines()
                   if '"event": "row"' in x]
    assert len(rows_before) >= 6 and not any('"event": "end"' in x for x in journal.read_text().splitlines())
    done = {r["url"][len(portal.url("")):] for r in rows_before if r["url"].startswith(portal.url(""))}
    hits_before = dict(portal.hits)
    rows = by_url(crawl(expected["start"], tmp_path, fast_config()))
    for path in done:
        assert portal.hits[path] == hits_before[path], f"{path} requested again after resume"
    new = sorted(u for u, r in rows.items() if r["change"] == "new" and r["kind"] in ("page", "attachment"))
    assert new == sorted(expected["pages_ok"] + expected["attachments_ok"])


def test_cli_crawl_command(site, tmp_path):
    import typer
    from typer.testing import CliRunner

    from pipeline.cli_crawl import register
    portal, _, expected = site
    app = typer.Typer()
    register(app)

    @app.command("noop")   # typer runs a lone command without its name; keep "crawl" explicit
    def noop() -> None:
        pass
    config = tmp_path / "sites.yaml"
    config.write_text("defaults: {rate: 50, timeout: 0.3, retries: 1, backoff: 0.01, max_bytes: 100000}\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["crawl", expected["start"][1], "--out", str(tmp_path / "raw"),
                                      "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "page       new       2" in result.output
    assert (tmp_path / "raw" / "documents" / "documents.parquet").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("defaults: {speed: 3}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["crawl", "http://x/", "--out", str(tmp_path / "r2"), "--config", str(bad)])
    assert result.exit_code == 2 and "unknown keys" in result.output


def test_start_url_that_is_a_report_page_is_saved_as_a_page(site, tmp_path):
    portal, _, _ = site
    url = portal.url("/xxgk/zfxxgknb/202401/t20240115_1001.htm")
    rows = by_url(crawl([url], tmp_path, fast_config()))
    assert rows[url]["kind"] == "page" and rows[url]["path"].startswith("pages/")
    pdf = rows[portal.url("/xxgk/zfxxgknb/202401/P020240115_1001.pdf")]
    assert pdf["kind"] == "attachment" and pdf["report_key"] == url and pdf["change"] == "new"


def test_one_crawl_per_raw_folder(tmp_path):
    from extractors.errors import StorageError
    from pipeline.crawl_store import CrawlLock
    with CrawlLock(tmp_path):
        with pytest.raises(StorageError, match="another crawl"):
            crawl(["http://127.0.0.1:9/"], tmp_path, fast_config())
    assert not (tmp_path / "documents" / ".lock").exists()
    (tmp_path / "documents" / ".lock").write_text("999999999")   # a killed run's lock: taken over
    with CrawlLock(tmp_path):
        pass


def test_example_config_loads():
    from pipeline.sites import load_config
    cfg = load_config(Path(__file__).resolve().parents[1] / "data" / "sites.example.yaml")
    assert cfg.defaults.rate == 1.0 and cfg.sites and all(s.start_urls for s in cfg.sites)
