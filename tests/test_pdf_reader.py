"""PDF reader: corpus PDFs (skipped when ../shared is absent) and small PDFs written here by hand.

The hand-written PDFs need no PDF library: a tiny writer below emits pages with ruling lines,
CJK text (non-embedded STSong-Light, UniGB-UCS2-H) and optional RC4 encryption.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from extractors import pdf as pdf_mod
from extractors.base import pick_reader, read_document
from extractors.document import Table
from extractors.errors import ReadError, ResourceLimit
from extractors.pdf import READER

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL = SHARED / "corpus" / "real"
PAGE_W, PAGE_H = 595, 842


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- a tiny PDF writer

PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


class Page:
    """Drawing in top-down coordinates (like pdfplumber's top), converted to PDF's bottom-up."""

    def __init__(self) -> None:
        self.ops: list[str] = []

    def text(self, x: float, top: float, s: str, size: float = 12) -> "Page":
        hexs = s.encode("utf-16-be").hex().upper()
        base = PAGE_H - top - size * 0.88
        self.ops.append(f"BT /F1 {size} Tf {x:.2f} {base:.2f} Td <{hexs}> Tj ET")
        return self

    def hline(self, x0: float, x1: float, top: float) -> "Page":
        y = PAGE_H - top
        self.ops.append(f"0.5 w {x0:.2f} {y:.2f} m {x1:.2f} {y:.2f} l S")
        return self

    def vline(self, x: float, top: float, bottom: float) -> "Page":
        self.ops.append(f"0.5 w {x:.2f} {PAGE_H - top:.2f} m {x:.2f} {PAGE_H - bottom:.2f} l S")
        return self

    def white_box(self, x0: float, top: float, x1: float, bottom: float) -> "Page":
        """An invisible background rectangle (what WPS exports put behind every line)."""
        self.ops.append(f"1 1 1 rg {x0:.2f} {PAGE_H - bottom:.2f} {x1 - x0:.2f} {bottom - top:.2f} re f 0 0 0 rg")
        return self

    def stream(self) -> bytes:
        return "\n".join(self.ops).encode("latin-1")


def make_pdf(pages: list[Page], user_pw: str | None = None, owner_pw: str | None = None) -> bytes:
    objs: dict[int, bytes] = {}
    n_pages = len(pages)
    page_ids = [5 + 2 * i for i in range(n_pages)]
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objs[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode()
    objs[3] = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
               b"/DescendantFonts [4 0 R] >>")
    file_id = hashlib.md5(b"xxgk-test").digest()
    key = None
    encrypt = b""
    if user_pw is not None or owner_pw is not None:
        upw = (user_pw or "").encode()[:32]
        opw = (owner_pw or user_pw or "").encode()[:32]
        padded_u = (upw + PAD)[:32]
        o_value = rc4(hashlib.md5((opw + PAD)[:32]).digest()[:5], padded_u)
        perms = -4
        key = hashlib.md5(padded_u + o_value + perms.to_bytes(4, "little", signed=True) + file_id).digest()[:5]
        u_value = rc4(key, PAD)
        objs[99] = (f"<< /Filter /Standard /V 1 /R 2 /O <{o_value.hex()}> /U <{u_value.hex()}> "
                    f"/P {perms} >>").encode()
        encrypt = b" /Encrypt 99 0 R"
    def string(obj_num: int, value: bytes) -> str:  # strings are encrypted too, per object
        if key is not None:
            obj_key = hashlib.md5(key + obj_num.to_bytes(3, "little") + b"\0\0").digest()[:10]
            value = rc4(obj_key, value)
        return f"<{value.hex()}>"

    objs[4] = (f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
               f"<< /Registry {string(4, b'Adobe')} /Ordering {string(4, b'GB1')} /Supplement 2 >> "
               f"/DW 1000 >>").encode()
    for pid, page in zip(page_ids, pages):
        content = page.stream()
        if key is not None:
            obj_key = hashlib.md5(key + (pid + 1).to_bytes(3, "little") + b"\0\0").digest()[:10]
            content = rc4(obj_key, content)
        objs[pid] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                     f"/Resources << /Font << /F1 3 0 R >> >> /Contents {pid + 1} 0 R >>").encode()
        objs[pid + 1] = f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objs[num] + b"\nendobj\n"
    size = max(objs) + 1
    xref = len(out)
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for num in range(1, size):
        out += (f"{offsets[num]:010d} 00000 n \n" if num in offsets else "0000000000 65535 f \n").encode()
    out += (f"trailer\n<< /Size {size} /Root 1 0 R /ID [<{file_id.hex()}> <{file_id.hex()}>]".encode()
            + encrypt + f" >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return bytes(out)


def text_page(lines: list[str], top: float = 100) -> Page:
    p = Page()
    for i, s in enumerate(lines):
        p.text(72, top + 20 * i, s)
    return p


# ---------------------------------------------------------------- errors

def test_sniff_and_registry() -> None:
    data = make_pdf([text_page(["年度报告"])])
    assert READER.sniff(data, "x.bin")
    assert READER.sniff(b"\xef\xbb\xbf  %PDF-1.7", "x.pdf")  # junk before the header is tolerated
    assert not READER.sniff(os.urandom(64).replace(b"%", b"x"), "x.pdf")
    assert not READER.sniff(b"<html><body>Save as %PDF-1.7 file</body></html>", "x.html")
    assert pick_reader(data, "report.bin") is READER


def test_truncated_pdf_is_a_read_error() -> None:
    data = make_pdf([text_page(["政府信息公开工作年度报告", "一、总体情况"])])
    with pytest.raises(ReadError) as err:
        READER.read(data[: len(data) // 3], "cut.pdf")
    assert "cannot parse PDF" in str(err.value)


def test_random_bytes_named_pdf_is_a_read_error() -> None:
    junk = bytes(range(256)) * 8
    with pytest.raises(ReadError):
        read_document(junk, "random.pdf")


def test_user_password_is_reported_as_encrypted() -> None:
    data = make_pdf([text_page(["加密的年度报告"])], user_pw="secret")
    with pytest.raises(ReadError) as err:
        READER.read(data, "locked.pdf")
    assert err.value.message == "encrypted PDF (password required)"


def test_owner_password_only_opens() -> None:
    data = make_pdf([text_page(["二〇二四年度报告正文"])], owner_pw="owner")
    assert b"/Encrypt" in data
    doc = READER.read(data, "owner.pdf")
    assert "二〇二四年度报告正文" in doc.text


def test_decompression_bomb_is_a_resource_limit(monkeypatch) -> None:
    import zlib

    monkeypatch.setattr(pdf_mod, "MAX_STREAM_BYTES", 1_000_000)
    data = make_pdf([text_page(["正文"])])
    content = b"% padding\n" * 200_000 + text_page(["正文"]).stream()  # 2 MB, mostly comments
    packed = zlib.compress(content, 9)
    start = data.index(b"6 0 obj")
    end = data.index(b"endobj", start) + len(b"endobj")
    bomb = (b"6 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
            + b"\nendstream\nendobj")
    data = data[:start] + bomb + data[end:]  # xref offsets now stale: pdfminer rebuilds them
    with pytest.raises(ResourceLimit):
        READER.read(data, "bomb.pdf")
    monkeypatch.setattr(pdf_mod, "MAX_STREAM_BYTES", 10_000_000)
    assert "正文" in READER.read(data, "bomb.pdf").text  # under the cap it reads


def test_no_text_layer_needs_ocr() -> None:
    scan = Page().hline(50, 500, 100)  # a page with drawing but no characters
    with pytest.raises(ReadError) as err:
        READER.read(make_pdf([scan, Page()]), "scan.pdf")
    assert "OCR" in err.value.message


def test_pages_without_text_are_listed() -> None:
    doc = READER.read(make_pdf([text_page(["第一页文字"]), Page(), text_page(["第三页文字"])]), "m.pdf")
    assert doc.meta["pages_without_text"] == [2]
    assert doc.n_pages == 3


def test_page_cap(monkeypatch) -> None:
    monkeypatch.setattr(pdf_mod, "MAX_PAGES", 1)
    with pytest.raises(ResourceLimit):
        READER.read(make_pdf([text_page(["一"]), text_page(["二"])]), "long.pdf")


# ---------------------------------------------------------------- paragraphs

def test_paragraphs_merge_wrapped_lines_and_skip_page_numbers() -> None:
    p1 = Page()
    p1.text(150, 60, "某某局2024年政府信息公开工作年度报告", size=20)
    body = ["　　本报告依据条例编制，统计期限自2024年1月1", "日至2024年12月31日，全年共受理申请三十件，均已", "按期答复。",
            "一、总体情况", "　　（一）主动公开情况。本年主动公开信息一百条，比上"]
    for i, s in enumerate(body):
        x = 72 if not s.startswith("　") else 72
        p1.white_box(70, 118 + 24 * i, 520, 140 + 24 * i)  # invisible: must not become a table
        p1.text(x, 120 + 24 * i, s)
    p1.text(280, 800, "- 1 -", size=10)
    p2 = Page().text(72, 80, "年增长百分之十。").text(280, 800, "- 2 -", size=10)
    doc = READER.read(make_pdf([p1, p2]), "t.pdf")
    texts = [squash(p.text) for p in doc.paragraphs]
    assert doc.tables == []
    assert doc.title and "年度报告" in doc.title
    assert "本报告依据条例编制，统计期限自2024年1月1日至2024年12月31日，全年共受理申请三十件，均已按期答复。" in texts
    assert "一、总体情况" in texts
    assert "（一）主动公开情况。本年主动公开信息一百条，比上年增长百分之十。" in texts
    assert not any(re.fullmatch(r"-\d-", t) for t in texts)
    assert [f["text"] for f in doc.meta["furniture"]] == ["- 1 -", "- 2 -"]
    heading = next(p for p in doc.paragraphs if squash(p.text) == "一、总体情况")
    assert heading.style == "heading"


# ---------------------------------------------------------------- a table over three pages

X = [60, 120, 260, 330, 400]  # group label | item label | 甲 | 乙


def rule(page: Page, hlines: list[tuple[float, int]], vtop: float, vbottom: float,
         split_from: float, split_to: float | None = None, dx: float = 0) -> None:
    """Table ruling: hlines are (top, first column the rule starts at); the outer and value
    column rules run from vtop to vbottom; the rule between the two label columns only from
    split_from to split_to (above and below it, a label spans both columns)."""
    for y, col in hlines:
        page.hline(X[col] + dx, X[-1] + dx, y)
    for x in (X[0], X[2], X[3], X[4]):
        page.vline(x + dx, vtop, vbottom)
    page.vline(X[1] + dx, split_from, vbottom if split_to is None else split_to)


def cells(page: Page, top: float, texts: list[str], dx: float = 0) -> None:
    for col, s in enumerate(texts):
        if s:
            page.text(X[col] + 3 + dx, top + 5, s, size=10)


def three_page_table() -> bytes:
    p1 = Page().text(150, 60, "测试2024年政府信息公开工作年度报告", size=20)
    p1.text(72, 600, "三、收到和处理政府信息公开申请情况")
    # header | （一）予以公开 | （四）无 + 1.不掌握, cut by the page bottom (no closing rule)
    rule(p1, [(640, 0), (670, 0), (700, 0)], 640, 760, split_from=700)
    cells(p1, 640, ["项目", "", "甲", "乙"])
    cells(p1, 670, ["（一）予以公开", "", "1", "2"])
    cells(p1, 700, ["（四）无", "1.不掌握", "3", "4"])
    p1.text(280, 800, "- 1 -", size=10)

    # repeated header | 法提供 + 2.没有现成 | （五）不予处理 over two rows, the second cut
    p2 = Page()
    rule(p2, [(60, 0), (90, 0), (120, 0), (150, 1)], 60, 790, split_from=90)
    cells(p2, 60, ["项目", "", "甲", "乙"])
    cells(p2, 90, ["法提供", "2.没有现成", "5", "6"])
    cells(p2, 120, ["（五）不予", "1.信访", "7", "8"])
    p2.text(X[0] + 3, 140, "处理", size=10)
    cells(p2, 150, ["", "", "9", "10"])  # values printed ABOVE their label line
    p2.text(X[1] + 3, 770, "5.要求重新出", size=10)  # a tall row running to the page bottom
    p2.text(280, 805, "- 2 -", size=10)

    # rest of the cut row (no values of its own) | （七）总计 over both label columns
    p3 = Page()
    rule(p3, [(90, 0), (120, 0)], 60, 120, split_from=60, split_to=90)
    cells(p3, 60, ["", "具已获取信息", "", ""])
    cells(p3, 90, ["（七）总计", "", "25", "30"])
    p3.text(72, 150, "四、行政复议情况")
    p3.text(280, 800, "- 3 -", size=10)
    return make_pdf([p1, p2, p3])


def test_table_joined_over_two_page_breaks() -> None:
    doc = READER.read(three_page_table(), "t3.pdf")
    assert len(doc.tables) == 1, [t.text_rows() for t in doc.tables]
    table = doc.tables[0]
    assert table.pages == (1, 2, 3)
    rows = [[squash(c.text) for c in row] for row in table.rows()]
    # repeated header dropped
    assert sum(1 for r in rows if r and r[0] == "项目") == 1
    # label cut mid-word rejoined, spanning both of its rows
    four = next(c for c in table.cells if squash(c.text) == "（四）无法提供")
    assert four.rowspan == 2 and four.page == 1
    # a row cut by the page break is one row with its values
    cut = next(r for r in rows if r and "5.要求重新出具已获取信息" in r)
    assert cut[-2:] == ["9", "10"]
    # the tall group label keeps covering its rows across the break
    five = next(c for c in table.cells if squash(c.text) == "（五）不予处理")
    assert five.rowspan == 2
    assert rows[-1][-3:] == ["（七）总计", "25", "30"] or rows[-1][-2:] == ["25", "30"]
    # every value row has its two values, in order
    values = [[t for t in r if t.isdigit()] for r in rows]
    assert [v for v in values if v] == [["1", "2"], ["3", "4"], ["5", "6"], ["7", "8"], ["9", "10"], ["25", "30"]]
    assert {c.page for c in table.cells} == {1, 2, 3}
    # narrative around the table, in reading order
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds.index("Table") > 0 and kinds[-1] == "Paragraph"


def test_continuation_shifted_by_a_few_points_keeps_its_columns() -> None:
    p1 = Page()
    rule(p1, [(600, 0), (630, 0)], 600, 760, split_from=600)
    cells(p1, 600, ["甲项", "乙项", "1", "2"])
    cells(p1, 630, ["戊项", "己项", "5", "6"])
    p2 = Page()
    rule(p2, [(90, 0), (120, 0)], 60, 120, split_from=60, dx=4.5)
    cells(p2, 60, ["丙项", "丁项", "3", "4"], dx=4.5)
    cells(p2, 90, ["庚项", "辛项", "7", "8"], dx=4.5)
    doc = READER.read(make_pdf([p1, p2]), "shift.pdf")
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.n_cols == 4 and all(c.colspan == 1 for c in table.cells)
    assert [squash(c.text) for c in table.cells if c.col == 3] == ["2", "6", "4", "8"]


def test_table_ending_mid_page_is_not_continued() -> None:
    p1 = Page()
    rule(p1, [(300, 0), (330, 0), (360, 0)], 300, 360, split_from=300)
    cells(p1, 300, ["甲项", "乙项", "1", "2"])
    cells(p1, 330, ["戊项", "己项", "5", "6"])
    p2 = Page()
    rule(p2, [(60, 0), (90, 0), (120, 0)], 60, 120, split_from=60)
    cells(p2, 60, ["丙项", "丁项", "3", "4"])
    cells(p2, 90, ["庚项", "辛项", "7", "8"])
    doc = READER.read(make_pdf([p1, p2]), "two.pdf")
    assert [t.pages for t in doc.tables] == [(1,), (2,)]


def test_paragraph_between_tables_prevents_joining() -> None:
    p1 = Page()
    rule(p1, [(600, 0), (630, 0)], 600, 760, split_from=600)
    cells(p1, 600, ["甲项", "乙项", "1", "2"])
    cells(p1, 630, ["戊项", "己项", "5", "6"])
    p1.text(72, 780, "表后的说明文字。")
    p2 = Page()
    rule(p2, [(60, 0), (90, 0), (120, 0)], 60, 120, split_from=60)
    cells(p2, 60, ["丙项", "丁项", "3", "4"])
    cells(p2, 90, ["庚项", "辛项", "7", "8"])
    doc = READER.read(make_pdf([p1, p2]), "two.pdf")
    assert len(doc.tables) == 2


def test_fake_bold_double_print_reads_once() -> None:
    p = Page().text(72, 100, "一、总体情况").text(72.4, 100, "一、总体情况").text(72, 130, "正文一行。")
    doc = READER.read(make_pdf([p]), "bold.pdf")
    assert squash(doc.text) == "一、总体情况正文一行。"


def test_running_header_does_not_split_a_table() -> None:
    pages = []
    for n in range(3):
        p = Page().text(200, 30, "某某局2024年度报告（第%d页）" % (n + 1), size=9)
        if n == 0:
            p.text(72, 500, "二、主动公开政府信息情况")
            rule(p, [(600, 0), (630, 0)], 600, 760, split_from=600)
            cells(p, 600, ["甲项", "乙项", "1", "2"])
            cells(p, 630, ["戊项", "己项", "5", "6"])
        elif n == 1:
            rule(p, [(90, 0), (120, 0)], 60, 120, split_from=60)
            cells(p, 60, ["丙项", "丁项", "3", "4"])
            cells(p, 90, ["庚项", "辛项", "7", "8"])
            p.text(X[-1] + 20, 65, "旁注")  # beside the table: ordinary text
        else:
            p.text(72, 100, "三、结束语。")
        pages.append(p)
    doc = READER.read(make_pdf(pages), "heads.pdf")
    assert len(doc.tables) == 1 and doc.tables[0].pages == (1, 2)
    assert len(doc.tables[0].cells) == 16
    assert sum("某某局" in f["text"] for f in doc.meta["furniture"]) == 3
    assert "某某局" not in doc.text and "旁注" in doc.text


def test_pdf_info_title_is_decoded_and_used_as_fallback() -> None:
    from extractors.pdf import _decode_info

    assert _decode_info(b"\xff\xfe" + "政府信息公开".encode("utf-16-le")) == "政府信息公开"
    assert _decode_info(b"\xfe\xff" + "年度报告".encode("utf-16-be")) == "年度报告"
    doc = READER.read(make_pdf([text_page(["正文没有标题。"])]), "x.pdf")
    assert doc.title is None


# ---------------------------------------------------------------- the corpus PDFs

CORPUS = ["hongze-2023.pdf", "hongze-2024.pdf", "huaian-2024.pdf"]
ROW_ORDER = ["received_new", "carried_over", "disclosed", "partially_disclosed",
             "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
             "withheld_third_party", "withheld_internal_affairs", "withheld_process_info",
             "withheld_enforcement_files", "withheld_admin_query", "unavailable_not_held",
             "unavailable_needs_creation", "unavailable_unclear", "rejected_complaint",
             "rejected_duplicate", "rejected_publication", "rejected_mass_repetitive",
             "rejected_confirmation", "other_handling", "other_overdue_correction", "other_overdue_fee",
             "other_reasons", "handled_total", "carried_forward"]
COL_ORDER = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
_cache: dict[str, object] = {}


def corpus_doc(name: str):
    path = REAL / name
    if not path.exists():
        pytest.skip(f"corpus file {path} absent (../shared beside the checkout)")
    if name not in _cache:
        _cache[name] = (READER.read(path.read_bytes(), str(path)),
                        json.loads(path.with_name(name.replace(".pdf", ".expected.json")).read_text("utf-8")))
    return _cache[name]


def find_table(doc, label: str) -> Table:
    hits = [t for t in doc.tables if any(squash(c.text).startswith(label) for c in t.cells)]
    assert len(hits) == 1, f"{label}: {len(hits)} tables"
    return hits[0]


def value_rows(table: Table, n: int) -> list[list[str]]:
    """Rows whose last n cells are numbers (the data rows), as squashed text."""
    out = []
    for row in table.rows():
        texts = [squash(c.text) for c in row]
        if len(texts) >= n and all(re.fullmatch(r"\d+(\.\d+)?", t) for t in texts[-n:]):
            out.append(texts)
    return out


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_table_three_is_one_table_with_every_row(name: str) -> None:
    doc, expected = corpus_doc(name)
    t3 = find_table(doc, "（本列数据的勾稽关系")
    assert len(t3.pages) == 2
    labels = {squash(c.text) for c in t3.cells}
    for want in ("一、本年新收政府信息公开申请数量", "（一）予以公开", "1.本机关不掌握相关政府信息",
                 "（七）总计", "四、结转下年度继续办理", "三、本年度办理结果"):
        assert want in labels, want
    rows = value_rows(t3, 7)
    apps = expected["applications"]
    want_rows = [[apps[k][c] for c in COL_ORDER] for k in ROW_ORDER
                 if k in apps and apps[k] and all(v is not None for v in apps[k].values())]
    got = [[int(v) for v in r[-7:]] for r in rows]
    assert got == want_rows


def test_huaian_label_cut_by_the_page_break_is_rejoined() -> None:
    doc, _ = corpus_doc("huaian-2024.pdf")
    t3 = find_table(doc, "（本列数据的勾稽关系")
    cell = next(c for c in t3.cells if squash(c.text) == "（四）无法提供")
    assert cell.rowspan == 3 and cell.page == 4
    # the three （四） rows are still three rows
    grid = t3.grid()
    covered = [squash(grid[r][2].text) for r in range(cell.row, cell.row + cell.rowspan)]
    assert covered == ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]


@pytest.mark.parametrize("name", ["hongze-2023.pdf", "hongze-2024.pdf"])
def test_hongze_stacked_label_is_one_cell(name: str) -> None:
    doc, _ = corpus_doc(name)
    t3 = find_table(doc, "（本列数据的勾稽关系")
    cell = next(c for c in t3.cells if squash(c.text) == "三、本年度办理结果")
    assert "\n" in cell.text  # one character per printed line
    assert cell.rowspan == 20 and cell.page == 3  # 2019-style single （六） row: 20 result rows


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_tables_two_and_four(name: str) -> None:
    doc, expected = corpus_doc(name)
    assert len(doc.tables) == 3  # no prose boxes taken for tables
    t4 = find_table(doc, "行政复议")
    rows = value_rows(t4, 15)
    assert len(rows) == 1
    rl = expected["reviews_litigation"]
    want = [rl[g][k] for g in ("review", "litigation_direct", "litigation_after_review")
            for k in ("upheld", "corrected", "other", "pending", "total")]
    assert [int(v) for v in rows[0]] == want
    t2 = find_table(doc, "第二十条")
    assert len(t2.pages) == 2
    ad = expected["active_disclosure"]
    nums = [float(squash(c.text)) for c in t2.cells if re.fullmatch(r"\d+(\.\d+)?", squash(c.text))]
    assert nums == [ad["regulations"]["issued"], ad["regulations"]["repealed"], ad["regulations"]["in_force"],
                    ad["normative_documents"]["issued"], ad["normative_documents"]["repealed"],
                    ad["normative_documents"]["in_force"], ad["licensing"]["decisions"],
                    ad["penalty"]["decisions"], ad["coercion"]["decisions"], ad["fees"]["amount_10k_yuan"]]


def test_hongze_2023_review_row() -> None:
    doc, _ = corpus_doc("hongze-2023.pdf")
    rows = value_rows(find_table(doc, "行政复议"), 15)
    assert rows[0][:5] == ["10", "1", "0", "0", "0"]


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_narrative(name: str) -> None:
    doc, expected = corpus_doc(name)
    assert doc.n_pages in (5, 6)
    assert doc.title and "年度报告" in doc.title and expected["agency"] in doc.title
    headings = [squash(p.text) for p in doc.paragraphs if p.style == "heading"]
    for h in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert h in headings
    text = doc.text
    assert "- 1 -" not in text and "本年新收政府信息公开申请数量" not in text  # table text stays in tables
    assert len(doc.meta["furniture"]) == doc.n_pages
    pages = [p.page for p in doc.paragraphs]
    assert pages == sorted(pages) and pages[0] == 1


def test_overprinted_glyphs_are_detected_and_plain_pages_skip_the_dedupe():
    from extractors.pdf import has_overprint

    def ch(t, x, y):
        return {"text": t, "x0": x, "top": y}

    plain = [ch("1", 10.0, 20.0), ch("2", 15.0, 20.0), ch("1", 10.0, 40.0), ch(" ", 10.2, 20.1)]
    assert not has_overprint(plain)
    assert has_overprint(plain + [ch("2", 15.6, 20.4)])  # fake bold: the same glyph 0.6 pt away
    assert has_overprint([ch("7", 0.95, 5.0), ch("7", 1.05, 5.0)])  # across an integer boundary
    assert not has_overprint([ch("7", 10.0, 5.0), ch("7", 12.5, 5.0)])  # "77", not a twin
