"""Text reader: Word-to-text dumps (TAB rows -> tables), flat crawler text, decoding, sniffing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractors.document import Paragraph, Table
from extractors.errors import ReadError
from extractors.text import READER, decode, parse_blocks

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpus" / "seed" / "shichahai-2024.txt"
FLAT = SHARED / "corpus" / "real" / "pingtan-2021-flat.txt"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture(scope="module")
def seed_doc():
    if not SEED.exists():
        pytest.skip(f"corpus not available: {SEED} (../shared beside the checkout)")
    return READER.read(SEED.read_bytes(), str(SEED))


@pytest.mark.corpus
def test_seed_has_three_tables_and_title(seed_doc):
    assert len(seed_doc.tables) == 3
    assert seed_doc.title == "北京市西城区什刹海街道2024年政府信息公开工作年度报告"
    assert seed_doc.meta["encoding"] == "utf-8"
    assert all(t.method == "text" and t.page is None for t in seed_doc.tables)


@pytest.mark.corpus
def test_seed_table3_rows_have_label_and_seven_values(seed_doc):
    t3 = seed_doc.tables[1]
    data_rows = []
    for row in t3.text_rows():
        values = [t for t in row if NUMBER.match(t)]
        if values:
            data_rows.append(row)
            assert len(values) == 7, row
            assert row[-7:] == values  # values are the last 7 cells
            label = [t for t in row[:-7] if t][-1]
            assert not NUMBER.match(label)
    assert len(data_rows) == 25  # 2021 template: 25 data rows
    new = next(r for r in data_rows if any(t.startswith("一、本年新收") for t in r))
    assert new[-7:] == ["9", "0", "0", "0", "0", "0", "9"]
    total = next(r for r in data_rows if "（七）总计" in r)
    assert total[-7:] == ["8", "0", "0", "0", "0", "0", "8"]
    # the wrapped header label is one cell with its inner line break
    assert any(c.text == "商业\n企业" for c in t3.cells)


@pytest.mark.corpus
def test_seed_table4_data_row_has_15_values(seed_doc):
    t4 = seed_doc.tables[2]
    last = t4.text_rows()[-1]
    assert len(last) == 15 and all(NUMBER.match(t) for t in last)
    assert t4.text_rows()[0] == ["行政复议", "行政诉讼"]


@pytest.mark.corpus
def test_seed_table2_and_paragraphs(seed_doc):
    rows = seed_doc.tables[0].text_rows()
    assert ["行政处罚", "1758"] in rows and ["规章", "0", "0", "0"] in rows
    text = seed_doc.text
    assert "[bookmark:" not in text
    assert "（五）机构建设及网站情况" in [p.text for p in seed_doc.paragraphs]
    assert "设专职人员2名" in text and "五、存在的主要问题及改进情况" in text


@pytest.mark.corpus
def test_flat_crawler_text_is_paragraphs_only():
    if not FLAT.exists():
        pytest.skip(f"corpus not available: {FLAT}")
    doc = READER.read(FLAT.read_bytes(), str(FLAT))
    assert doc.tables == [] and len(doc.paragraphs) >= 5
    assert "行政规范性文件693665" in doc.text  # glued digits are left for extractors.glued
    assert doc.title == "平潭综合实验区2021年度政府信息公开工作年度报告"


def test_rows_ragged_empty_cells_and_continuations():
    text = ("标题行\n\n\tA\n\tB\n\n\t\n\t长\n标签\n\t1\n\n\tC\n\t2\n\t3\n\t4\n\n\n正文继续\n")
    blocks = parse_blocks(text)
    assert [type(b) for b in blocks] == [Paragraph, Table, Paragraph]
    assert blocks[1].text_rows() == [["A", "B"], ["", "长\n标签", "1"], ["C", "2", "3", "4"]]
    assert blocks[1].n_cols == 4 and all(c.colspan == 1 for c in blocks[1].cells)


def test_lone_tab_line_is_a_paragraph():
    blocks = parse_blocks("第一段\n\t缩进的一段\n\n第三段")
    assert [b.text for b in blocks] == ["第一段", "缩进的一段", "第三段"]


def test_crlf_and_markers():
    blocks = parse_blocks("[bookmark: _GoBack]一、总体情况\r\n\r\n\tX\r\n\tY\r\n")
    assert blocks[0].text == "一、总体情况"
    assert blocks[1].text_rows() == [["X", "Y"]]


def test_decoding_order():
    s = "政府信息公开工作年度报告"
    assert decode(s.encode("utf-8")) == (s, "utf-8")
    assert decode(b"\xef\xbb\xbf" + s.encode("utf-8")) == (s, "utf-8")
    assert decode(s.encode("gb18030")) == (s, "gb18030")
    assert decode("\ufeff".encode("utf-16-le") + s.encode("utf-16-le"))[0] == s
    doc = READER.read(s.encode("gbk"), "x.txt")
    assert doc.paragraphs[0].text == s and doc.meta["encoding"] == "gb18030"


def test_sniff_only_extensionless_text():
    text = "年度报告\n".encode("utf-8")
    assert not READER.sniff(text, "report.txt")  # extension fallback handles it
    assert not READER.sniff(text, "page.html")
    assert READER.sniff(text, "corpus/000_86514a3b0928ab2f")
    assert READER.sniff(text, "some.dir/page")
    assert not READER.sniff(b"\x00\x01\x02binary", "blob")
    assert not READER.sniff(b"", "empty")


def test_errors():
    with pytest.raises(ReadError):
        READER.read(b"", "empty.txt")
    with pytest.raises(ReadError):
        READER.read(b"abc\x00def", "nul.txt")
