"""A fake government portal on 127.0.0.1 for crawler tests (http.server in a thread).

It serves a 政府信息公开年报 column the way real portals do (TRS ``index_N.htm`` lists with a
``createPageHTML`` pager, a JCMS-style ``list.jsp?page=N`` column, GBK and UTF-8 pages), with
ETag/Last-Modified validators, and it counts requests and complete 200 responses per path.
``build_site(portal, other)`` fills it with reports and with every fault the crawler must survive.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Resource:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fail_first: int = 0          # answer fail_status to the first N requests
    fail_status: int = 500
    retry_after: str | None = None  # Retry-After header sent with those failures
    delay: float = 0.0           # sleep before answering (a slow page)
    trickle: float = 0.0         # sleep between 1 KiB chunks of the body
    validators: bool = True      # send ETag / Last-Modified and honour conditional GET
    etag: str = ""
    last_modified: str = ""


class Portal:
    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.hits: Counter[str] = Counter()
        self.full: Counter[str] = Counter()      # complete 200 responses (a real download)
        self.user_agents: set[str] = set()
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                portal._serve(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Portal":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, body: bytes | str = b"", **kw) -> Resource:
        """Add or change a resource; a changed body gets a new ETag and Last-Modified."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        res = Resource(body=body, **kw)
        res.etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        old = self.resources.get(path)
        stamp = time.time() if old is None else max(time.time(), _parse_stamp(old) + 1)
        res.last_modified = formatdate(stamp, usegmt=True)
        with self._lock:
            self.resources[path] = res
        return res

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        with self._lock:
            self.hits[path] += 1
            n = self.hits[path]
            self.user_agents.add(h.headers.get("User-Agent", ""))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            res = self.resources.get(path)
        try:
            self._answer(h, path, res, n)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, h: BaseHTTPRequestHandler, path: str, res: Resource | None, n: int) -> None:
        if res is None:
            return self._send(h, 404, b"<html><body>404 Not Found</body></html>", {})
        if res.delay:
            time.sleep(res.delay)
        if n <= res.fail_first:
            extra = {"Retry-After": res.retry_after} if res.retry_after else {}
            return self._send(h, res.fail_status, b"<html><body>busy</body></html>", extra)
        headers = {"Content-Type": res.content_type, **res.headers}
        if res.validators and res.status == 200:
            headers.update({"ETag": res.etag, "Last-Modified": res.last_modified})
            inm, ims = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
            if (inm and inm == res.etag) or (not inm and ims and ims == res.last_modified):
                return self._send(h, 304, b"", headers)
        self._send(h, res.status, res.body, headers, res.trickle)
        if res.status == 200:
            with self._lock:
                self.full[path] += 1

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str],
              trickle: float = 0.0) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status == 304:
            return
        if not trickle:
            h.wfile.write(body)
            return
        for i in range(0, len(body), 1024):
            h.wfile.write(body[i:i + 1024])
            h.wfile.flush()
            time.sleep(trickle)


def _parse_stamp(res: Resource) -> float:
    from email.utils import parsedate_to_datetime
    return parsedate_to_datetime(res.last_modified).timestamp()


# ---------------------------------------------------------------- content

def report_html(agency: str, year: int, charset: str = "utf-8", extra: str = "") -> bytes:
    """A small inline report in the 2021 template, shaped like a TRS detail page."""
    title = f"{agency}{year}年度政府信息公开工作年度报告"
    html = f"""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="ArticleTitle" content="{title}">
<title>{title}_政府信息公开年报_示例市人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a></div>
<h1>{title}</h1>
<p>本报告由{agency}根据《中华人民共和国政府信息公开条例》要求编制。</p>
<p>一、总体情况</p><p>{year}年，{agency}认真贯彻落实政府信息公开工作要求。</p>
<p>二、主动公开政府信息情况</p>
<table border="1"><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>3</td></tr>
<tr><td>行政规范性文件</td><td>{year % 7}</td><td>1</td><td>{year % 50}</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p>
<table border="1"><tr><td>本年新收政府信息公开申请数量</td><td>{year % 13}</td></tr></table>
{extra}
<div class="footer"><a href="/about.htm">关于我们</a> <a href="/sitemap.htm">网站地图</a></div>
</body></html>"""
    return html.encode(charset)


