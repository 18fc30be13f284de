"""DOCX reader: real merge structure, reading order, numbering, and safety against hostile packages."""
from __future__ import annotations

import io
import random
import time
import zipfile

import pytest

docx = pytest.importorskip("docx")

from extractors import docx as docx_reader  # noqa: E402
from extractors.docx import READER, format_number  # noqa: E402
from extractors.document import Paragraph, Table  # noqa: E402
from extractors.errors import ReadError, ResourceLimit  # noqa: E402
from pipeline.samplegen import random_spec  # noqa: E402
from pipeline.samplegen_docx import render_docx  # noqa: E402


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _replace_member(data: bytes, name: str, new: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, new if info.filename == name else src.read(info.filename))
    return out.getvalue()


@pytest.fixture(scope="module", params=["2021", "2019"])
def generated(request):
    spec = random_spec(random.Random(7), request.param, kind="district")
    data = render_docx(spec)
    return spec, READER.read(data, "generated.docx")


def _by_text(table: Table, text: str):
    return [c for c in table.cells if c.text == text]


def test_merged_cells_are_single_cells_with_spans(generated):
    spec, doc = generated
    assert len(doc.tables) == 3
    t3 = doc.tables[1]
    corner = t3.cells[0]
    assert corner.text.startswith("（本列数据的勾稽关系为") and (corner.rowspan, corner.colspan) == (3, 3)
    (applicants,) = _by_text(t3, "申请人情况")
    assert applicants.colspan == 7
    (natural,) = _by_text(t3, "自然人")
    assert natural.rowspan == 2
    (orgs,) = _by_text(t3, "法人或其他组织")
    assert orgs.colspan == 5
    (results,) = _by_text(t3, "三、本年度办理结果")
    assert results.rowspan == (22 if spec["template"] == "2021" else 20)
    assert [c.rowspan for c in _by_text(t3, "（三）不予公开")] == [8]
    assert [c.rowspan for c in _by_text(t3, "（四）无法提供")] == [3]
    assert [c.rowspan for c in _by_text(t3, "（五）不予处理")] == [5]
    other = _by_text(t3, "（六）其他处理")
    assert [(c.rowspan, c.colspan) for c in other] == ([(3, 1)] if spec["template"] == "2021" else [(1, 2)])
    assert t3.n_cols == 10


def test_no_duplicated_text_and_values_in_place(generated):
    spec, doc = generated
    t3 = doc.tables[1]
    # A merged cell is one Cell: no text appears twice in the header, the label area is not repeated.
    all_cells = [c for t in doc.tables for c in t.cells]
    assert sum(c.text == "三、本年度办理结果" for c in all_cells) == 1
    positions = [(c.row, c.col) for c in t3.cells]
    assert len(positions) == len(set(positions))
    grid = t3.grid()
    assert all(cell is not None for row in grid for cell in row)  # spans tile the grid exactly
    rows = t3.text_rows()
    new = next(r for r in rows if r[0].startswith("一、本年新收"))
    expected = [str(v) for v in spec["applications"]["received_new"].values()]
    assert new[1:] == expected


def test_review_table_two_header_levels(generated):
    _, doc = generated
    t4 = doc.tables[2]
    assert [c.colspan for c in _by_text(t4, "行政复议")] == [5]
    assert [c.colspan for c in _by_text(t4, "行政诉讼")] == [10]
    assert [c.colspan for c in _by_text(t4, "未经复议直接起诉")] == [5]
    assert sorted(c.rowspan for c in _by_text(t4, "结果维持")) == [1, 1, 2]
    assert len(t4.rows()[-1]) == 15 and t4.n_cols == 15


def test_reading_order_title_and_pages(generated):
    spec, doc = generated
    kinds = ["T" if isinstance(b, Table) else "P" for b in doc.blocks]
    heads = [i for i, b in enumerate(doc.blocks) if isinstance(b, Paragraph) and b.text.startswith(("二、", "三、", "四、"))
             and b.style == "heading"]
    assert [kinds[i + 1] for i in heads] == ["T", "T", "T"]  # each table right after its heading
    assert doc.title and doc.title.startswith(spec["agency"]) and doc.title.endswith("年度报告")
    assert all(getattr(b, "page", None) is None for b in doc.blocks) and doc.n_pages is None
    assert all(c.page is None for t in doc.tables for c in t.cells)


def test_sniff():
    data = render_docx(random_spec(random.Random(1), "2021", kind="street"))
    assert READER.sniff(data, "anything.bin")
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert not READER.sniff(other.getvalue(), "book.docx")
    assert not READER.sniff(b"%PDF-1.7 ...", "x.docx")


