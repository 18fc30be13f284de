"""HTML reader: encodings, chrome removal, grids with spans, layout tables, hostile input, and
the real Pingtan/Shanghai pages of the shared corpus (skipped when ../shared is absent)."""
from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest

from extractors.document import Paragraph, Table
from extractors.errors import ReadError
from extractors.html import READER, decode_html

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL = SHARED / "corpus" / "real"
CORPUS_HTML = sorted(REAL.glob("*.html")) if REAL.is_dir() else []
needs_corpus = pytest.mark.skipif(not CORPUS_HTML, reason=f"shared corpus not found at {REAL}")


def read(html: str | bytes, name: str = "t.html"):
    data = html.encode("utf-8") if isinstance(html, str) else html
    return READER.read(data, name)


def page(body: str, head: str = '<meta charset="utf-8">') -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>X</title></head><body>{body}</body></html>"


# ---------------------------------------------------------------- sniff and encodings

@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html></html>", b"\xef\xbb\xbf  \n<HTML><body>x</body></HTML>",
    b"<table><tr><td>1</td></tr></table>", b"<meta charset=gbk><p>x", b"\n\n<div>x</div>",
    "<html>中</html>".encode("utf-16"),
])
def test_sniff_accepts_html(data):
    assert READER.sniff(data, "x.bin")


@pytest.mark.parametrize("data", [
    b"%PDF-1.7 <html>", b"PK\x03\x04<html>", b"plain text, no markup", b"", b"{\\rtf1 <p>",
])
def test_sniff_rejects_non_html(data):
    assert not READER.sniff(data, "x.html")