def list_html(items: list[tuple[str, str]], pager: str, charset: str = "utf-8",
              column: str = "政府信息公开年报") -> bytes:
    lis = "\n".join(f'<li><a href="{href}" title="{title}" target="_blank">{text}</a>'
                    f'<span>2024-01-15</span></li>'
                    for href, text, title in ((h, t[:18] + ("..." if len(t) > 18 else ""), t)
                                              for h, t in items))
    html = f"""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{column}_示例市人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/xxgk/">政府信息公开</a>
<a href="/xxgk/zfxxgknb/">{column}</a> <a href="/xxgk/tzgg/">通知公告</a></div>
<ul class="list">
{lis}
</ul>
<div class="page">{pager}</div></body></html>"""
    return html.encode(charset)


PDF_BYTES = b"%PDF-1.4\n% fake report attachment\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCX_BYTES = b"PK\x03\x04 fake docx bytes for the crawler test"

TRS = "/xxgk/zfxxgknb"


def _to_gbk(html: bytes) -> bytes:
    """Re-encode a UTF-8 page as GBK with the charset declared only in <meta>."""
    import re
    text = html.decode("utf-8")
    text, n = re.subn(r"charset\s*=\s*[\"']?utf-8", "charset=gbk", text, flags=re.I)
    if not n:
        text = re.sub(r"<head[^>]*>", lambda m: m.group(0) + '<meta charset="gbk">', text, count=1, flags=re.I)
    return text.encode("gbk", "xmlcharrefreplace")


def _with_extra(html: bytes, extra: str) -> bytes:
    if not extra:
        return html
    text = html.decode("utf-8")
    at = text.lower().rfind("</body>")
    return (text[:at] + extra + text[at:] if at >= 0 else text + extra).encode("utf-8")


Render = Callable[[str, int, str], bytes]   # (agency, year, "html" | "pdf" | "docx") -> bytes


