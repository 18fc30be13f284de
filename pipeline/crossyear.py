"""Checks that span reports: an agency against its own previous year, and agencies against each other.

Every finding lands on the LATER report, with rule ids starting ``cross_year`` (or
``cross_agency``), and carries both values and both sources (FORMAT.md §4.3, §4.5).
Input: the datasets as DataFrames (``reports`` with an ``agency_id`` column, ``applications``,
``active_disclosure``, ``sections``), so the checks run over everything ever written to an output
folder, not only the current batch.
"""
from __future__ import annotations

import json
import re
from typing import Iterable

import pandas as pd

from pipeline.columns import as_objects
from pipeline.near_duplicates import THRESHOLD, jaccard, near_duplicates, shingles
from schemas.keys import APPLICANTS

_YOY = re.compile(r"(收到|受理|新收)[^。；;]*?(\d+)\s*件[^。；;]*?同比(上升|增长|增加|下降|减少)\s*(\d+(?:\.\d+)?)\s*%")


def _finding(report_id, rule, severity, message, evidence, table=None, cells=()):
    return {"report_id": report_id, "rule": rule, "severity": severity, "message": message,
            "evidence": json.dumps(evidence, ensure_ascii=False, default=str), "table": table,
            "cells": json.dumps([list(c) for c in cells], ensure_ascii=False), "origin": "publisher"}


class _Reports:
    """The reports and their datasets, indexed by report once, so every check is linear in the
    corpus (a filter per report would be quadratic: minutes at 10^4 reports)."""

    def __init__(self, reports: pd.DataFrame):
        r = reports.dropna(subset=["agency_id", "year"])
        r = r[r["agency_id"] != "unknown"]
        r = r.sort_values("status", kind="stable").drop_duplicates(["agency_id", "year"])  # one per agency-year
        self.by = {(row["agency_id"], int(row["year"])): row for row in r.to_dict("records")}

    def pairs(self) -> Iterable[tuple[dict, dict]]:
        """(previous, current) reports of the same agency in consecutive years."""
        for (agency, year), cur in sorted(self.by.items()):
            prev = self.by.get((agency, year - 1))
            if prev is not None:
                yield prev, cur


class _Cells:
    """One cell dataset: report_id -> {(row, col): {"value", "raw", "page"}}, built on demand per
    report from column arrays grouped once."""

    def __init__(self, df: pd.DataFrame, row_col: str, col_col: str):
        self._pos = df.groupby("report_id", sort=False, observed=True).indices if not df.empty else {}
        self._cols = {k: as_objects(df[c]) for k, c in
                      (("row", row_col), ("col", col_col), ("value", "value"), ("raw", "raw"), ("page", "page"))
                      if c in df.columns}

    def of(self, report_id: str) -> dict[tuple[str, str], dict]:
        idx = self._pos.get(report_id)
        if idx is None:
            return {}
        c = self._cols
        return {(c["row"][i], c["col"][i]): {k: c[k][i] for k in ("value", "raw", "page") if k in c} for i in idx}


def _missing(cell: dict | None) -> bool:
    return cell is None or pd.isna(cell["value"])


class _Sections:
    """report_id -> texts in order, and (report_id, number) -> the first text of that number."""

    def __init__(self, sections: pd.DataFrame):
        self.texts: dict[str, list[str]] = {}
        self.numbered: dict[tuple[str, int], str] = {}
        if sections.empty:
            return
        for rid, n, t in zip(sections["report_id"], sections["number"], sections["text"]):
            t = "" if t is None or (isinstance(t, float) and pd.isna(t)) else str(t)
            self.texts.setdefault(rid, []).append(t)
            if not pd.isna(n):
                self.numbered.setdefault((rid, int(n)), t)


def _src(rep: dict) -> dict:
    return {"report_id": rep["report_id"], "source": rep.get("source"), "year": int(rep["year"])}


