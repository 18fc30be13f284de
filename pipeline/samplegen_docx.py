"""DOCX and PDF rendering of synthetic reports (see ``pipeline.samplegen``).

The DOCX tables carry REAL Word merges (``gridSpan`` / ``vMerge``), built with python-docx's
``cell.merge``, the way Word writes the official template: corner cell 3x3, 申请人情况 across 7,
三、本年度办理结果 down 22 (20 in 2019), the group cells （三）（四）（五）（六）, table 四's two
header levels. The PDF is LibreOffice's rendering of that DOCX, i.e. a "Word-made PDF".
"""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from extractors.errors import MissingTool, ReadError
from pipeline.samplegen_render import LayoutCell, grid_positions, narrative

SOFFICE_TIMEOUT_S = 180
INSTALL_HINT = ("LibreOffice is needed to render the sample PDF: `apt-get install -y "
                "libreoffice-writer-nogui fonts-noto-cjk` (Debian/Ubuntu).")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TEXT_WIDTH_CM = 16.4
# Column widths as the official template sets them: wide label columns, narrow value columns
# (keyed by grid width: table 二 has 4 columns, table 三 10, table 四 15).
_COLUMN_WIDTHS_CM = {4: [4.4, 4.0, 4.0, 4.0], 10: [1.4, 1.9, 5.0] + [1.15] * 7}


def _set_east_asian_font(style, name: str) -> None:
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def _add_table(doc, rows: list[list[LayoutCell]]):
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from docx.shared import Cm

    placed, n_rows, n_cols = grid_positions(rows)
    table = doc.add_table(rows=n_rows, cols=n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _COLUMN_WIDTHS_CM.get(n_cols) or [TEXT_WIDTH_CM / n_cols] * n_cols
    # python-docx's table.cell(r, c) rebuilds the whole grid on every call (quadratic); take the
    # grid once. Merges touch disjoint regions, so these wrappers stay valid while we merge.
    grid = table._cells
    for i, w in enumerate(widths):  # gridCol (LibreOffice) and every tcW (Word) must agree
        table.columns[i].width = Cm(w)
        for r in range(n_rows):
            grid[r * n_cols + i].width = Cm(w)
    size = Pt(8 if n_cols > 10 else 9)
    for r, c, cell in placed:
        target = grid[r * n_cols + c]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(grid[(r + cell.rowspan - 1) * n_cols + c + cell.colspan - 1])
        target.text = cell.text
        for para in target.paragraphs:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in para.runs:
                run.font.size = size
                run.font.bold = cell.header
    return table


def _deterministic_zip(data: bytes) -> bytes:
    """python-docx stamps every zip member with the current time; fix it so output is stable."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(spec: dict) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.5)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        _set_east_asian_font(doc.styles[name], "宋体")
        doc.styles[name].font.color.rgb = RGBColor(0, 0, 0)

    for kind, payload in narrative(spec):
        if kind == "table":
            _add_table(doc, payload)
            doc.add_paragraph()  # Word needs a paragraph between consecutive tables
        elif kind == "title":
            p = doc.add_paragraph(str(payload), style="Title")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            doc.add_paragraph(str(payload), style="Heading 1")
        elif kind == "subheading":
            doc.add_paragraph(str(payload), style="Heading 2")
        elif kind == "sign":
            doc.add_paragraph(str(payload)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            doc.add_paragraph(str(payload)).paragraph_format.first_line_indent = Pt(24)

    y, m, d = spec["narrative"]["publish_date"]
    when = dt.datetime(y, m, d, 9, 0, 0)
    props = doc.core_properties
    props.title = next(str(p) for k, p in narrative(spec) if k == "title")
    props.author = props.last_modified_by = spec["agency"]
    props.created = props.modified = when
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _deterministic_zip(buf.getvalue())


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def render_pdf(docx_bytes: bytes, timeout: float = SOFFICE_TIMEOUT_S) -> bytes:
    """DOCX -> PDF with LibreOffice headless, in a private profile (parallel runs must not share one)."""
    return render_pdfs([docx_bytes], timeout)[0]


def render_pdfs(docx_files: list[bytes], timeout: float = SOFFICE_TIMEOUT_S) -> list[bytes]:
    """Many DOCX -> PDF in ONE soffice call: start-up (seconds) is paid once, not per report.
    A long batch sometimes ends early with exit 0 and PDFs missing (seen at ~250 of 769 files):
    the missing ones are converted again in one more call before giving up."""
    exe = soffice_path()
    if exe is None:
        raise MissingTool(f"soffice not found. {INSTALL_HINT}", source="samplegen")
    if not docx_files:
        return []
    with tempfile.TemporaryDirectory(prefix="xxgk-samplegen-") as tmp:
        work = Path(tmp)
        sources = []
        for i, data in enumerate(docx_files):
            sources.append(work / f"report-{i:05d}.docx")
            sources[-1].write_bytes(data)
        proc = None
        for attempt in range(2):
            missing = [src for src in sources if not src.with_suffix(".pdf").exists()]
            if not missing:
                break
            proc = _soffice_to_pdf(exe, work, missing, timeout, attempt)
        out = []
        for src in sources:
            pdf = src.with_suffix(".pdf")
            if not pdf.exists():
                err = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:300] if proc else ""
                raise ReadError(f"LibreOffice wrote no PDF for {src.name} (exit {proc.returncode if proc else '?'}): {err}",
                                source="samplegen")
            out.append(pdf.read_bytes())
        return out


def _soffice_to_pdf(exe: str, work: Path, sources: list[Path], timeout: float, attempt: int):
    profile = work / f"lo-profile-{os.getpid()}-{attempt}"
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(work), *map(str, sources)]
    budget = timeout * max(1, len(sources) / 20)
    try:
        return subprocess.run(cmd, capture_output=True, timeout=budget, check=False)
    except subprocess.TimeoutExpired as e:
        raise ReadError(f"LibreOffice did not finish within {budget:.0f} s", source="samplegen") from e
