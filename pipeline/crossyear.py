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
import zlib
from typing import Iterable

import pandas as pd

from schemas.keys import APPLICANTS

SIMILAR_SECTION_THRESHOLD = 0.9  # template: 不得出现…年年雷同
SHINGLE = 5
_YOY = re.compile(r"(收到|受理|新收)[^。；;]*?(\d+)\s*件[^。；;]*?同比(上升|增长|增加|下降|减少)\s*(\d+(?:\.\d+)?)\s*%")


def _finding(report_id, rule, severity, message, evidence, table=None, cells=()):
    return {"report_id": report_id, "rule": rule, "severity": severity, "message": message,
            "evidence": json.dumps(evidence, ensure_ascii=False, default=str), "table": table,
            "cells": json.dumps([list(c) for c in cells], ensure_ascii=False), "origin": "publisher"}


def _pairs(reports: pd.DataFrame) -> Iterable[tuple[pd.Series, pd.Series]]:
    """(previous, current) report pairs of the same agency in consecutive years."""
    r = reports.dropna(subset=["agency_id", "year"])
    r = r[r["agency_id"] != "unknown"]
    r = r.sort_values("status").drop_duplicates(["agency_id", "year"])  # one report per agency-year
    by = {(a, int(y)): row for a, y, row in zip(r["agency_id"], r["year"], (x for _, x in r.iterrows()))}
    for (agency, year), cur in sorted(by.items()):
        prev = by.get((agency, year - 1))
        if prev is not None:
            yield prev, cur


def _cells(df: pd.DataFrame, report_id: str, row_col: str, col_col: str) -> dict[tuple[str, str], pd.Series]:
    sub = df[df["report_id"] == report_id]
    return {(r, c): x for r, c, x in zip(sub[row_col], sub[col_col], (y for _, y in sub.iterrows()))}


def _src(rep: pd.Series) -> dict:
    return {"report_id": rep["report_id"], "source": rep.get("source"), "year": int(rep["year"])}


def carry_over(reports, applications) -> list[dict]:
    """X1: 上年结转 this year == 结转下年度继续办理 last year, per column (also 2019→2021)."""
    out = []
    for prev, cur in _pairs(reports):
        p = _cells(applications, prev["report_id"], "row", "applicant")
        c = _cells(applications, cur["report_id"], "row", "applicant")
        for a in (k.key for k in APPLICANTS):
            before, now = p.get(("carried_forward", a)), c.get(("carried_over", a))
            if before is None or now is None or pd.isna(before["value"]) or pd.isna(now["value"]):
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


def _active_identity(reports, active, template, rule, severity, items, target, base, delta, sign):
    """target_Y ?= base_{Y-1} + sign * delta_(Y or Y-1), item by item."""
    out = []
    for prev, cur in _pairs(reports):
        if prev["template"] != template or cur["template"] != template:
            continue
        p = _cells(active, prev["report_id"], "item", "measure")
        c = _cells(active, cur["report_id"], "item", "measure")
        for item in items:
            t, b = c.get((item, target)), p.get((item, base))
            d = (c if delta[1] == "cur" else p).get((item, delta[0]))
            vals = [t, b, d]
            if any(v is None or pd.isna(v["value"]) for v in vals):
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


def active_continuity(reports, active) -> list[dict]:
    items19 = ("licensing", "other_services", "penalty", "coercion", "fees")
    out = _active_identity(reports, active, "2019", "cross_year_items_last_year", "error", items19,
                           "items_last_year", "items_last_year", ("change", "prev"), 1)
    # X4, heuristic: 对外公开总数量 grows by 本年新公开数量 (warning only).
    out += _active_identity(reports, active, "2019", "cross_year_total_published", "warning",
                            ("regulations", "normative_documents"), "total_published", "total_published",
                            ("published", "cur"), 1)
    return out + in_force_heuristic(reports, active)


def in_force_heuristic(reports, active) -> list[dict]:
    """X3 (2021 表二): 现行有效_Y ≈ 现行有效_{Y-1} + 制发_Y − 废止_Y. Fails in practice (清理), so warning."""
    out = []
    for prev, cur in _pairs(reports):
        if prev["template"] != "2021" or cur["template"] != "2021":
            continue
        p = _cells(active, prev["report_id"], "item", "measure")
        c = _cells(active, cur["report_id"], "item", "measure")
        for item in ("regulations", "normative_documents"):
            now, last = c.get((item, "in_force")), p.get((item, "in_force"))
            issued, repealed = c.get((item, "issued")), c.get((item, "repealed"))
            if any(v is None or pd.isna(v["value"]) for v in (now, last, issued, repealed)):
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


