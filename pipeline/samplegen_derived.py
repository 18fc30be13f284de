"""Derived fixtures: the formats real portals publish, made from the sample generator's reports.

    python -m pipeline.samplegen_derived data/samples

writes, each with its ``*.expected.json`` in the corpus layout:

* ``sample-2022-water-doc.doc``: a generated DOCX converted to Word 97 ``.doc`` by LibreOffice;
* ``sample-2021-scan.pdf``: a generated PDF rasterised (pypdfium2, grayscale JPEG) into an
  image-only PDF, as a scanner would publish it (no text layer: OCR or nothing);
* ``sample-2023-flat.txt``: the report as a crawler's flat page text, cell texts run together
  ("行政规范性文件357347"). Its expected file holds null where no identity can split the digits,
  decided here by an independent brute-force oracle (every cut of every run, filtered by the
  template identities), not by the extractor's solver.
"""
from __future__ import annotations

import io
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from extractors.errors import MissingTool, ReadError
from pipeline.samplegen import expected_json, random_spec
from pipeline.samplegen_docx import render_docx, render_pdf, soffice_path
from pipeline.samplegen_render import LayoutCell, narrative
from schemas import keys as K

SCAN_DPI = 200
SCAN_JPEG_QUALITY = 60
SOFFICE_TIMEOUT_S = 180
MAX_JOINT = 200_000  # joint table-三 combinations the oracle will enumerate


# ---- specs -------------------------------------------------------------------------------------
def derived_specs() -> dict[str, dict]:
    """Fixed seeds: regeneration gives the same values."""
    return {
        "doc": random_spec(random.Random(2021_11), "2021", kind="bureau", year=2022,
                           agency="云川市水务局", file="sample-2022-water-doc.doc"),
        "scan": random_spec(random.Random(2021_12), "2021", kind="county", year=2021,
                            agency="云川市白石县人民政府", file="sample-2021-scan.pdf"),
        "flat": _with_unsplittable_row(random_spec(random.Random(2021_13), "2021", kind="district", year=2023,
                                                   agency="云川市青禾区人民政府", file="sample-2023-flat.txt")),
    }


def _with_unsplittable_row(spec: dict) -> dict:
    """规章 12/3/45 flattens to "12345": six cuts, no identity in table 二 and no narrative figure
    to choose one, so those cells must stay null (as pingtan-2021-flat's 行政规范性文件 row)."""
    spec["active_disclosure"]["regulations"] = {"issued": 12, "repealed": 3, "in_force": 45}
    return spec


# ---- DOCX -> DOC ---------------------------------------------------------------------------------
def docx_to_doc(docx_bytes: bytes, timeout: float = SOFFICE_TIMEOUT_S) -> bytes:
    """LibreOffice headless, private profile (a shared profile makes parallel runs fail silently)."""
    exe = soffice_path()
    if exe is None:
        raise MissingTool("LibreOffice (soffice) is needed to write the .doc fixture: "
                          "apt-get install -y libreoffice-writer-nogui", source="samplegen_derived")
    with tempfile.TemporaryDirectory(prefix="xxgk-derived-") as tmp:
        work = Path(tmp)
        src = work / "report.docx"
        src.write_bytes(docx_bytes)
        cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "doc:MS Word 97", "--outdir", str(work / "out"), str(src)]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False,
                              env=dict(os.environ, HOME=tmp))
        out = work / "out" / "report.doc"
        if not out.exists():
            raise ReadError(f"LibreOffice wrote no .doc (exit {proc.returncode}): "
                            f"{(proc.stderr or b'').decode('utf-8', 'replace')[:300]}", source="samplegen_derived")
        return out.read_bytes()


# ---- PDF -> image-only PDF -------------------------------------------------------------------------
def rasterise_pdf(pdf_bytes: bytes, dpi: int = SCAN_DPI, quality: int = SCAN_JPEG_QUALITY) -> bytes:
    """Every page rendered to a grayscale image; the images saved as a PDF with no text layer."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=images[1:], quality=quality)
    return buf.getvalue()


# ---- flat text with glued digits -----------------------------------------------------------------
def _table_text(rows: list[list[LayoutCell]]) -> str:
    return "".join(c.text.replace("\n", "") for row in rows for c in row)


def flat_text(spec: dict) -> str:
    """The report as a crawler saves a page's text: one run, table cells with no separator."""
    parts = []
    for kind, payload in narrative(spec):
        parts.append(_table_text(payload) if kind == "table" else str(payload))
    title = next((str(p) for k, p in narrative(spec) if k == "title"), "")
    head = f"标题: {title}\n==================== 正文 ====================\n"
    return head + "".join(parts) + "\n"


def cuts(run: str, k: int, money_last: bool = False) -> list[tuple[float, ...]]:
    """Every way to read ``run`` as k printed numbers (no leading zeros; money may have decimals)."""
    out: list[tuple[float, ...]] = []

    def tokens(s: str, money: bool) -> list[int]:
        ends = []
        for end in range(1, len(s) + 1):
            tok = s[:end]
            if re.fullmatch(r"0|[1-9]\d*", tok) or (money and re.fullmatch(r"(0|[1-9]\d*)\.\d+", tok)):
                ends.append(end)
        return ends

    def walk(s: str, left: int, acc: tuple) -> None:
        if left == 0:
            if not s:
                out.append(acc)
            return
        for end in tokens(s, money_last and left == 1):
            if left == 1 and end != len(s):
                continue
            walk(s[end:], left - 1, acc + (float(s[:end]),))

    walk(run, k, ())
    return out