def carry_over(reps: _Reports, applications: _Cells) -> list[dict]:
    """X1: 上年结转 this year == 结转下年度继续办理 last year, per column (also 2019→2021)."""
    out = []
    for prev, cur in reps.pairs():
        p, c = applications.of(prev["report_id"]), applications.of(cur["report_id"])
        for a in (k.key for k in APPLICANTS):
            before, now = p.get(("carried_forward", a)), c.get(("carried_over", a))
            if _missing(before) or _missing(now):
                continue
            if int(before["value"]) != int(now["value"]):
                out.append(_finding(
                    cur["report_id"], "cross_year_carry_over", "error",
                    f"{int(cur['year'])}年 二、上年结转（{a}）为 {now['raw']}，但 {int(prev['year'])}年报告 "
                    f"四、结转下年度继续办理 为 {before['raw']}",
                    {"this_year": {**_src(cur), "raw": now["raw"], "page": now.get("page")},
                     "last_year": {**_src(prev), "raw": before["raw"], "page": before.get("page")}},
                    "applications", [("carried_over", a)]))
    return out


def _active_identity(reps, active, template, rule, severity, items, target, base, delta, sign):
    """target_Y ?= base_{Y-1} + sign * delta_(Y or Y-1), item by item."""
    out = []
    for prev, cur in reps.pairs():
        if prev["template"] != template or cur["template"] != template:
            continue
        p, c = active.of(prev["report_id"]), active.of(cur["report_id"])
        for item in items:
            t, b = c.get((item, target)), p.get((item, base))
            d = (c if delta[1] == "cur" else p).get((item, delta[0]))
            if any(_missing(v) for v in (t, b, d)):
                continue
            expected = b["value"] + sign * d["value"]
            if abs(t["value"] - expected) > 1e-6:
                out.append(_finding(
                    cur["report_id"], rule, severity,
                    f"表二 {item} {target} 为 {t['raw']}；按上年 {b['raw']} 与 {delta[0]} {d['raw']} 推算应为 {expected:g}",
                    {"this_year": {**_src(cur), "raw": t["raw"]}, "last_year": {**_src(prev), "raw": b["raw"]},
                     "delta": {"measure": delta[0], "raw": d["raw"]}, "expected": expected},
                    "active_disclosure", [(item, target)]))
    return out


def active_continuity(reps: _Reports, active: _Cells) -> list[dict]:
    items19 = ("licensing", "other_services", "penalty", "coercion", "fees")
    out = _active_identity(reps, active, "2019", "cross_year_items_last_year", "error", items19,
                           "items_last_year", "items_last_year", ("change", "prev"), 1)
    # X4, heuristic: 对外公开总数量 grows by 本年新公开数量 (warning only).
    out += _active_identity(reps, active, "2019", "cross_year_total_published", "warning",
                            ("regulations", "normative_documents"), "total_published", "total_published",
                            ("published", "cur"), 1)
    return out + in_force_heuristic(reps, active)


def in_force_heuristic(reps: _Reports, active: _Cells) -> list[dict]:
    """X3 (2021 表二): 现行有效_Y ≈ 现行有效_{Y-1} + 制发_Y − 废止_Y. Fails in practice (清理), so warning."""
    out = []
    for prev, cur in reps.pairs():
        if prev["template"] != "2021" or cur["template"] != "2021":
            continue
        p, c = active.of(prev["report_id"]), active.of(cur["report_id"])
        for item in ("regulations", "normative_documents"):
            now, last = c.get((item, "in_force")), p.get((item, "in_force"))
            issued, repealed = c.get((item, "issued")), c.get((item, "repealed"))
            if any(_missing(v) for v in (now, last, issued, repealed)):
                continue
            expected = last["value"] + issued["value"] - repealed["value"]
            if abs(now["value"] - expected) > 1e-6:
                out.append(_finding(
                    cur["report_id"], "cross_year_in_force", "warning",
                    f"表二 {item} 现行有效件数 {now['raw']}；按上年 {last['raw']} + 本年制发 {issued['raw']} − "
                    f"本年废止 {repealed['raw']} 应为 {expected:g}（清理等原因可致差异，仅供参考）",
                    {"this_year": {**_src(cur), "raw": now["raw"]}, "last_year": {**_src(prev), "raw": last["raw"]},
                     "issued": issued["raw"], "repealed": repealed["raw"], "expected": expected},
                    "active_disclosure", [(item, "in_force")]))
    return out


