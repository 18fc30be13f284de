"""Benchmark of the slow formats: OCR engines on scanned table pages, LibreOffice conversion.

    python -m pipeline.bench_formats [--out data/bench/formats.json] [--docs 8]

OCR: a generated report (known numbers) is rendered to PDF; its table pages are rasterised clean
at 300 dpi and degraded at 200 dpi (blur, noise, JPEG artefacts), then read by RapidOCR (the
engine the project uses) and by Tesseract chi_sim (apt), one thread each (Tesseract gets the
ruling painted out, without which it misses most numbers). A table number is read
right when the OCR text whose centre falls inside its cell equals the printed number; the cells
come from the text PDF, so the measure is the same for both engines. Seconds per page are wall
time of the engine alone (models loaded beforehand).

Conversion: the .doc fixture converted to DOCX N times, in one LibreOffice call (``convert_many``)
and one call per file. Figures are printed and written as JSON; nothing is asserted.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from extractors.pdf_tables import is_value, squash

ROOT = Path(__file__).resolve().parents[1]
DOC_FIXTURE = ROOT / "data" / "samples" / "sample-2022-water-doc.doc"
CONDITIONS = {"clean-300dpi": (300, False), "degraded-200dpi": (200, True)}


# ---- pages with known numbers ------------------------------------------------------------------
def report_pdf() -> bytes:
    from pipeline.samplegen import random_spec
    from pipeline.samplegen_docx import render_docx, render_pdf

    spec = random_spec(random.Random(7), "2021", kind="county", year=2024, agency="云川市白石县人民政府",
                       file="bench.pdf")
    return render_pdf(render_docx(spec))


def table_pages(pdf_bytes: bytes) -> list[tuple[int, list[tuple[tuple[float, float, float, float], str]]]]:
    """(0-based page, [(cell bbox in points, printed number)]) for every page with numeric table cells."""
    import pdfplumber

    from extractors.pdf_tables import find_page_tables, is_visible_ruling

    out = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for i, page in enumerate(pdf.pages):
            cells = []
            for table in find_page_tables(page.filter(is_visible_ruling), i + 1):  # the reader's own finder
                for c in table.cells:
                    text = squash(c.text)
                    if text and is_value(text) and any(ch.isdigit() for ch in text):
                        cells.append(((c.x0, c.top, c.x1, c.bottom), text))
            if cells:
                out.append((i, cells))
    return out


def page_image(pdf_bytes: bytes, index: int, dpi: int, degrade: bool):
    """Grayscale page image; degraded = slight blur, sensor noise and a JPEG round trip at q=35."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    img = pdfium.PdfDocument(pdf_bytes)[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    if degrade:
        img = img.filter(ImageFilter.GaussianBlur(0.8)).rotate(0.4, fillcolor=255, resample=Image.BILINEAR)
        arr = np.asarray(img).astype(np.int16)
        arr = arr + np.random.default_rng(index).normal(0, 14, arr.shape).astype(np.int16)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=35)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return img


# ---- engines: image -> [(x0, y0, x1, y1, text)] in pixels ----------------------------------------
def rapidocr_words(img) -> list[tuple[float, float, float, float, str]]:
    import numpy as np

    from extractors import ocr

    return [(b.x0, b.y0, b.x1, b.y1, b.text) for b in ocr.ocr_boxes(np.asarray(img))]


def tesseract_words(img) -> list[tuple[float, float, float, float, str]]:
    """Tesseract in its best set-up found here: ruling lines painted out first (with them it
    reads ~10% of the numbers, it takes cell borders for glyphs), block mode (--psm 6)."""
    import numpy as np
    from PIL import Image

    from extractors import ocr

    gray = np.asarray(img).copy()
    horiz, vert = ocr._line_masks(gray)
    gray[(horiz > 0) | (vert > 0)] = 255
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        path = Path(tmp) / "page.png"
        Image.fromarray(gray).save(path)
        env = dict(os.environ, OMP_THREAD_LIMIT="1")  # 6x slower without it on a shared machine
        proc = subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim", "--psm", "6", "tsv"],
                              capture_output=True, env=env, check=True, timeout=600)
    words = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        f = line.split("\t")
        if len(f) == 12 and f[11].strip():
            x, y, w, h = map(float, f[6:10])
            words.append((x, y, x + w, y + h, f[11].strip()))
    return words