def _printed(values: list) -> str:
    from pipeline.samplegen_render import cell_text

    return "".join(cell_text(v) for v in values)


def _stated(text: str, words: str) -> set[int]:
    """Figures the narrative states for one table-二 cell ("制发…规范性文件35件" -> {35})."""
    return {int(n) for n in re.findall(rf"(?:{words})[^，。；\d]{{0,14}}?(\d+)件", text)}


def oracle_expected(spec: dict, text: str) -> dict:
    """Expected cells of the flat text: a cell keeps its value only where the identities (or, for
    table 二, a figure the narrative states) leave exactly one reading of its row's digits."""
    out = {k: spec[k] for k in ("file", "agency", "year", "template")}
    # table 二: no identity; a run is read only when it has one cut, or one cut the narrative confirms
    active: dict[str, dict] = {}
    stated_words = {("normative_documents", "issued"): "制发.{0,6}规范性文件|规范性文件.{0,4}制发",
                    ("normative_documents", "repealed"): "废止", ("normative_documents", "in_force"): "现行有效",
                    ("regulations", "issued"): "制发.{0,4}规章", ("regulations", "repealed"): "废止.{0,4}规章",
                    ("regulations", "in_force"): "现行有效.{0,4}规章"}
    for item, cols in spec["active_disclosure"].items():
        vals = list(cols.values())
        cands = cuts(_printed(vals), len(vals), money_last=item == "fees")
        if len(cands) > 1:
            stated = {i: _stated(text, stated_words[(item, m)]) for i, m in enumerate(cols)
                      if (item, m) in stated_words}
            stated = {i: figures for i, figures in stated.items() if figures}
            confirmed = [c for c in cands if stated and all(c[i] in f for i, f in stated.items())]
            cands = confirmed if len(confirmed) == 1 else cands
        active[item] = {m: (vals[i] if len(cands) == 1 else None) for i, m in enumerate(cols)}
    out["applications"] = _oracle_applications(spec)
    out["reviews_litigation"] = _oracle_reviews(spec)
    out["active_disclosure"] = active
    out["report_inconsistencies"] = spec["report_inconsistencies"]
    return out


def _oracle_applications(spec: dict) -> dict:
    apps = spec["applications"]
    cols = [a.key for a in K.APPLICANTS]
    per_row = {}
    for row, cells in apps.items():
        vals = [cells[c] for c in cols]
        per_row[row] = [c for c in cuts(_printed(vals), len(cols)) if sum(c[:-1]) == c[-1]]  # R5
    rows = list(apps)
    leaves = [r for r in K.result_rows(spec["template"]) if r in apps]
    open_rows = [r for r in rows if len(per_row[r]) > 1]
    n = 1
    for r in open_rows:
        n *= len(per_row[r])
    if n > MAX_JOINT:
        raise ValueError(f"oracle: {n} joint readings of table 三; pick another seed")
    fixed = {r: per_row[r][0] for r in rows if len(per_row[r]) == 1}
    survivors = []
    for combo in itertools.product(*(per_row[r] for r in open_rows)):
        table = dict(fixed, **dict(zip(open_rows, combo)))
        ok = all(table["received_new"][i] + table["carried_over"][i]
                 == table["handled_total"][i] + table["carried_forward"][i]  # R1
                 and table["handled_total"][i] == sum(table[r][i] for r in leaves)  # R4
                 for i in range(len(cols)))
        if ok:
            survivors.append(table)
    out = {}
    for row in rows:
        readings = {s[row] for s in survivors}
        out[row] = {c: (apps[row][c] if len(readings) == 1 else None) for c in cols}
    return out


def _oracle_reviews(spec: dict) -> dict:
    rev = spec["reviews_litigation"]
    procs = [p.key for p in K.PROCEEDINGS]
    outs = [o.key for o in K.OUTCOMES]
    vals = [rev[p][o] for p in procs for o in outs]
    readings = [c for c in cuts(_printed(vals), len(vals))
                if all(sum(c[b * 5:b * 5 + 4]) == c[b * 5 + 4] for b in range(3))]  # R6
    return {p: {o: (rev[p][o] if len(readings) == 1 else None) for o in outs} for p in procs}


def _dump(d: dict) -> str:
    spec_like = dict(d)
    return expected_json({**spec_like, "report_inconsistencies": d.get("report_inconsistencies", [])})


# ---- writing ---------------------------------------------------------------------------------------
def write_derived(out_dir: Path, which: tuple[str, ...] = ("doc", "scan", "flat")) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = derived_specs()
    written = []
    for name in which:
        spec = specs[name]
        path = out_dir / spec["file"]
        expected = expected_json(spec)
        if name == "doc":
            path.write_bytes(docx_to_doc(render_docx(spec)))
        elif name == "scan":
            path.write_bytes(rasterise_pdf(render_pdf(render_docx(spec))))
        else:
            text = flat_text(spec)
            path.write_text(text, encoding="utf-8")
            expected = _dump(oracle_expected(spec, text))
        (out_dir / (Path(spec["file"]).stem + ".expected.json")).write_text(expected, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "data/samples")
    which = tuple(args[1:]) or ("doc", "scan", "flat")
    for path in write_derived(out, which):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