def similarity(a: str, b: str) -> float:
    return jaccard(shingles(a), shingles(b))


def similar_sections(reps: _Reports, sections: _Sections, numbers=(5, 1)) -> list[dict]:
    """Section 五/一 nearly identical to last year's (年年雷同): warning with the score."""
    out = []
    for prev, cur in reps.pairs():
        for n in numbers:
            a = sections.numbered.get((prev["report_id"], n))
            b = sections.numbered.get((cur["report_id"], n))
            if a is None or b is None or len(b) < 40:
                continue
            score = similarity(a, b)
            if score >= THRESHOLD:
                out.append(_finding(cur["report_id"], f"cross_year_similar_section_{n}", "warning",
                                    f"第{n}部分与上一年报告几乎相同（相似度 {score:.2f}）",
                                    {"score": round(score, 3), "this_year": _src(cur), "last_year": _src(prev),
                                     "quote": b[:200]}))
    return out


def copied_between_agencies(reports: pd.DataFrame, sections: _Sections, numbers=(5, 1)) -> list[dict]:
    """The same narrative published by different agencies in the same year (跨区域抄袭): one
    warning per copying report, naming the earliest report (by source) it nearly equals."""
    meta = {r["report_id"]: r for r in reports.to_dict("records")}
    out = []
    for n in numbers:
        by_year: dict[int, list[tuple[str, str, str]]] = {}
        for (rid, number), text in sections.numbered.items():
            m = meta.get(rid)
            if number != n or m is None or len(text) < 80 or pd.isna(m.get("year")):
                continue
            by_year.setdefault(int(m["year"]), []).append((str(m.get("source")), rid, text))
        for items in by_year.values():
            for rid, other, score in near_duplicates(sorted(items), meta):
                out.append(_finding(rid, f"cross_agency_similar_section_{n}", "warning",
                                    f"第{n}部分与另一机关同年报告几乎相同（相似度 {score:.2f}）",
                                    {"score": round(score, 3), "other_report_id": other,
                                     "other_agency": meta[other]["agency"]}))
    return out


def yoy_statements(reps: _Reports, applications: _Cells, sections: _Sections) -> list[dict]:
    """X5: "收到…N件，同比上升P%" against last year's 本年新收 总计."""
    out = []
    for prev, cur in reps.pairs():
        last = applications.of(prev["report_id"]).get(("received_new", "total"))
        if _missing(last):
            continue
        last_v = float(last["value"])
        text = "\n".join(sections.texts.get(cur["report_id"], ()))
        for m in _YOY.finditer(text):
            n, pct = float(m.group(2)), float(m.group(4))
            sign = 1 if m.group(3) in ("上升", "增长", "增加") else -1
            implied = n / (1 + sign * pct / 100) if (1 + sign * pct / 100) else None
            if implied is None or abs(implied - last_v) <= max(1.0, 0.02 * last_v):
                continue
            out.append(_finding(cur["report_id"], "cross_year_yoy", "warning",
                                f"文中称{m.group(0)}，推算上年约 {implied:.0f} 件，但上年报告本年新收为 {last_v:g} 件",
                                {"quote": m.group(0), "implied_last_year": round(implied, 1),
                                 "last_year": {**_src(prev), "received_new_total": last_v}}))
    return out


def cross_year_findings(reports: pd.DataFrame, applications: pd.DataFrame, active: pd.DataFrame,
                        sections: pd.DataFrame) -> list[dict]:
    reps, secs = _Reports(reports), _Sections(sections)
    apps, act = _Cells(applications, "row", "applicant"), _Cells(active, "item", "measure")
    out = carry_over(reps, apps)
    out += active_continuity(reps, act)
    out += similar_sections(reps, secs)
    out += copied_between_agencies(reports, secs)
    out += yoy_statements(reps, apps, secs)
    return out