def tesseract_ready() -> str | None:
    if shutil.which("tesseract") is None:
        return "tesseract not installed (apt-get install -y tesseract-ocr tesseract-ocr-chi-sim)"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    return None if "chi_sim" in langs.split() else "chi_sim missing (apt-get install -y tesseract-ocr-chi-sim)"


def read_right(words, cells, scale: float) -> int:
    right = 0
    for (x0, top, x1, bottom), want in cells:
        inside = sorted((w for w in words if x0 * scale <= (w[0] + w[2]) / 2 <= x1 * scale
                         and top * scale <= (w[1] + w[3]) / 2 <= bottom * scale), key=lambda w: w[0])
        got = squash("".join(w[4] for w in inside)).replace("，", ",")
        right += got == want
    return right


def bench_ocr(pdf_bytes: bytes) -> dict:
    pages = table_pages(pdf_bytes)
    engines = {"rapidocr": rapidocr_words}
    skipped = {}
    why = tesseract_ready()
    if why:
        skipped["tesseract-chi_sim"] = why
    else:
        engines["tesseract-chi_sim"] = tesseract_words
    rapidocr_words(page_image(pdf_bytes, pages[0][0], 72, False))  # load the models outside the timing
    results: dict = {"pages": [p for p, _ in pages], "numbers": sum(len(c) for _, c in pages), "skipped": skipped}
    for name, engine in engines.items():
        for cond, (dpi, degrade) in CONDITIONS.items():
            right = total = 0
            secs = 0.0
            for index, cells in pages:
                img = page_image(pdf_bytes, index, dpi, degrade)
                t0 = time.perf_counter()
                words = engine(img)
                secs += time.perf_counter() - t0
                right += read_right(words, cells, dpi / 72)
                total += len(cells)
            results[f"{name}/{cond}"] = {"numbers_right": right, "numbers": total,
                                         "accuracy_pct": round(100 * right / total, 1),
                                         "s_per_page": round(secs / len(pages), 2)}
    return results


# ---- LibreOffice --------------------------------------------------------------------------------
def bench_conversion(n_docs: int) -> dict:
    from extractors.doc import convert_many, soffice_path

    if soffice_path() is None:
        return {"skipped": "LibreOffice not installed"}
    if not DOC_FIXTURE.exists():
        return {"skipped": f"{DOC_FIXTURE} missing (python -m pipeline.samplegen_derived data/samples)"}
    data = DOC_FIXTURE.read_bytes()
    items = [(data, f"f{i}.doc") for i in range(n_docs)]
    t0 = time.perf_counter()
    batch = convert_many(items)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    single = [convert_many([item])[0] for item in items]
    t_single = time.perf_counter() - t0
    ok = sum(isinstance(x, bytes) for x in batch) + sum(isinstance(x, bytes) for x in single)
    return {"files": n_docs, "converted": ok, "batch_s_per_file": round(t_batch / n_docs, 3),
            "one_call_per_file_s_per_file": round(t_single / n_docs, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "data" / "bench" / "formats.json"))
    ap.add_argument("--docs", type=int, default=8, help="files per LibreOffice conversion run")
    ap.add_argument("--skip-ocr", action="store_true")
    args = ap.parse_args(argv)
    result: dict = {"cpu_count": os.cpu_count(), "load_avg": os.getloadavg()[0]}
    if not args.skip_ocr:
        result["ocr"] = bench_ocr(report_pdf())
        for key, r in result["ocr"].items():
            if isinstance(r, dict) and "accuracy_pct" in r:
                print(f"OCR {key:34s} {r['accuracy_pct']:5.1f}% of {r['numbers']} table numbers, "
                      f"{r['s_per_page']:.2f} s/page")
        for key, why in result["ocr"]["skipped"].items():
            print(f"OCR {key}: skipped ({why})")
    result["libreoffice"] = conv = bench_conversion(args.docs)
    result["load_avg_end"] = os.getloadavg()[0]  # shared machine: the figures scale with the load
    if "skipped" in conv:
        print(f"LibreOffice: skipped ({conv['skipped']})")
    else:
        print(f"LibreOffice .doc->.docx: {conv['batch_s_per_file']:.3f} s/file in one call, "
              f"{conv['one_call_per_file_s_per_file']:.3f} s/file one call per file ({conv['files']} files)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
