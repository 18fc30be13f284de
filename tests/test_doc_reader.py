"""DOC/WPS/RTF reader: LibreOffice conversion to DOCX, then the DOCX reader.

Uses the committed fixture data/samples/sample-2022-water-doc.doc (written by
``python -m pipeline.samplegen_derived``) and the DOCX it was converted from (rendered again here).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractors import doc as doc_mod
from extractors.errors import MissingTool, ReadError
from pipeline.process import extract_report
from pipeline.samplegen_derived import derived_specs
from pipeline.samplegen_docx import render_docx

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
DOC = SAMPLES / "sample-2022-water-doc.doc"
needs_soffice = pytest.mark.skipif(doc_mod.soffice_path() is None, reason="LibreOffice (soffice) not installed")


def cells(report) -> dict:
    return {(v.table, v.row, v.col): v.value for v in report.values}


@pytest.fixture(scope="module")
def doc_report():
    return extract_report(DOC.read_bytes(), str(DOC))


@needs_soffice
def test_doc_reads_to_the_same_cells_as_its_docx_source(doc_report) -> None:
    spec = derived_specs()["doc"]
    docx_report = extract_report(render_docx(spec), "source.docx")
    assert not doc_report.meta.get("failures"), doc_report.meta.get("failures")
    assert doc_report.format == "doc"
    got, want = cells(doc_report), cells(docx_report)
    assert len(want) == 200
    assert got == want
    assert (doc_report.agency, doc_report.year, doc_report.template) == (spec["agency"], spec["year"], "2021")


def test_corrupt_doc_is_a_read_error_failure() -> None:
    junk = doc_mod.OLE_MAGIC + os.urandom(3000)
    if doc_mod.soffice_path() is not None:
        with pytest.raises(ReadError) as err:
            doc_mod.READER.read(junk, "broken.doc")
        assert type(err.value) is ReadError
    report = extract_report(junk, "broken.doc")
    assert report.status == "failed"
    (fail,) = report.meta["failures"]
    assert fail["stage"] == "read" and fail["error"] in ("ReadError", "MissingTool")


def test_empty_doc_is_a_read_error() -> None:
    with pytest.raises(ReadError):
        doc_mod.READER.read(b"", "empty.doc")


def test_without_libreoffice_the_failure_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setattr(doc_mod.shutil, "which", lambda name: None)
    assert doc_mod.soffice_path() is None
    report = extract_report(DOC.read_bytes(), str(DOC))
    assert report.status == "failed"
    (fail,) = report.meta["failures"]
    assert fail["error"] == "MissingTool" and fail["stage"] == "read"
    assert "LibreOffice" in fail["message"] and "apt-get install" in fail["message"]
    with pytest.raises(MissingTool):
        doc_mod.READER.read(DOC.read_bytes(), "x.doc")


@needs_soffice
def test_convert_many_converts_a_batch_in_one_call(monkeypatch) -> None:
    calls = []
    real_run = doc_mod.subprocess.run
    monkeypatch.setattr(doc_mod.subprocess, "run", lambda *a, **k: calls.append(a) or real_run(*a, **k))
    data = DOC.read_bytes()
    bad = doc_mod.OLE_MAGIC + os.urandom(2000)
    out = doc_mod.convert_many([(data, "a.doc"), (bad, "bad.doc"), (data, "c.doc")])
    assert len(calls) == 1  # one soffice start for the whole batch
    assert isinstance(out[0], bytes) and out[0][:2] == b"PK" and out[2][:2] == b"PK"
    assert isinstance(out[1], ReadError) and out[1].source == "bad.doc"


@needs_soffice
def test_convert_many_mixed_formats_keep_their_order() -> None:
    rtf = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}} \f0 hello rtf\par}"
    out = doc_mod.convert_many([(rtf, "a.rtf"), (DOC.read_bytes(), "b.doc"), (b"{\\rtf1 broken", "c.doc")])
    assert [type(x).__name__ for x in out][:2] == ["bytes", "bytes"]
    from extractors.docx import READER as DOCX
    assert "hello rtf" in DOCX.read(out[0], "a").text
    assert "云川市水务局" in DOCX.read(out[1], "b").text


@needs_soffice
def test_rtf_reads_through_the_same_path() -> None:
    rtf = "{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} \\f0 Annual report text\\par}".encode()
    document = doc_mod.READER.read(rtf, "x.rtf")
    assert document.format == "rtf" and "Annual report text" in document.text
