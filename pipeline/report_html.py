"""``xxgk report OUT``: a static, self-contained HTML report in OUT/report/ that opens from disk.

Pages: an index of the worst-flagged reports, one page per report (its tables as printed, every
finding with its quoted evidence and the cells it concerns highlighted, a link to the source),
a comparison page per region and year with inline SVG charts, and the data dictionary.
No scripts, no external files: everything a page needs is inside it.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from pipeline import dictionary, report_charts
from pipeline.compare import CELL_KEYS, load_dataset, reports_with_places
from pipeline.metrics import metrics_rows
from schemas import keys

CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #bbb;padding:3px 6px}
th{background:#f0f0f0}td.num{text-align:right}td.flag{background:#ffd6d6;font-weight:bold}
.error{color:#b00}.warning{color:#a60}.info{color:#666}pre{background:#f7f7f7;padding:6px;white-space:pre-wrap}
nav a{margin-right:1em}svg{max-width:100%;height:auto}"""


def _page(title: str, body: str, depth: int = 0) -> str:
    up = "../" * depth
    nav = (f"<nav><a href='{up}index.html'>Index</a><a href='{up}dictionary.html'>Data dictionary</a></nav>")
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>{nav}{body}</body></html>")


def _page_name(report_id: str) -> str:
    return f"{report_id[:16]}.html"


def _flagged(findings: pd.DataFrame) -> dict[tuple[str, str, str], list[str]]:
    """(table, row, col) -> rules that point at that cell."""
    out: dict[tuple[str, str, str], list[str]] = {}
    for _, f in findings.iterrows():
        try:
            cells = json.loads(f.get("cells") or "[]")
        except (TypeError, ValueError):
            cells = []
        for cell in cells:
            if isinstance(cell, list) and len(cell) == 2 and f.get("table"):
                out.setdefault((f["table"], cell[0], cell[1]), []).append(f["rule"])
    return out


def _grid(title: str, table: str, rows: list[tuple[str, str]], cols: list[tuple[str, str]],
          values: dict[tuple[str, str], pd.Series], flagged) -> str:
    e = html.escape
    head = "".join(f"<th>{e(label)}</th>" for _, label in cols)
    body = []
    for rk, rlabel in rows:
        tds = []
        for ck, _ in cols:
            v = values.get((rk, ck))
            raw = "" if v is None or v.get("raw") is None or pd.isna(v.get("raw")) else str(v["raw"])
            rules = flagged.get((table, rk, ck))
            cls = "num flag" if rules else "num"
            tip = f" title='{e(', '.join(rules))}'" if rules else ""
            tds.append(f"<td class='{cls}'{tip}>{e(raw)}</td>")
        body.append(f"<tr><th>{e(rlabel)}</th>{''.join(tds)}</tr>")
    return f"<h3>{e(title)}</h3><table><tr><th></th>{head}</tr>{''.join(body)}</table>"


def _report_tables(rep: pd.Series, cells: dict[str, pd.DataFrame], flagged) -> str:
    template = rep.get("template")
    if template not in ("2021", "2019"):
        return "<p>No 2019/2021 tables in this report.</p>"
    out = []
    ad = keys.ACTIVE_BY_TEMPLATE[template]
    vals = _values(cells["active_disclosure"], rep["report_id"], "item", "measure")
    for item in ad.items:
        out.append(_grid(f"表二 {item.label}", "active_disclosure", [(item.key, item.label)],
                         [(m.key, m.label) for m in item.measures], vals, flagged))
    vals = _values(cells["applications"], rep["report_id"], "row", "applicant")
    rows = [(k.key, k.label) for k in keys.APPLICATION_ROWS if (k.key, "total") in vals]
    out.append(_grid("表三 收到和处理政府信息公开申请情况", "applications", rows,
                     [(a.key, a.label) for a in keys.APPLICANTS], vals, flagged))
    vals = _values(cells["reviews_litigation"], rep["report_id"], "proceeding", "outcome")
    out.append(_grid("表四 行政复议、行政诉讼", "reviews_litigation", [(p.key, p.label) for p in keys.PROCEEDINGS],
                     [(o.key, o.label) for o in keys.OUTCOMES], vals, flagged))
    return "".join(out)


def _values(df: pd.DataFrame, report_id: str, rk: str, ck: str) -> dict[tuple[str, str], pd.Series]:
    if df.empty:
        return {}
    sub = df[df["report_id"] == report_id]
    return {(r, c): x for (r, c), x in zip(zip(sub[rk], sub[ck]), (y for _, y in sub.iterrows()))}


def _findings_html(findings: pd.DataFrame) -> str:
    e = html.escape
    if findings.empty:
        return "<p>No findings.</p>"
    order = {"error": 0, "warning": 1, "info": 2}
    items = []
    for _, f in findings.sort_values("severity", key=lambda s: s.map(order)).iterrows():
        try:
            ev = json.dumps(json.loads(f.get("evidence") or "{}"), ensure_ascii=False, indent=1)
        except (TypeError, ValueError):
            ev = str(f.get("evidence"))
        items.append(f"<li><span class='{e(str(f['severity']))}'>[{e(str(f['severity']))}]</span> "
                     f"<code>{e(str(f['rule']))}</code> {e(str(f['message']))}<pre>{e(ev)}</pre></li>")
    return f"<ul>{''.join(items)}</ul>"