def test_bad_zip_is_read_error():
    with pytest.raises(ReadError):
        READER.read(b"PK\x03\x04 this is not really a zip", "broken.docx")
    with pytest.raises(ReadError):
        READER.read(b"", "empty.docx")


def test_size_and_member_caps(monkeypatch):
    data = render_docx(random_spec(random.Random(2), "2021", kind="street"))
    monkeypatch.setattr(docx_reader, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(ResourceLimit):
        READER.read(data, "big.docx")
    monkeypatch.setattr(docx_reader, "MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024)
    monkeypatch.setattr(docx_reader, "MAX_MEMBERS", 3)
    with pytest.raises(ResourceLimit):
        READER.read(data, "many.docx")


def _doc_with_dtd(dtd: str, body_text: str) -> bytes:
    d = docx.Document()
    d.add_paragraph("PLACEHOLDER")
    data = _save(d)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    head, rest = xml.split("?>", 1)
    xml = head + "?>" + dtd + rest.replace("PLACEHOLDER", body_text)
    return _replace_member(data, "word/document.xml", xml.encode("utf-8"))


def test_external_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    dtd = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    data = _doc_with_dtd(dtd, "before &xxe; after")
    try:
        doc = READER.read(data, "xxe.docx")
    except ReadError:
        return  # refusing the file is fine too
    assert "TOP-SECRET-VALUE" not in doc.text


def test_billion_laughs_does_not_expand():
    ents = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    dtd = "<!DOCTYPE w:document [" + "".join(ents) + "]>"
    data = _doc_with_dtd(dtd, "x &lol9; y")
    start = time.monotonic()
    try:
        doc = READER.read(data, "bomb.docx")
    except ReadError:
        return
    assert time.monotonic() - start < 5
    assert len(doc.text) < 1000


def test_nested_and_layout_tables():
    d = docx.Document()
    frame = d.add_table(rows=1, cols=1)  # a 1x1 layout frame around the real content
    inner_cell = frame.cell(0, 0)
    inner_cell.paragraphs[0].text = "框内标题"
    inner = inner_cell.add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(1, 1).text = "甲", "乙"
    outer = d.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "外层"
    nested = outer.cell(1, 1).add_table(rows=1, cols=3)
    nested.cell(0, 2).text = "内层"
    doc = READER.read(_save(d), "nested.docx")
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Table", "Table", "Table"]
    assert doc.blocks[0].text == "框内标题"
    assert doc.blocks[1].text_rows() == [["甲", ""], ["", "乙"]]
    assert doc.blocks[2].cells[0].text == "外层" and doc.blocks[2].n_cols == 2
    assert doc.blocks[3].text_rows() == [["", "", "内层"]]


def test_grid_before_shifts_cells():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for c, text in enumerate("ABC"):
        t.cell(0, c).text = text
    t.cell(1, 1).text, t.cell(1, 2).text = "Y", "Z"
    tr = t.rows[1]._tr
    tr.remove(tr.tc_lst[0])  # the row starts one grid column in, as Word writes it
    tr.insert(0, parse_xml(f'<w:trPr {nsdecls("w")}><w:gridBefore w:val="1"/></w:trPr>'))
    doc = READER.read(_save(d), "gridbefore.docx")
    cells = {(c.row, c.col): c.text for c in doc.tables[0].cells}
    assert cells[(1, 1)] == "Y" and cells[(1, 2)] == "Z" and (1, 0) not in cells


def test_chinese_list_numbering_is_rendered():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for title in ("总体情况", "主动公开政府信息情况"):
        p = d.add_paragraph(title)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'))
    doc = READER.read(_save(d), "numbered.docx")
    assert [p.text for p in doc.paragraphs] == ["一、总体情况", "二、主动公开政府信息情况"]


def test_format_number():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]
    assert format_number(3, "decimal") == "3" and format_number(4, "upperRoman") == "IV"
    assert format_number(2, "decimalEnclosedCircle") == "②" and format_number(1, "bullet") == ""


def test_macro_enabled_and_template_packages_are_read():
    d = docx.Document()
    d.add_paragraph("某局2023年政府信息公开工作年度报告")
    data = _save(d)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        types = z.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    for other in (b"application/vnd.ms-word.document.macroEnabled.main+xml",
                  b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"):
        relabelled = _replace_member(data, "[Content_Types].xml", types.replace(main, other))
        doc = READER.read(relabelled, "report.docm")
        assert doc.title == "某局2023年政府信息公开工作年度报告"