def build_site(p: Portal, other: Portal, render: Render | None = None) -> dict[str, list[str]]:
    """Populate the portal; returns the expected outcome per URL group.

    ``render`` supplies real report files (e.g. from pipeline.samplegen) for the inline pages
    (UTF-8 HTML; the GBK page is transcoded here) and the pdf/docx attachments; by default the
    pages are small hand-written reports and the attachments a few fake bytes.
    """
    def page(agency: str, year: int, charset: str = "utf-8", extra: str = "") -> bytes:
        if render is None:
            return report_html(agency, year, charset, extra)
        html = _with_extra(render(agency, year, "html"), extra)
        return _to_gbk(html) if charset == "gbk" else html

    def file(agency: str, year: int, ext: str, fake: bytes) -> bytes:
        return fake if render is None else render(agency, year, ext)

    p.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    p.set("/", "<html><body><a href='/xxgk/zfxxgknb/'>政府信息公开年报</a></body></html>")
    ext = other.url(f"{TRS}/202401/t20240118_1004.htm")
    other.set(f"{TRS}/202401/t20240118_1004.htm", page("市交通局", 2023))
    page1 = list_html([
        (f"{TRS}/202401/t20240115_1001.htm", "市教育局2023年度政府信息公开工作年度报告"),
        (f"{TRS}/202401/t20240116_1002.htm", "市财政局2023年度政府信息公开工作年度报告"),
        (f"{TRS}/202401/t20240117_1003.htm", "市民政局2023年度政府信息公开工作年度报告"),
        ("/xxgk/tzgg/202401/t20240110_999.htm", "关于开展2024年政务公开工作的通知"),
        (ext, "市交通局2023年度政府信息公开工作年度报告"),
    ], '<script>createPageHTML(3, 0, "index", "htm");</script>')
    p.set(f"{TRS}/index.htm", page1)
    p.set(f"{TRS}/", page1)   # the column link in the nav bar serves the same first page
    p.set(f"{TRS}/index_1.htm", list_html([
        (f"{TRS}/202303/t20230301_0901.htm", "市卫健委2022年度政府信息公开工作年度报告"),
        ("/private/t20230302_0902.htm", "市审计局2022年度政府信息公开工作年度报告"),
        (f"{TRS}/202303/t20230303_0903.htm", "市水利局2022年度政府信息公开工作年度报告"),
        (f"{TRS}/202303/t20230304_0904.htm", "市林业局2022年度政府信息公开工作年度报告"),
        (f"{TRS}/202303/t20230305_0905.htm", "市商务局2022年度政府信息公开工作年度报告"),
        (f"{TRS}/202303/P020230305_0910.pdf", "市统计局2022年度政府信息公开工作年度报告.pdf"),
        (f"{TRS}/202303/t20230306_0906.htm", "市城管局2022年度政府信息公开工作年度报告"),
        (f"{TRS}/202303/t20230307_0907.htm", "市人社局2022年度政府信息公开工作年度报告"),
    ], '<a href="index.htm">首页</a> <a href="index.htm">上一页</a> <a href="index_2.htm">下一页</a> '
       '<a href="index_2.htm">尾页</a>', charset="gb2312"), content_type="text/html")
    p.set(f"{TRS}/index_2.htm", list_html([
        (f"{TRS}/202201/t20220120_0801.htm", "详情"),
        (f"{TRS}/202401/t20240115_1001.htm", "市教育局2023年度政府信息公开工作年度报告"),
    ], '<a href="index_1.htm">上一页</a> <a href="index.htm">首页</a>'))
    # report pages
    p.set(f"{TRS}/202401/t20240115_1001.htm", page("市教育局", 2023, extra=(
        '<p>附件：<a href="P020240115_1001.pdf">市教育局2023年度政府信息公开工作年度报告.pdf</a></p>')))
    p.set(f"{TRS}/202401/P020240115_1001.pdf", file("市教育局", 2023, "pdf", PDF_BYTES),
          content_type="application/pdf")
    p.set(f"{TRS}/202401/t20240116_1002.htm", page("市财政局", 2023, charset="gbk"),
          content_type="text/html")   # charset only in <meta>, as many GBK portals do
    p.set(f"{TRS}/202401/t20240117_1003.htm", page("市民政局", 2023, extra=(
        '<p>附件下载：<a href="/attach/download.jsp?id=7">年报全文</a> '
        '<a href="/attach/download.jsp?id=8">统计表.doc</a></p>')))
    p.set("/attach/download.jsp?id=7", file("市民政局", 2023, "docx", DOCX_BYTES),
          content_type="application/octet-stream",
          headers={"Content-Disposition": 'attachment; filename="../../evil.docx"'})
    p.set("/attach/download.jsp?id=8", b"\xd0\xcf\x11\xe0 fake doc", content_type="application/msword",
          headers={"Content-Disposition": "attachment; filename*=UTF-8''%2Fetc%2Fpasswd.doc"})
    p.set("/xxgk/tzgg/202401/t20240110_999.htm", "<html><title>通知</title></html>")
    p.set(f"{TRS}/202303/t20230301_0901.htm", page("市卫健委", 2022), fail_first=1)
    p.set("/private/t20230302_0902.htm", page("市审计局", 2022))
    # 0903 is absent: 404
    p.set(f"{TRS}/202303/t20230304_0904.htm", status=302, headers={"Location": "t20230304_0904_a.htm"})
    p.set(f"{TRS}/202303/t20230304_0904_a.htm", status=302, headers={"Location": "t20230304_0904.htm"})
    p.set(f"{TRS}/202303/t20230305_0905.htm", page("市商务局", 2022), delay=1.0)
    p.set(f"{TRS}/202303/P020230305_0910.pdf", file("市统计局", 2022, "pdf", PDF_BYTES + b"%stats"),
          content_type="application/pdf")
    p.set(f"{TRS}/202303/t20230306_0906.htm", page("市城管局", 2022, extra=(
        '<p>附件：<a href="big.pdf">市城管局年报扫描件.pdf</a></p>')))
    p.set(f"{TRS}/202303/big.pdf", b"%PDF-1.4\n" + b"0" * 2_000_000, content_type="application/pdf")
    p.set(f"{TRS}/202303/t20230307_0907.htm", status=302, headers={"Location": ext})
    p.set(f"{TRS}/202201/t20220120_0801.htm", page("市发改委", 2021))
    # a JCMS-style column paginated with ?page=N
    p.set("/col/list.jsp?page=1", list_html([
        ("/art/2024/1/20/art_1_1101.html", "区发改委2023年度政府信息公开工作年度报告"),
    ], '<a href="list.jsp?page=2">下一页</a>', column="信息公开年报"))
    p.set("/col/list.jsp?page=2", list_html([
        ("/art/2024/1/21/art_1_1102.html", "区司法局2023年政府信息公开年报"),
        ("/module/download/downfile.jsp?classid=0&filename=2401221.pdf", "区审计局2023年度政府信息公开工作年度报告"),
    ], '<a href="list.jsp?page=1">上一页</a>', column="信息公开年报"))
    p.set("/art/2024/1/20/art_1_1101.html", page("区发改委", 2023))
    p.set("/art/2024/1/21/art_1_1102.html", page("区司法局", 2023))
    # a report link that serves the file itself (JCMS downfile.jsp): saved as an attachment
    p.set("/module/download/downfile.jsp?classid=0&filename=2401221.pdf", file("区审计局", 2023, "pdf", PDF_BYTES + b"%audit"),
          content_type="application/octet-stream",
          headers={"Content-Disposition": 'attachment; filename="%E5%8C%BA%E5%AE%A1%E8%AE%A1%E5%B1%80.pdf"'})
    return {
        "start": [p.url(f"{TRS}/index.htm"), p.url("/col/list.jsp?page=1")],
        "pages_ok": [p.url(f"{TRS}/202401/t20240115_1001.htm"), p.url(f"{TRS}/202401/t20240116_1002.htm"),
                     p.url(f"{TRS}/202401/t20240117_1003.htm"), p.url(f"{TRS}/202303/t20230301_0901.htm"),
                     p.url(f"{TRS}/202303/t20230306_0906.htm"), p.url(f"{TRS}/202201/t20220120_0801.htm"),
                     p.url("/art/2024/1/20/art_1_1101.html"), p.url("/art/2024/1/21/art_1_1102.html")],
        "attachments_ok": [p.url(f"{TRS}/202401/P020240115_1001.pdf"), p.url("/attach/download.jsp?id=7"),
                           p.url("/attach/download.jsp?id=8"), p.url(f"{TRS}/202303/P020230305_0910.pdf"),
                           p.url("/module/download/downfile.jsp?classid=0&filename=2401221.pdf")],
        "failed": [p.url(f"{TRS}/202303/t20230303_0903.htm"), p.url(f"{TRS}/202303/t20230304_0904.htm"),
                   p.url(f"{TRS}/202303/t20230305_0905.htm"), p.url(f"{TRS}/202303/big.pdf")],
        "skipped": [ext, p.url("/private/t20230302_0902.htm"), p.url(f"{TRS}/202303/t20230307_0907.htm")],
        "never_requested": ["/private/t20230302_0902.htm", "/xxgk/tzgg/202401/t20240110_999.htm", "/",
                            "/about.htm", "/xxgk/"],
    }