def test_gbk_page_with_meta():
    html = page("<p>平潭综合实验区2021年度报告，收到申请70件。</p>",
                head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    doc = read(html.encode("gbk"))
    assert doc.meta["encoding"] == "gb18030"
    assert "平潭综合实验区2021年度报告，收到申请70件。" in doc.text


def test_utf8_bom_without_meta():
    doc = read(b"\xef\xbb\xbf<html><body><p>\xe4\xb8\xad\xe6\x96\x87\xe6\x8a\xa5\xe5\x91\x8a</p>"
               b"</body></html>")
    assert doc.meta["encoding"] == "utf-8"
    assert doc.text == "中文报告"


@pytest.mark.parametrize("declared, actual", [("utf-8", "gbk"), ("gb2312", "utf-8"),
                                              ("gbk", "utf-8"), ("iso-8859-1", "gbk")])
def test_lying_meta_still_decodes(declared, actual):
    # Even-length CJK runs are valid GB18030 when the bytes are UTF-8: the trap this guards.
    text = "政府信息公开工作年度报告，本年新收申请七十件"
    html = page(f"<p>{text}</p>", head=f'<meta charset="{declared}">')
    doc = read(html.encode(actual))
    assert text in doc.text
    assert doc.meta["declared_encoding"] is not None


def test_xhtml_with_xml_declaration():
    html = ('<?xml version="1.0" encoding="gbk"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
            "<body><p>年度报告正文</p></body></html>")
    assert read(html.encode("gbk")).text == "年度报告正文"


def test_decode_prefers_bom_over_meta():
    text, codec = decode_html(b"\xef\xbb\xbf<meta charset=gbk>\xe4\xb8\xad")
    assert codec == "utf-8" and text.endswith("中")


# ---------------------------------------------------------------- paragraphs

def test_paragraph_text_rules():
    doc = read(page(
        "<h1>某区2016年度政府信息公开工作年度报告</h1>"
        "<p><span>201</span><span>6</span>年，全区&nbsp;&nbsp;公开<b>3460</b>条。</p>"
        "<p>一、总体情况<br/>第二行\n  文字</p>"
        "<p>&lt;!--[if !supportLists]--&gt;7、&lt;!--[endif]--&gt;公共监管</p>"
        "<div>外层<div>内层</div>尾巴</div><h2>二、主动公开</h2>"))
    texts = [p.text for p in doc.paragraphs]
    assert texts == ["某区2016年度政府信息公开工作年度报告", "2016年，全区 公开3460条。",
                     "一、总体情况", "第二行文字",
                     "<!--[if !supportLists]-->7、<!--[endif]-->公共监管",
                     "外层", "内层", "尾巴", "二、主动公开"]
    assert doc.paragraphs[0].style == "title"
    assert doc.paragraphs[-1].style == "heading"
    assert doc.title == "某区2016年度政府信息公开工作年度报告"
    assert all(p.page is None for p in doc.paragraphs)


def test_title_falls_back_to_title_tag_without_site_suffix():
    html = ("<html><head><title>某局2022年度政府信息公开工作年度报告_政府信息公开年报_某市政府"
            "</title></head><body><p>正文</p></body></html>")
    assert read(html).title == "某局2022年度政府信息公开工作年度报告"


# ---------------------------------------------------------------- tables

MERGED = """
<table border=1>
 <tr><td rowspan=2 colspan=2>（本列数据的勾稽关系）</td><td colspan=3>申请人情况</td></tr>
 <tr><td>自然人</td><td>商业<br>企业</td><td rowspan="2">总计</td></tr>
 <tr><td rowspan=2>三、办理结果</td><td>（一）予以公开</td><td>5</td><td>0&nbsp;&nbsp;</td></tr>
 <tr><td>（二）部分公开</td><td>1</td><td><p>2</p></td><td>3</td></tr>
</table>"""


def test_grid_with_merged_corner_and_spans():
    (table,) = read(page(MERGED)).tables
    got = {(c.row, c.col): (c.text, c.rowspan, c.colspan) for c in table.cells}
    assert got == {
        (0, 0): ("（本列数据的勾稽关系）", 2, 2), (0, 2): ("申请人情况", 1, 3),
        (1, 2): ("自然人", 1, 1), (1, 3): ("商业\n企业", 1, 1), (1, 4): ("总计", 2, 1),
        (2, 0): ("三、办理结果", 2, 1), (2, 1): ("（一）予以公开", 1, 1), (2, 2): ("5", 1, 1),
        (2, 3): ("0", 1, 1),
        (3, 1): ("（二）部分公开", 1, 1), (3, 2): ("1", 1, 1), (3, 3): ("2", 1, 1),
        (3, 4): ("3", 1, 1)}
    assert (table.n_rows, table.n_cols) == (4, 5)
    assert table.page is None and table.method == "grid"


@pytest.mark.parametrize("attrs, expect", [
    ('colspan="0"', 1), ('colspan=""', 1), ('colspan="abc"', 1), ('colspan="9999"', 2),
    ('colspan="2.0"', 2), ('colspan=" 2 "', 2),
])
def test_bad_colspan_is_clamped_to_table_width(attrs, expect):
    html = page(f"<table><tr><td {attrs}>a</td><td>b</td></tr><tr><td>1</td><td>2</td>"
                "<td>3</td></tr></table>")
    (table,) = read(html).tables
    first = next(c for c in table.cells if c.text == "a")
    assert first.colspan == expect
    assert table.n_cols == 3


@pytest.mark.parametrize("attrs, expect", [
    ('rowspan="9999"', 3), ('rowspan="0"', 3), ('rowspan="-4"', 1), ('rowspan="x"', 1),
])
def test_bad_rowspan_is_clamped_to_table_rows(attrs, expect):
    html = page(f"<table><tr><td {attrs}>a</td><td>b</td></tr><tr><td>1</td></tr>"
                "<tr><td>2</td></tr></table>")
    (table,) = read(html).tables
    assert next(c for c in table.cells if c.text == "a").rowspan == expect
    assert table.n_rows == 3
    assert len(table.cells) == 4  # one Cell per <td>, none invented


def test_empty_trailing_row_kept_without_invented_cells():
    html = page("<table><tr><td>维持</td><td>纠正</td></tr><tr><td>1</td><td>0</td></tr>"
                "<tr><td>&nbsp;</td><td>&nbsp;</td></tr></table>")
    (table,) = read(html).tables
    assert table.n_rows == 3 and len(table.cells) == 6
    assert table.text_rows()[-1] == ["", ""]


def test_layout_table_is_read_as_blocks_in_order():
    html = page("<table><tr><td><p>一、总体情况</p><p>正文一段。</p></td></tr>"
                "<tr><td>二、主动公开政府信息情况"
                "<table><tr><td>规章</td><td>1</td></tr><tr><td>规范性文件</td><td>2</td></tr>"
                "</table><p>三、收到和处理</p></td></tr></table>")
    doc = read(html)
    kinds = [("T" if isinstance(b, Table) else b.text) for b in doc.blocks]
    assert kinds == ["一、总体情况", "正文一段。", "二、主动公开政府信息情况", "T", "三、收到和处理"]
    assert doc.tables[0].text_rows() == [["规章", "1"], ["规范性文件", "2"]]


def test_single_cell_table_is_layout():
    doc = read(page("<table><tr><td><p>第一段</p><p>第二段</p></td></tr></table>"))
    assert not doc.tables and [p.text for p in doc.paragraphs] == ["第一段", "第二段"]


def test_thead_tbody_and_caption():
    html = page("<table><caption>表二</caption><tbody><tr><td>规章</td><td>1</td></tr></tbody>"
                "<thead><tr><th>信息内容</th><th>数量</th></tr></thead></table>")
    doc = read(html)
    assert doc.paragraphs[0].text == "表二"
    assert doc.tables[0].text_rows() == [["信息内容", "数量"], ["规章", "1"]]


# ---------------------------------------------------------------- chrome

CHROME_PAGE = """
<div class="header menu_hov"><a>首页</a><a>政务公开</a></div>
<nav><ul><li>网站地图</li></ul></nav>
<div id="breadcrumb">当前位置：首页 &gt; 政府信息公开年报</div>
<div class="search_area"><input value="请输入关键字">热门搜索</div>
<div class="main"><div class="article">
  <div class="article_title">某区2021年度政府信息公开工作年度报告</div>
  <div class="bdsharebuttonbox">分享到：微信 微博</div>
  <div class="article_content">
    <p>一、总体情况</p><p>本年度我区主动公开政府信息2645条，办理依申请公开70件。</p>
    <p>二、主动公开政府信息情况</p>
    <table><tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
           <tr><td>行政规范性文件</td><td>69</td><td>3</td><td>665</td></tr></table>
    <p>五、存在的主要问题及改进情况</p><p>政策解读形式不够丰富，需要进一步改进。</p>
  </div></div>
  <div class="trt-col-5"><div>文字解读</div></div>
</div>
<div class="footer"><p>版权所有：某区管委会</p><p>网站标识码：3590000001</p></div>
<div class="copyright_info">主办单位：某区办公室</div>
<script>document.write("脚本文字")</script><style>p{}</style>
"""


def test_chrome_removed_and_article_kept():
    doc = read(page(CHROME_PAGE))
    text = doc.text
    for chrome in ("首页", "网站地图", "当前位置", "热门搜索", "分享到", "版权所有", "网站标识码",
                   "主办单位", "脚本文字", "文字解读"):
        assert chrome not in text, chrome
    assert doc.paragraphs[0].text == "某区2021年度政府信息公开工作年度报告"
    assert doc.paragraphs[0].style == "title"
    assert "本年度我区主动公开政府信息2645条，办理依申请公开70件。" in text
    assert "政策解读形式不够丰富，需要进一步改进。" in text
    assert doc.tables[0].text_rows()[1] == ["行政规范性文件", "69", "3", "665"]


def test_chrome_marked_box_holding_the_report_is_kept():
    # A wrapper with a misleading id must not take the report with it.
    html = page('<div id="header-wrap"><div class="nav">首页</div><p>某区年度报告正文。</p>'
                "<table><tr><td>规章</td><td>1</td><td>2</td><td>3</td></tr></table></div>"
                '<div class="footer">版权所有</div>')
    doc = read(html)
    assert "某区年度报告正文。" in doc.text and len(doc.tables) == 1
    assert "首页" not in doc.text and "版权所有" not in doc.text


def test_research_or_content_classes_are_not_chrome():
    doc = read(page('<div class="research-content"><p>调研情况正文</p></div>'
                    '<div class="shared-contentx"><p>保留</p></div>'))
    assert "调研情况正文" in doc.text


# ---------------------------------------------------------------- hostile input

@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf  "])
def test_empty_input_raises(data):
    with pytest.raises(ReadError, match="empty file"):
        READER.read(data, "e.html")


def test_binary_junk_raises():
    junk = random.Random(7).randbytes(20000)
    with pytest.raises(ReadError):
        READER.read(junk, "junk.html")
    with pytest.raises(ReadError):
        READER.read(b"%PDF-1.4\n" + junk, "junk.html")


def test_deep_nesting_does_not_crash():
    html = "<div>" * 50000 + "<p>深处的文字</p>" + "</div>" * 50000
    t = time.perf_counter()
    doc = read(page(html))
    assert time.perf_counter() - t < 10
    assert isinstance(doc.blocks, list)  # libxml2 caps depth at 256; the words are not required


def test_deep_table_nesting_does_not_crash():
    html = "<table><tr><td>" * 300 + "核心" + "</td></tr></table>" * 300
    assert isinstance(read(page(html)).blocks, list)


def test_entity_bomb_is_not_expanded():
    bomb = ('<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><html><body><p>&c;&c;&c;&amp;</p>'
            "</body></html>")
    doc = read(bomb)
    assert "aaaaaaaaaa" not in doc.text and len(doc.text) < 200


def test_unclosed_tags():
    doc = read("<html><body><p>第一段<p>第二段<table><tr><td>规章<td>1<tr><td>文件<td>2")
    assert [p.text for p in doc.paragraphs] == ["第一段", "第二段"]
    assert doc.tables[0].text_rows() == [["规章", "1"], ["文件", "2"]]


def test_huge_colspans_stay_cheap():
    rows = "".join(f'<tr><td rowspan="5000" colspan="9999">{i}</td></tr>' for i in range(300))
    t = time.perf_counter()
    (table,) = read(page(f"<table>{rows}<tr><td>x</td><td>y</td></tr></table>")).tables
    assert time.perf_counter() - t < 5
    assert len(table.cells) == 302 and table.n_cols <= 400


# ---------------------------------------------------------------- the real corpus

def _expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def _number(text: str):
    text = text.strip().removesuffix("元")
    return None if text in ("", "/", "-", "—") else float(text)


def _value_rows(table: Table) -> list[list[str]]:
    """Rows under the header of a 表三 grid: the value cells right of the corner cell."""
    corner = next(c for c in table.cells if c.row == 0 and c.col == 0)
    out = []
    for r, row in enumerate(table.rows()):
        if r >= corner.rowspan and any(c.text for c in row):
            out.append([c.text for c in row if c.col >= corner.colspan])
    return out


@pytest.fixture(scope="module", params=CORPUS_HTML, ids=lambda p: p.name)
def corpus_doc(request):
    path = request.param
    t = time.perf_counter()
    doc = READER.read(path.read_bytes(), str(path))
    return path, doc, time.perf_counter() - t


@needs_corpus
def test_corpus_reads_quickly_with_title(corpus_doc):
    path, doc, seconds = corpus_doc
    assert seconds < 3, f"{path.name} took {seconds:.2f}s"
    exp = _expected(path)
    assert str(exp["year"]) in doc.title and "报告" in doc.title
    assert doc.meta["encoding"] == "utf-8"


@needs_corpus
def test_corpus_section_headings(corpus_doc):
    path, doc, _ = corpus_doc
    starts = {p.text[:2] for p in doc.paragraphs}
    for numeral in ("一、", "二、", "三、", "四、", "五、"):
        assert numeral in starts, f"{path.name}: no paragraph starts with {numeral}"


@needs_corpus
def test_corpus_footer_chrome_is_gone(corpus_doc):
    path, doc, _ = corpus_doc
    raw = path.read_text(encoding="utf-8")
    for chrome in ("版权所有", "网站标识码", "当前位置", "主办单位", "长者模式", "友情链接"):
        if chrome in raw:
            assert chrome not in doc.text, f"{path.name}: {chrome} leaked into paragraphs"


@needs_corpus
def test_corpus_tables_found(corpus_doc):
    path, doc, _ = corpus_doc
    exp = _expected(path)
    texts = ["".join(c.text for c in t.cells) for t in doc.tables]
    if exp["template"] == "pre2019":
        assert any("主动公开" in t and "行政复议" in t for t in texts)
        return
    assert any("第二十条" in t for t in texts), "表二"
    assert any("本年新收" in t for t in texts), "表三"
    assert any("复议后起诉" in t for t in texts), "表四"
    t3 = next(t for t in doc.tables if any("本年新收" in c.text for c in t.cells))
    received = next(row for row in t3.rows() if any("本年新收" in c.text for c in row))
    assert len([c for c in received if re.fullmatch(r"\d+|", c.text)]) >= 7


@needs_corpus
def test_corpus_table3_and_table4_values_match_expected(corpus_doc):
    path, doc, _ = corpus_doc
    exp = _expected(path)
    if "applications" not in exp:
        pytest.skip("pre-2019 report: no 表三/表四")
    t3 = next(t for t in doc.tables if any("本年新收" in c.text for c in t.cells))
    rows = _value_rows(t3)
    expected_rows = [list(r.values()) for r in exp["applications"].values()]
    assert len(rows) == len(expected_rows)
    for want, got in zip(expected_rows, rows):
        assert [_number(g) for g in got] == want
    t4 = next(t for t in doc.tables if any("复议后起诉" in c.text for c in t.cells))
    data = [r for r in t4.rows() if r and any(re.fullmatch(r"\d+", c.text) for c in r)]
    want = [v for group in exp["reviews_litigation"].values() for v in group.values()]
    assert [_number(c.text) for c in data[0]] == want


@needs_corpus
def test_pingtan_2021_table3_spans_as_printed():
    path = REAL / "pingtan-2021.html"
    if not path.exists():
        pytest.skip("pingtan-2021.html absent")
    doc = READER.read(path.read_bytes(), str(path))
    t3 = next(t for t in doc.tables if any("本年新收" in c.text for c in t.cells))
    cell = {(c.row, c.col): c for c in t3.cells}
    person = next(c for c in t3.cells if c.text == "自然人")
    assert (person.row, person.colspan) == (1, 2)
    blank = cell[(2, person.col)]  # the blank cell printed under the wide 自然人 header
    assert blank.text == "" and blank.colspan == 1
    commercial_header = next(c for c in t3.cells if c.text.replace("\n", "") == "商业企业")
    received = next(c for c in t3.cells if c.text.startswith("一、本年新收"))
    row = sorted((c for c in t3.cells if c.row == received.row), key=lambda c: c.col)
    commercial_value = next(c for c in row if c.col == commercial_header.col)
    assert commercial_value.colspan == 2 == commercial_header.colspan


@needs_corpus
def test_pingtan_2020_trailing_blank_row_of_table4():
    path = REAL / "pingtan-2020.html"
    if not path.exists():
        pytest.skip("pingtan-2020.html absent")
    doc = READER.read(path.read_bytes(), str(path))
    t4 = next(t for t in doc.tables if any("复议后起诉" in c.text for c in t.cells))
    last = t4.rows()[-1]
    assert len(last) == 15 and all(c.text == "" for c in last)


@needs_corpus
def test_pingtan_2016_split_year_and_leaked_word_markup():
    path = REAL / "pingtan-2016.html"
    if not path.exists():
        pytest.skip("pingtan-2016.html absent")
    doc = READER.read(path.read_bytes(), str(path))
    assert "本报告所列数据的统计期限自2016年1月1日起至2016年12月31日" in doc.text.replace(" ", "")
    assert "<!--[if !supportLists]-->" in doc.text


OLD_PORTAL = """
<table width="1000"><tr><td colspan="2"><a href="/">首页</a> <a href="/a">机构概况</a>
  <a href="/b">政务公开</a> <a href="/c">办事服务</a> <a href="/d">互动交流</a></td></tr>
<tr><td width="200"><a href="/1">通知公告</a><br><a href="/2">县2018年度政府信息公开工作年度报告</a>
  <br><a href="/3">人事任免信息汇总</a><br><a href="/4">财政预决算公开专栏</a></td>
 <td><table><tr><td><h3>某县2019年度政府信息公开工作年度报告</h3></td></tr>
  <tr><td><p>一、总体情况</p><p>2019年，我县认真贯彻落实新修订的条例，全年主动公开政府信息1200条，
  受理依申请公开12件，全部按期答复，群众满意度持续提升，各项工作取得新进展。</p>
  <p>二、主动公开政府信息情况</p>
  <table border="1"><tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td></tr>
   <tr><td>规章</td><td>0</td><td>0</td></tr><tr><td>规范性文件</td><td>12</td><td>12</td></tr></table>
  <p>五、存在的主要问题及改进情况</p><p>信息公开的及时性还需加强，明年将进一步完善工作机制和审核流程。</p>
  </td></tr></table></td></tr>
<tr><td colspan="2">地址：某县人民路1号 技术支持：某某公司</td></tr></table>
"""


def test_old_table_layout_portal_keeps_only_the_article():
    doc = read(page(OLD_PORTAL))
    text = doc.text
    for chrome in ("首页", "机构概况", "通知公告", "人事任免", "技术支持"):
        assert chrome not in text, chrome
    assert doc.title == "某县2019年度政府信息公开工作年度报告"
    assert doc.paragraphs[0].style == "title"
    assert "全年主动公开政府信息1200条" in text and "完善工作机制和审核流程。" in text
    assert [t.text_rows()[2] for t in doc.tables] == [["规范性文件", "12", "12"]]
    heads = [p.text for p in doc.paragraphs if p.text[:2] in ("一、", "二、", "五、")]
    assert heads == ["一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况"]


def test_report_without_any_wrapper_keeps_everything():
    body = "<p>某局2020年度政府信息公开工作年度报告</p>" + "".join(
        f"<p>第{i}段正文，内容较长以便计数。</p>" for i in range(5))
    doc = read(page(body))
    assert len(doc.paragraphs) == 6 and doc.meta["container"] == "body"


def test_cells_without_tr_form_an_implied_row():
    html = page("<table><td>规章</td><td>1</td><tbody><tr><td>文件</td><td>2</td></tr></tbody>"
                "<td>许可</td><td>3</td></table>")
    assert read(html).tables[0].text_rows() == [["规章", "1"], ["文件", "2"], ["许可", "3"]]


def test_pre_keeps_its_lines():
    doc = read(page("<pre>一、总体情况\n  本年度无申请。</pre>"))
    assert [p.text for p in doc.paragraphs] == ["一、总体情况", "本年度无申请。"]


def test_hidden_boxes_dropped_unless_they_hold_the_report():
    html = page('<div style="display: none">登录后可见</div><p hidden>隐藏提示</p>'
                "<p>某区2021年度报告正文。</p>"
                '<div style="display:none"><table><tr><td>规章</td><td>1</td><td>2</td><td>3</td>'
                "</tr></table></div>")
    doc = read(html)
    assert "登录后可见" not in doc.text and "隐藏提示" not in doc.text
    assert "某区2021年度报告正文。" in doc.text and len(doc.tables) == 1


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    given = None

if given is not None:
    _PIECES = st.sampled_from([
        "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", '<td rowspan="3">',
        '<td colspan="0">', '<th colspan="abc" rowspan="-1">', "<p>", "</p>", "<br>", "<div>",
        "</div>", '<div class="footer">', "<nav>", "<h1>", "</h1>", "&nbsp;", "&amp;", "&#0;",
        "报告", "12", "年度", "\n", " ", "<!--", "-->", "<![if x]>", "<script>", "</script>",
        "<pre>", "\x00", "\xff", "<tbody>", "<caption>", "<title>某年度报告</title>"])

    @settings(max_examples=60, deadline=None)
    @given(st.lists(_PIECES, max_size=60))
    def test_arbitrary_tag_soup_never_crashes(pieces):
        try:
            doc = read("<html><body>" + "".join(pieces))
        except ReadError:
            return
        for table in doc.tables:
            for cell in table.cells:
                assert cell.rowspan >= 1 and cell.colspan >= 1 and cell.row >= 0 and cell.col >= 0
            grid = table.grid()  # spans never overlap out of the grid
            assert len(grid) == table.n_rows