def _shingles(text: str) -> set[int]:
    t = re.sub(r"\s+", "", text or "")
    t = re.sub(r"\d+", "#", t)  # years and counts change every year; the prose should not
    return {zlib.crc32(t[i:i + SHINGLE].encode()) for i in range(max(0, len(t) - SHINGLE + 1))}


def similarity(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def similar_sections(reports, sections, numbers=(5, 1)) -> list[dict]:
    """Section 五/一 nearly identical to last year's (年年雷同): warning with the score."""
    out = []
    for prev, cur in _pairs(reports):
        for n in numbers:
            a = sections[(sections["report_id"] == prev["report_id"]) & (sections["number"] == n)]["text"]
            b = sections[(sections["report_id"] == cur["report_id"]) & (sections["number"] == n)]["text"]
            if a.empty or b.empty or len(str(b.iloc[0])) < 40:
                continue
            score = similarity(str(a.iloc[0]), str(b.iloc[0]))
            if score >= SIMILAR_SECTION_THRESHOLD:
                out.append(_finding(cur["report_id"], f"cross_year_similar_section_{n}", "warning",
                                    f"第{n}部分与上一年报告几乎相同（相似度 {score:.2f}）",
                                    {"score": round(score, 3), "this_year": _src(cur), "last_year": _src(prev),
                                     "quote": str(b.iloc[0])[:200]}))
    return out


def copied_between_agencies(reports, sections, numbers=(5, 1)) -> list[dict]:
    """The same narrative published by different agencies in the same year (跨区域抄袭)."""
    out = []
    meta = reports.set_index("report_id")
    for n in numbers:
        s = sections[sections["number"] == n]
        items = [(rid, _shingles(str(t))) for rid, t in zip(s["report_id"], s["text"]) if len(str(t)) >= 80]
        # Bucket by a few min-hash values so the comparison is not all pairs on large corpora.
        buckets: dict[tuple[int, int], list[int]] = {}
        for i, (_, sh) in enumerate(items):
            for seed in range(4):
                buckets.setdefault((seed, min((h ^ (seed * 0x9E3779B1)) & 0xFFFFFFFF for h in sh)), []).append(i)
        seen = set()
        for members in buckets.values():
            for i in members:
                for j in members:
                    if i >= j or (i, j) in seen:
                        continue
                    seen.add((i, j))
                    (ri, si), (rj, sj) = items[i], items[j]
                    if ri not in meta.index or rj not in meta.index:
                        continue
                    mi, mj = meta.loc[ri], meta.loc[rj]
                    if mi["agency_id"] == mj["agency_id"] or mi["year"] != mj["year"]:
                        continue
                    score = len(si & sj) / len(si | sj)
                    if score >= SIMILAR_SECTION_THRESHOLD:
                        later = rj if str(mj.get("source")) > str(mi.get("source")) else ri
                        other = ri if later == rj else rj
                        out.append(_finding(later, f"cross_agency_similar_section_{n}", "warning",
                                            f"第{n}部分与另一机关同年报告几乎相同（相似度 {score:.2f}）",
                                            {"score": round(score, 3), "other_report_id": other,
                                             "other_agency": meta.loc[other]["agency"]}))
    return out


def yoy_statements(reports, applications, sections) -> list[dict]:
    """X5: "收到…N件，同比上升P%" against last year's 本年新收 总计."""
    out = []
    for prev, cur in _pairs(reports):
        last = applications[(applications["report_id"] == prev["report_id"]) & (applications["row"] == "received_new")
                            & (applications["applicant"] == "total")]["value"]
        if last.empty or pd.isna(last.iloc[0]):
            continue
        last_v = float(last.iloc[0])
        text = "\n".join(sections[sections["report_id"] == cur["report_id"]]["text"].astype(str))
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
    out = carry_over(reports, applications)
    out += active_continuity(reports, active)
    out += similar_sections(reports, sections)
    out += copied_between_agencies(reports, sections)
    out += yoy_statements(reports, applications, sections)
    return out
