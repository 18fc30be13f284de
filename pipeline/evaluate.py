"""Compare extracted Reports with hand-verified ``*.expected.json`` files (the corpus evaluation).

Expected layout (../shared/corpus/README.md): ``file, agency, year, template, applications,
reviews_litigation, active_disclosure, [units], report_inconsistencies``; ``null`` = blank/"/"/missing.
Every cell listed in the expected file is compared, nulls included; year, template and agency are
compared too (a report is *exact* when all of them and every cell agree).

    python -m pipeline.evaluate [paths...]   # expected.json files or folders; default ../shared/corpus
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from extractors.model import Report

TABLES = ("applications", "reviews_litigation", "active_disclosure")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@dataclass
class FileResult:
    file: str
    cells_right: int = 0
    cells_total: int = 0
    meta_right: dict[str, bool] = field(default_factory=dict)  # year/template/agency/units
    mismatches: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def exact(self) -> bool:
        return self.error is None and self.cells_right == self.cells_total and all(self.meta_right.values())


def same_number(got, want) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(got, bool) or isinstance(want, bool):
        return False
    return math.isclose(float(got), float(want), rel_tol=0, abs_tol=1e-9)


def compare(report: Report, expected: dict) -> FileResult:
    res = FileResult(expected.get("file", report.source))
    for key in ("year", "template", "agency"):
        if key in expected:
            got = getattr(report, key)
            ok = got == expected[key]
            res.meta_right[key] = ok
            if not ok:
                res.mismatches.append(f"{key}: got {got!r}, expected {expected[key]!r}")
    for table in TABLES:
        for row, cols in (expected.get(table) or {}).items():
            for col, want in cols.items():
                res.cells_total += 1
                v = report.get(table, row, col)
                got = None if v is None else v.value
                if same_number(got, want):  # an absent cell counts as null
                    res.cells_right += 1
                else:
                    where = "absent" if v is None else f"{got!r} (raw {v.raw!r}, page {v.page})"
                    res.mismatches.append(f"{table}.{row}.{col}: got {where}, expected {want!r}")
    for item, units in (expected.get("units") or {}).items():
        for measure, unit in units.items():
            v = report.get("active_disclosure", item, measure)
            ok = v is not None and v.unit == unit
            res.meta_right[f"unit:{item}.{measure}"] = ok
            if not ok:
                res.mismatches.append(f"unit {item}.{measure}: got {None if v is None else v.unit!r}, "
                                      f"expected {unit!r}")
    return res


def source_of(expected_path: Path, expected: dict) -> Path:
    return expected_path.with_name(expected.get("file") or expected_path.name.replace(".expected.json", ""))


def extract(path: Path) -> Report:
    """The full pipeline, as users get it (second readings included), errors raised."""
    from pipeline.process import extract_report

    return extract_report(path.read_bytes(), str(path), strict=True)


def evaluate_file(expected_path: Path) -> FileResult:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    try:
        report = extract(source_of(expected_path, expected))
    except Exception as e:  # noqa: BLE001 - the evaluation reports every failure and carries on
        n = sum(len(cols) for t in TABLES for cols in (expected.get(t) or {}).values())
        return FileResult(expected.get("file", expected_path.name), 0, n, {}, [], f"{type(e).__name__}: {e}")
    return compare(report, expected)


def expected_files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in (Path(x) for x in (paths or [str(DEFAULT_CORPUS)])):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.expected.json")))
        elif p.name.endswith(".expected.json"):
            out.append(p)
        else:
            cand = p.with_name(p.name + ".expected.json") if p.suffix else p
            cand = cand if cand.exists() else p.with_name(p.stem + ".expected.json")
            out.append(cand)
    return out


def evaluate_paths(paths: list[str]) -> list[FileResult]:
    """Evaluate expected.json files (or folders of them); the default is ../shared/corpus."""
    return [evaluate_file(f) for f in expected_files(paths)]


def main(argv: list[str] | None = None) -> int:
    results = evaluate_paths(list(sys.argv[1:] if argv is None else argv))
    width = max((len(r.file) for r in results), default=10)
    print(f"{'file':<{width}}  cells right/total  exact  meta")
    for r in results:
        meta = "error: " + r.error if r.error else " ".join(
            f"{k}{'✓' if ok else '✗'}" for k, ok in r.meta_right.items())
        print(f"{r.file:<{width}}  {r.cells_right:>5}/{r.cells_total:<5}     {'yes' if r.exact else 'no ':<5}  {meta}")
        for m in r.mismatches[:12]:
            print(f"{'':<{width}}    - {m}")
        if len(r.mismatches) > 12:
            print(f"{'':<{width}}    … {len(r.mismatches) - 12} more")
    by_format: dict[str, list[FileResult]] = {}
    for r in results:
        by_format.setdefault(Path(r.file).suffix.lstrip(".").lower() or "?", []).append(r)
    for fmt, rs in sorted(by_format.items()):
        ok, n = sum(r.cells_right for r in rs), sum(r.cells_total for r in rs)
        print(f"format {fmt:<5} cells {ok}/{n} ({100 * ok / n if n else 100:.1f}%), "
              f"reports exact {sum(r.exact for r in rs)}/{len(rs)}")
    right = sum(r.cells_right for r in results)
    total = sum(r.cells_total for r in results)
    exact = sum(r.exact for r in results)
    print(f"overall: cells {right}/{total} ({100 * right / total if total else 100:.1f}%), "
          f"reports exact {exact}/{len(results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