def _source_link(source: str) -> str:
    e = html.escape
    if source.startswith(("http://", "https://")):
        href = source
    else:
        href = Path(source).resolve().as_uri()
    return f"<a href='{e(href)}'>{e(source)}</a>"


def build_report(out: str | Path) -> Path:
    out = Path(out)
    folder = out / "report"
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    (folder / "compare").mkdir(parents=True, exist_ok=True)
    reports = load_dataset(out, "reports")
    findings = load_dataset(out, "findings")
    cells = {ds: load_dataset(out, ds) for ds in CELL_KEYS}
    flagged_all = findings if not findings.empty else pd.DataFrame(columns=["report_id", "rule", "severity"])
    e = html.escape
    for _, rep in reports.iterrows():
        f = flagged_all[flagged_all["report_id"] == rep["report_id"]]
        body = (f"<h1>{e(str(rep.get('agency') or '?'))} {e(str(rep.get('year') or ''))}</h1>"
                f"<p>template {e(str(rep.get('template')))} · status {e(str(rep.get('status')))} · "
                f"format {e(str(rep.get('format')))} · source {_source_link(str(rep.get('source')))}</p>"
                f"<h2>Findings</h2>{_findings_html(f)}<h2>Tables as printed</h2>"
                f"{_report_tables(rep, cells, _flagged(f))}")
        (folder / "reports" / _page_name(rep["report_id"])).write_text(
            _page(f"{rep.get('agency')} {rep.get('year')}", body, 1), encoding="utf-8")
    compare_links = _compare_pages(out, folder)
    (folder / "dictionary.html").write_text(_page("Data dictionary", dictionary.to_html()), encoding="utf-8")
    (folder / "index.html").write_text(_page("xxgk report", _index(reports, flagged_all, compare_links)),
                                       encoding="utf-8")
    return folder / "index.html"


def _index(reports: pd.DataFrame, findings: pd.DataFrame, compare_links: list[tuple[str, str]]) -> str:
    e = html.escape
    counts = findings.groupby(["report_id", "severity"]).size().unstack(fill_value=0) if not findings.empty else None
    rows = []
    for _, rep in reports.iterrows():
        c = counts.loc[rep["report_id"]] if counts is not None and rep["report_id"] in counts.index else {}
        rows.append((int(c.get("error", 0)), int(c.get("warning", 0)), rep))
    rows.sort(key=lambda t: (-t[0], -t[1], str(t[2].get("agency"))))
    trs = "".join(
        f"<tr><td><a href='reports/{_page_name(r['report_id'])}'>{e(str(r.get('agency')))}</a></td>"
        f"<td>{e(str(r.get('year')))}</td><td>{e(str(r.get('status')))}</td><td class='num'>{err}</td>"
        f"<td class='num'>{warn}</td></tr>" for err, warn, r in rows)
    links = "".join(f"<li><a href='{e(h)}'>{e(t)}</a></li>" for t, h in compare_links)
    return (f"<h1>xxgk report</h1><p>{len(reports)} reports.</p><h2>Comparisons</h2><ul>{links}</ul>"
            "<h2>Reports, worst flagged first</h2><table><tr><th>agency</th><th>year</th><th>status</th>"
            f"<th>errors</th><th>warnings</th></tr>{trs}</table>")


def _number(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.3f}"


def _compare_pages(out: Path, folder: Path) -> list[tuple[str, str]]:
    reports = reports_with_places(out)
    if reports.empty:
        return []
    datasets = {ds: load_dataset(out, ds) for ds in CELL_KEYS}
    metrics = metrics_rows(reports, datasets).merge(
        reports[["report_id", "agency_name", "province"]], on="report_id", how="left")
    links = []
    for (province, year), group in metrics.groupby([metrics["province"].fillna("未知"), "year"]):
        trend_frame = metrics[metrics["province"].fillna("未知") == province].rename(columns={"agency_name": "name"})
        body = (f"<h1>{html.escape(str(province))} · {int(year)}</h1>"
                + report_charts.distribution(group["disclosure_rate"], "公开率分布", "(予以公开+部分公开)/办结")
                + report_charts.ranking(group["agency_name"], group["received_new"], "本年新收申请数排名")
                + report_charts.trend(trend_frame, "received_new", "本年新收申请数趋势")
                + group.drop(columns=["report_id"]).to_html(index=False, na_rep="–", float_format=_number))
        name = f"{province}-{int(year)}.html"
        (folder / "compare" / name).write_text(_page(f"{province} {year}", body, 1), encoding="utf-8")
        links.append((f"{province} {int(year)}", f"compare/{name}"))
    return links
