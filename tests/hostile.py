"""Generators of hostile and broken inputs, written by the tests themselves (never downloaded).

Each function writes one file into a folder and returns its path. ``write_all`` writes the set
and returns {name: expected failure stage}.
"""
from __future__ import annotations

import io
import os
import random
import zipfile
import zlib
from pathlib import Path

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
         '</Relationships>')
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(document_xml: str | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", document_xml)
        for k, v in (extra or {}).items():
            z.writestr(k, v)
    return buf.getvalue()


def _pdf_writer(pages: int = 1):
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    return w


def _pdf_bytes(writer) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def docx_xxe() -> bytes:
    secret = Path(__file__).resolve()  # a local file the entity tries to pull in
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>'
           f'<w:document {_W}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')
    return _docx(xml)


def docx_billion_laughs() -> bytes:
    ents = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [{ents}]>'
           f'<w:document {_W}><w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>')
    return _docx(xml)


def docx_zip_bomb(uncompressed_mb: int = 1200) -> bytes:
    """A DOCX whose document.xml inflates to more than a gigabyte (about 1 MB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b" " * (1024 * 1024)
            for _ in range(uncompressed_mb):
                f.write(chunk)
    return buf.getvalue()


def pdf_encrypted(user_password: str) -> bytes:
    w = _pdf_writer()
    w.encrypt(user_password=user_password, owner_password="owner-secret")
    return _pdf_bytes(w)


def pdf_many_pages(n: int = 3000) -> bytes:
    return _pdf_bytes(_pdf_writer(n))


def pdf_truncated() -> bytes:
    data = _pdf_bytes(_pdf_writer(3))
    return data[: len(data) // 2]


def pdf_decompression_bomb(uncompressed_mb: int = 1500) -> bytes:
    """One page whose content stream inflates to ~1.5 GB of zeros."""
    from pypdf.generic import DecodedStreamObject, NameObject, StreamObject

    w = _pdf_writer(1)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(b"\0" * (1024 * 1024)) for _ in range(uncompressed_mb)) + comp.flush()
    stream = StreamObject()
    stream._data = body  # already compressed: pypdf must not compress it again
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page = w.pages[0]
    page[NameObject("/Contents")] = w._add_object(stream)
    del DecodedStreamObject  # imported to make sure the pypdf API is the one we expect
    return _pdf_bytes(w)


def html_entity_bomb() -> bytes:
    ents = '<!ENTITY a0 "政府信息公开">' + "".join(
        f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return (f'<!DOCTYPE html [{ents}]><html><body><p>&a9;</p></body></html>').encode()


def html_lying_encoding() -> bytes:
    """Declares UTF-8 but is GBK: must decode (as GBK) or fail cleanly, never crash."""
    text = '<html><head><meta charset="utf-8"></head><body><p>平潭综合实验区2021年政府信息公开工作年度报告</p></body></html>'
    return text.encode("gbk")


NON_REPORTS = {
    "policy-notice.html": "<html><body><h1>关于印发《某市优化营商环境若干措施》的通知</h1>"
                          "<p>各区人民政府，市政府各部门：现将《某市优化营商环境若干措施》印发给你们，请认真贯彻执行。</p></body></html>",
    "budget-table.html": "<html><body><h1>2024年部门预算收支总表</h1><table><tr><td>项目</td><td>预算数（万元）</td></tr>"
                         "<tr><td>一般公共预算拨款收入</td><td>1234.56</td></tr><tr><td>支出合计</td><td>1234.56</td></tr></table></body></html>",
    "rule-of-law-report.html": "<html><body><h1>某区2023年法治政府建设年度报告</h1><p>一、主要举措和成效</p>"
                               "<p>2023年，我区深入推进依法行政，全年办理行政复议案件12件。</p><p>二、存在的不足</p></body></html>",
}


def write_all(folder: Path, *, heavy: bool = True) -> dict[str, str]:
    """Write the hostile set; returns {file name: expected failures.stage}."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    files: dict[str, tuple[bytes, str]] = {
        "empty.pdf": (b"", "read"),
        "zero.docx": (b"", "read"),
        "random.pdf": (bytes(rng.getrandbits(8) for _ in range(4096)), "read"),
        "random.docx": (bytes(rng.getrandbits(8) for _ in range(4096)), "read"),
        "random.html": (os.urandom(0) + bytes(rng.getrandbits(8) for _ in range(4096)), "read"),
        "truncated.pdf": (pdf_truncated(), "read"),
        "encrypted-user.pdf": (pdf_encrypted("secret"), "read"),
        "encrypted-owner-only.pdf": (pdf_encrypted(""), "read"),  # opens, but has no text: read/classify
        "xxe.docx": (docx_xxe(), "classify"),
        "billion-laughs.docx": (docx_billion_laughs(), "classify"),
        "entity-bomb.html": (html_entity_bomb(), "classify"),
        "lying-encoding.html": (html_lying_encoding(), "classify"),
    }
    for name, html in NON_REPORTS.items():
        files[name] = (html.encode("utf-8"), "classify")
    if heavy:
        files["zip-bomb.docx"] = (docx_zip_bomb(), "read")
        files["many-pages.pdf"] = (pdf_many_pages(), "read")
        files["pdf-bomb.pdf"] = (pdf_decompression_bomb(), "read")
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: stage for name, (_, stage) in files.items()}
