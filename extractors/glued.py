"""Recover tables 二/三/四 from flat text whose cells run together ("行政规范性文件693665").

Crawled page text (e.g. a portal's page.txt) drops cell boundaries: each row label is followed by
its cells' digits with no separator. Per row we take the run of digits after the label, then:

* a run with exactly one printed token per cell (k digits, or k whitespace-separated tokens) is
  read as printed (method "text");
* otherwise every cut into k cells is enumerated (``glued_search``) and the template identities
  pick: R5 per table 三 row, R6 per table 四 block, and R1/R4 per column across table 三;
  table 二 has no identity (FORMAT §4.2 R7), so a multi-cell run stays ambiguous unless the
  narrative states one of its numbers and that singles out one cut.

Exactly one surviving cut -> values (method "split-solved"); several -> the cells stay None and a
"glued_digits_ambiguous" finding lists them; none or too many to search -> "glued_digits_unsolved".
Never a guess: a wrong number is worse than a blank one. Hence two guards: once some row shows
blank cells (fewer digits than cells), flattening may have erased blanks anywhere, so only rows
printed cell by cell are kept; and when digits turn up away from any label (PDF text whose
labels are centred after their numbers), no row of that table is tied to its digits at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.glued_search import (
    DEFAULT_CAP, RowCands, RowChoice, SearchCapped, block_sum_groups, choose_rows, parse_token,
    row_candidates, row_sum_group,
)
from extractors.model import Finding, Value
from schemas import keys as K

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# A run: digits, blanks inside it, decimal points followed by a digit, signs and "/" blanks.
_RUN = re.compile(r"[0-9/／+＋\-−－—–](?:[0-9/／+＋\-−－—–\s]|\.(?=[0-9]))*")
_ENUM_AFTER = re.compile(r"[.．、](?=\D)")
# Page footers of text taken from paged documents ("- 3 -", "第3页"), alone on their line.
_PAGE_NUMBER = re.compile(r"(?m)^[ \t]*(?:[-—－–]\s*\d{1,4}\s*[-—－–]|第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?)[ \t]*$")


def _loose(word: str) -> str:
    """Regex matching ``word`` with any whitespace between its characters ("本年度办 理结果")."""
    return r"\s*".join(re.escape(ch) for ch in word)


@dataclass(frozen=True)
class RowSpec:
    key: str
    keywords: tuple[str, ...]  # distinctive words of the printed label, any one identifies it
    enum: str | None  # printed enumerator before the label: "一、", "（三）", "2." ...
    kinds: tuple[str, ...]  # cell kinds: count | signed | money
    cols: tuple[str, ...]


@dataclass
class Located:
    spec: RowSpec
    label: str  # printed label text (enumerator + words matched)
    end: int  # end of the label in the text
    run: str  # the run of cell characters after the label ("" if none)
    run_end: int = 0  # text offset just after the run (the label's end when there is no run)
    stray: str = ""  # a further run of digits before the next label (labels and digits do not alternate)


# ---- row specs (template order) -----------------------------------------------------------------

_APP_KEYWORDS = {
    "received_new": ("本年新收", "新收政府信息公开申请"),
    "carried_over": ("上年结转",),
    "disclosed": ("予以公开",),
    "partially_disclosed": ("部分公开",),
    "withheld_state_secret": ("国家秘密",),
    "withheld_prohibited_by_law": ("其他法律", "行政法规禁止", "禁止公开"),
    "withheld_security_stability": ("三安全一稳定", "危及"),
    "withheld_third_party": ("第三方合法权益", "保护第三方"),
    "withheld_internal_affairs": ("三类内部事务", "内部事务"),
    "withheld_process_info": ("四类过程性", "过程性信息"),
    "withheld_enforcement_files": ("行政执法案卷", "执法案卷"),
    "withheld_admin_query": ("行政查询事项", "行政查询"),
    "unavailable_not_held": ("不掌握",),
    "unavailable_needs_creation": ("没有现成信息", "另行制作"),
    "unavailable_unclear": ("补正后申请内容", "仍不明确"),
    "rejected_complaint": ("信访举报投诉", "信访举报"),
    "rejected_duplicate": ("重复申请",),
    "rejected_publication": ("公开出版物",),
    "rejected_mass_repetitive": ("大量反复申请", "无正当理由大量"),
    "rejected_confirmation": ("确认或重新出具", "重新出具", "行政机关确认"),
    "other_overdue_correction": ("逾期不补正",),
    "other_overdue_fee": ("缴纳费用", "逾期未按收费通知"),
    "other_reasons": ("其他",),  # too common alone: only accepted right after its enumerator
    "other_handling": ("其他处理",),
    "handled_total": ("总计",),
    "carried_forward": ("结转下年",),
}
_NEEDS_ENUM = {"other_reasons"}

_ACTIVE_KEYWORDS = {
    "regulations": ("规章",),
    "normative_documents": ("行政规范性文件", "规范性文件"),
    "licensing": ("行政许可",),
    "other_services": ("其他对外管理服务", "对外管理服务"),
    "penalty": ("行政处罚",),
    "coercion": ("行政强制",),
    "fees": ("行政事业性收费", "事业性收费"),
    "procurement": ("政府集中采购", "集中采购"),
}


def _enumerator(label: str) -> str | None:
    m = re.match(r"([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)", label)
    return m.group(1) if m else None


def application_specs(with_other_subrows: bool) -> list[RowSpec]:
    template = "2021" if with_other_subrows else "2019"
    cols = tuple(a.key for a in K.APPLICANTS)
    return [RowSpec(r.key, _APP_KEYWORDS[r.key], _enumerator(r.label), ("count",) * len(cols), cols)
            for r in K.application_rows(template)]


def active_specs(template: str) -> list[RowSpec]:
    specs = []
    for item in K.ACTIVE_BY_TEMPLATE[template].items:
        kinds = tuple("signed" if m.key in K.SIGNED_MEASURES else
                      "money" if m.key in K.MONEY_MEASURES else "count" for m in item.measures)
        specs.append(RowSpec(item.key, _ACTIVE_KEYWORDS[item.key], None, kinds,
                             tuple(m.key for m in item.measures)))
    return specs


# ---- locating labels and runs -------------------------------------------------------------------

def _enum_pattern(enum: str) -> str:
    if enum.endswith("、"):
        return _loose(enum[:-1]) + r"\s*[、.．]"
    if enum.startswith("（"):
        return r"[（(]\s*" + _loose(enum[1:-1]) + r"\s*[)）]"
    return re.escape(enum[:-1]) + r"\s*[.．、]"


def _find_label(text: str, spec: RowSpec, start: int, stop: int) -> tuple[int, int] | None:
    """(label start, label end) of the first printed label of ``spec`` in text[start:stop]."""
    best: tuple[int, int] | None = None
    for word in spec.keywords:
        pattern = _loose(word)
        if spec.key in _NEEDS_ENUM:
            pattern = _enum_pattern(spec.enum) + r"\s*" + pattern
        m = re.compile(pattern).search(text, start, stop)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m.end())
    if best is None or not spec.enum or spec.key in _NEEDS_ENUM:
        return best
    # Extend back over the enumerator ("6.属于四类…"): its own digit must not join the previous run.
    window_start = max(start, best[0] - 14)
    m = re.compile(_enum_pattern(spec.enum) + r"[^\d]{0,10}$").search(text, window_start, best[0])
    return (m.start(), best[1]) if m else best


def _run_after(text: str, start: int, stop: int) -> tuple[str, int]:
    """The run of cell characters in text[start:stop] (the first one after the label's tail),
    and the offset where it ends."""
    m = _RUN.search(text, start, stop)
    if not m:
        return "", start
    run = m.group(0).rstrip()
    end = m.start() + len(run)
    # "…00000002.其他…", "…0 3、收到…": the last digit is the next label's enumerator, not a cell.
    if _ENUM_AFTER.match(text, end) and run[-1:].isdigit():
        run = run[:-1].rstrip()
        end = m.start() + len(run)
    return run, end


def _is_enumerator(text: str, m: re.Match) -> bool:
    """A lone "5" of "5、要求…" (a label's or heading's number), not a cell."""
    return bool(re.fullmatch(r"\s*\d{1,2}\s*", m.group(0))) and bool(_ENUM_AFTER.match(text, m.end()))


def locate_rows(text: str, specs: list[RowSpec], start: int, stop: int) -> tuple[list[Located], list[str]]:
    """Find each row's label in template order and the run that follows it (before the next label)."""
    hits: list[tuple[RowSpec, int, int]] = []
    missing: list[str] = []
    cursor = start
    for i, spec in enumerate(specs):
        found = _find_label(text, spec, cursor, stop)
        if found is None:
            missing.append(spec.key)
            continue
        # If the next row's label comes first, this label is absent (typo) and we matched too far.
        if i + 1 < len(specs):
            nxt = _find_label(text, specs[i + 1], cursor, stop)
            if nxt is not None and nxt[0] < found[0]:
                missing.append(spec.key)
                continue
        hits.append((spec, found[0], found[1]))
        cursor = found[1]
    located = []
    for j, (spec, label_start, label_end) in enumerate(hits):
        seg_end = hits[j + 1][1] if j + 1 < len(hits) else stop
        run, run_end = _run_after(text, label_end, seg_end)
        stray = next((m.group(0).strip() for m in _RUN.finditer(text, run_end, seg_end)
                      if re.search(r"\d", m.group(0)) and not _is_enumerator(text, m)), "")
        located.append(Located(spec, text[label_start:label_end], label_end, run, run_end, stray))
    return located, missing


# ---- regions --------------------------------------------------------------------------------------

def detect_template(text: str) -> str | None:
    """2021 vs 2019 layout from table 二's header words, else from labels only one of them has."""
    compact = re.sub(r"\s+", "", text)
    for words, template in ((("本年制发件数", "本年废止件数"), "2021"), (("本年新制作数量", "本年新公开数量"), "2019"),
                            (("政府集中采购", "其他对外管理服务事项"), "2019"), (("本年收费金额",), "2021")):
        if any(w in compact for w in words):
            return template
    return None


def _first(text: str, words: tuple[str, ...], start: int = 0) -> int | None:
    found = [m.start() for w in words if (m := re.compile(_loose(w)).search(text, start))]
    return min(found) if found else None


@dataclass
class Regions:
    active: tuple[int, int] | None
    applications: tuple[int, int] | None


def find_regions(text: str) -> Regions:
    apps_start = _first(text, ("勾稽关系", "申请人情况"))
    if apps_start is None:  # header lost: start at the first row label
        m = re.search(r"一\s*[、.．]\s*" + _loose("本年新收"), text)
        apps_start = m.start() if m else None
    active_start = _first(text, ("第二十条第（一）项", "第二十条第(一)项", "本年制发件数", "本年新制作数量"))
    if active_start is not None and apps_start is not None and active_start > apps_start:
        active_start = None
    active = (active_start, apps_start if apps_start is not None else len(text)) \
        if active_start is not None else None
    applications = None
    if apps_start is not None:
        # Table 三 ends where table 四's header (行政复议…) begins; labels are not sought past it.
        reviews = re.compile(_loose("行政复议")).search(text, apps_start)
        applications = (apps_start, reviews.start() if reviews else len(text))
    return Regions(active, applications)


def locate_reviews_run(text: str, start: int) -> tuple[str, str, int] | None:
    """Table 四's run: the first digits after the header that starts at 行政复议 (…尚未审结总计)."""
    head = re.compile(_loose("行政复议")).search(text, start)
    if not head:
        return None
    m = re.compile(r"\d").search(text, head.end())
    header = text[head.start():m.start()] if m else ""
    # Header words only (no digits, and the 总计 columns) up to the data; else not table 四.
    if m is None or len(header) > 300 or not all(re.search(_loose(w), header) for w in ("维持", "总计")):
        return None
    run, run_end = _run_after(text, m.start(), len(text))
    return header.strip(), run, run_end


# ---- turning runs into values and findings -------------------------------------------------------

def _values_of(tokens: tuple[str, ...], kinds: tuple[str, ...]) -> tuple:
    return tuple(parse_token(t, kd) for t, kd in zip(tokens, kinds))


def _cells(table: str, loc: Located) -> list[tuple[str, str]]:
    return [(loc.spec.key, c) for c in loc.spec.cols]


def _emit(table: str, loc: Located, values: tuple | None, method: str, unit: str | None = None) -> list[Value]:
    out = []
    for i, col in enumerate(loc.spec.cols):
        v = None if values is None else values[i]
        out.append(Value(table=table, row=loc.spec.key, col=col, value=v, raw=loc.run, page=None,
                         unit=unit if loc.spec.kinds[i] == "money" else None, method=method,
                         label=loc.label.strip()))
    return out


def _ambiguous(table: str, loc: Located, cands: list[tuple], why: str) -> Finding:
    shown = [list(c) for c in cands[:50]]
    return Finding(
        rule="glued_digits_ambiguous", severity="warning",
        message=f"{loc.label.strip()}: digits '{loc.run}' split into {len(loc.spec.cols)} cells "
                f"{len(cands)} ways ({why}); cells left blank",
        evidence={"label": loc.label.strip(), "raw": loc.run, "candidates": shown,
                  "n_candidates": len(cands), "columns": list(loc.spec.cols)},
        table=table, cells=_cells(table, loc), origin="extraction")


def _unsolved(table: str, loc: Located, reason: str) -> Finding:
    return Finding(
        rule="glued_digits_unsolved", severity="warning",
        message=f"{loc.label.strip()}: digits '{loc.run}' not recovered ({reason}); cells left blank",
        evidence={"label": loc.label.strip(), "raw": loc.run, "reason": reason,
                  "columns": list(loc.spec.cols)},
        table=table, cells=_cells(table, loc), origin="extraction")


def _missing_finding(table: str, keys_missing: list[str]) -> Finding:
    return Finding(rule="glued_rows_missing", severity="warning",
                   message=f"{table}: no label found in the flat text for {', '.join(keys_missing)}",
                   evidence={"rows": keys_missing}, table=table, origin="extraction")


def decide(table: str, loc: Located, rc: RowCands, feasible: list[tuple] | None, why: str,
           distrust: str | None, unit: str | None = None, misplaced: str | None = None
           ) -> tuple[list[Value], list[Finding]]:
    """Values (and at most one finding) for one located row.

    ``feasible``: the candidates left by identities across rows (None: the row's own candidates);
    ``distrust``: why cuts cannot be trusted at all in this text (blank cells seen elsewhere);
    ``misplaced``: why even separately printed cells cannot be tied to this label.
    """
    if rc.how == "blank":
        return _emit(table, loc, None, "text", unit), []
    if misplaced:
        return _emit(table, loc, None, "split-unsolved", unit), [_unsolved(table, loc, misplaced)]
    if rc.how == "tokens":
        return _emit(table, loc, _values_of(rc.cands[0], loc.spec.kinds), "text", unit), []
    if rc.how == "none":
        return _emit(table, loc, None, "split-unsolved", unit), [_unsolved(table, loc, rc.problem or "")]
    if distrust:
        return _emit(table, loc, None, "split-unsolved", unit), [_unsolved(table, loc, distrust)]
    if rc.how == "digits":
        return _emit(table, loc, _values_of(rc.cands[0], loc.spec.kinds), "text", unit), []
    if feasible is None:
        feasible = [_values_of(c, loc.spec.kinds) for c in rc.cands]
    if len(feasible) == 1:
        return _emit(table, loc, feasible[0], "split-solved", unit), []
    if not feasible:
        own = [list(_values_of(c, loc.spec.kinds)) for c in rc.cands]
        return (_emit(table, loc, None, "split-unsolved", unit),
                [_unsolved(table, loc, f"none of the row's cuts {own[:20]} fits the identities ({why})")])
    return _emit(table, loc, None, "split-ambiguous", unit), [_ambiguous(table, loc, feasible, why)]


def blank_evidence(rows: list[tuple[Located, RowCands]]) -> str | None:
    """A row printing fewer characters than cells (or none) proves the tables have blank cells.

    Flattening erases blanks without a trace, so once blanks are known to exist, a run with
    k digits (or an identity-consistent cut) may really be fewer numbers: only rows whose cells
    are printed apart are trusted then.
    """
    short = [loc.label.strip() for loc, rc in rows
             if rc.how == "blank" or (rc.how == "none" and "blank" in (rc.problem or ""))]
    if not short:
        return None
    return f"the flat tables have blank cells (e.g. {', '.join(short[:3])}), so a cut may hide some"


def layout_evidence(rows: list[tuple[Located, RowCands]]) -> str | None:
    """Digits between a row's run and the next label mean the text does not alternate
    label/digits (e.g. PDF text with vertically centred labels printed after their numbers):
    then no run can be tied to the label before it."""
    stray = [f"{loc.label.strip()} … {loc.stray}" for loc, _ in rows if loc.stray]
    # More separately printed numbers than cells: the run holds another row's numbers too.
    stray += [f"{loc.label.strip()} {loc.run!r}" for loc, _ in rows if len(loc.run.split()) > len(loc.spec.cols)]
    if not stray:
        return None
    return f"digits away from any label ({'; '.join(stray[:2])}): rows cannot be tied to their digits"


# ---- table 二 -------------------------------------------------------------------------------------

_STATED_VERBS = {
    "2021": {"issued": "制发|印发|出台", "repealed": "废止", "in_force": "现行有效"},
    "2019": {"made": "新制作|制作", "published": "新公开", "total_published": "对外公开总"},
}
_STATED_ITEMS = {"规章": "regulations", "规范性文件": "normative_documents"}


def narrative_statements(narrative: str, template: str) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """Numbers the narrative states about table 二 （一） ("本年度制发的规范性文件88件")."""
    stated: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for measure, verbs in _STATED_VERBS.get(template, {}).items():
        pattern = re.compile(rf"(?:{verbs})[^，。；;,:：\d]{{0,12}}?(规章|规范性文件)"
                             rf"[^，。；;,\d]{{0,6}}?(\d+)\s*(?:件|个|份|部)")
        for m in pattern.finditer(narrative):
            quote = narrative[max(0, m.start() - 10):m.end()]
            stated.setdefault((_STATED_ITEMS[m.group(1)], measure), []).append((int(m.group(2)), quote))
    return stated


def _confirmed_by_text(table: str, loc: Located, rc: RowCands, stated: dict
                       ) -> tuple[tuple, Finding] | None:
    """The one cut of an ambiguous row that agrees with every number the narrative states."""
    claims = {m: {n for n, _ in stated[(loc.spec.key, m)]} for m in loc.spec.cols
              if (loc.spec.key, m) in stated}
    if rc.how != "cut" or len(rc.cands) < 2 or not claims:
        return None
    cands = [_values_of(c, loc.spec.kinds) for c in rc.cands]
    agreeing = [c for c in cands
                if all(c[loc.spec.cols.index(m)] in numbers for m, numbers in claims.items())]
    if len(agreeing) != 1:
        return None
    quotes = [q for m in claims for _, q in stated[(loc.spec.key, m)]]
    return agreeing[0], Finding(
        rule="glued_digits_confirmed_by_text", severity="info",
        message=f"{loc.label.strip()}: digits '{loc.run}' split as {list(agreeing[0])}, "
                f"the only cut agreeing with the narrative",
        evidence={"label": loc.label.strip(), "raw": loc.run, "chosen": list(agreeing[0]),
                  "candidates": [list(c) for c in cands], "quotes": quotes},
        table=table, cells=_cells(table, loc), origin="extraction")


def solve_active(text: str, rows: list[tuple[Located, RowCands]], template: str, narrative: str,
                 distrust: str | None) -> tuple[list[Value], list[Finding]]:
    table = K.TABLE_ACTIVE
    stated = narrative_statements(narrative, template)
    values: list[Value] = []
    findings: list[Finding] = []
    for loc, rc in rows:
        unit = None
        if "money" in loc.spec.kinds:
            # 2021 prints the unit in the header (万元); 2019 reports put "元" after the amount.
            unit = "万元" if template == "2021" else (
                "元" if loc.run and re.match(r"\s*元", text[loc.run_end:]) else None)
        confirmed = None if distrust or layout_evidence(rows) else _confirmed_by_text(table, loc, rc, stated)
        if confirmed:
            values += _emit(table, loc, confirmed[0], "split-solved", unit)
            findings.append(confirmed[1])
            continue
        v, f = decide(table, loc, rc, None, "table 二 has no identity to choose", distrust, unit,
                      layout_evidence(rows))
        values += v
        findings += f
    return values, findings


# ---- table 三 -------------------------------------------------------------------------------------

R1_ROWS = ("received_new", "carried_over", "handled_total", "carried_forward")


def solve_applications(rows: list[tuple[Located, RowCands]], with_other_subrows: bool,
                       distrust: str | None, cap: int = DEFAULT_CAP) -> tuple[list[Value], list[Finding]]:
    table = K.TABLE_APPLICATIONS
    findings: list[Finding] = []
    # Candidate vectors per row for the column identities; blank-cell candidates carry none.
    vectors = {loc.spec.key: [v for v in (_values_of(c, loc.spec.kinds) for c in rc.cands) if None not in v]
               for loc, rc in rows}
    for key in R1_ROWS:
        vectors.setdefault(key, [])  # an unlocated row is unknown: R1 is not used
    leaves = list(K.result_rows("2021" if with_other_subrows else "2019"))
    if not all(r in vectors for r in leaves):
        leaves = []  # R4 needs every result row
    choice: RowChoice | None = None
    misplaced = layout_evidence(rows)
    if not distrust and not misplaced:
        try:
            choice = choose_rows(vectors, leaves, R1_ROWS, cap)
        except SearchCapped as exc:
            findings.append(Finding(rule="glued_digits_unsolved", severity="warning",
                                    message=f"table 三: column identities not applied ({exc})",
                                    evidence={"reason": str(exc)}, table=table, origin="extraction"))
    if choice is not None and choice.dropped:
        findings.append(Finding(
            rule="glued_identities_infeasible", severity="warning",
            message=f"table 三: no split of the printed digits satisfies {' and '.join(choice.dropped)} "
                    f"together with the other identities; rows chosen without it",
            evidence={"dropped": list(choice.dropped), "used": list(choice.used)}, table=table))
    why = "identities used: " + ", ".join(("R5",) + (choice.used if choice else ()))
    values: list[Value] = []
    for loc, rc in rows:
        # Rows whose cuts hold printed blanks ("/") took no part in the column identities.
        feasible = choice.feasible.get(loc.spec.key) if choice and vectors[loc.spec.key] else None
        v, f = decide(table, loc, rc, feasible, why, distrust, misplaced=misplaced)
        values += v
        findings += f
    return values, findings


# ---- table 四 -------------------------------------------------------------------------------------

REVIEW_COLS = tuple(f"{p.key}.{o.key}" for p in K.PROCEEDINGS for o in K.OUTCOMES)


def locate_reviews(text: str, start: int, cap: int = DEFAULT_CAP) -> tuple[Located, RowCands] | None:
    found = locate_reviews_run(text, start)
    if found is None:
        return None
    header, run, run_end = found
    spec = RowSpec("reviews_litigation", (), None, ("count",) * len(REVIEW_COLS), REVIEW_COLS)
    loc = Located(spec, "行政复议/行政诉讼 …" + header[-12:], 0, run, run_end)
    groups = block_sum_groups(len(K.PROCEEDINGS), len(K.OUTCOMES))
    return loc, row_candidates(run, spec.kinds, groups, cap)


def solve_reviews(loc: Located, rc: RowCands, distrust: str | None) -> tuple[list[Value], list[Finding]]:
    flat, findings = decide(K.TABLE_REVIEWS, loc, rc, None, "identities used: R6", distrust)
    for v in flat:  # the one flat "row" is really 3 proceedings x 5 outcomes
        v.row, v.col = v.col.split(".")
    for f in findings:
        f.cells = [tuple(c.split(".")) for c in REVIEW_COLS]
    return flat, findings


# ---- entry point ------------------------------------------------------------------------------------

def solve_flat_tables(text: str, template: str | None) -> tuple[list[Value], list[Finding]]:
    """Values of tables 二/三/四 recovered from flat text (see module docstring), and findings."""
    text = _PAGE_NUMBER.sub("", text.translate(_FULLWIDTH_DIGITS))
    template = template if template in ("2021", "2019") else detect_template(text)
    if template is None:
        return [], [Finding(rule="glued_template_unknown", severity="info",
                            message="flat text: no 2019/2021 table labels found; nothing recovered",
                            origin="extraction")]
    regions = find_regions(text)
    findings: list[Finding] = []
    active_rows: list[tuple[Located, RowCands]] = []
    app_rows: list[tuple[Located, RowCands]] = []
    with_other_subrows = template == "2021"
    apps_end = 0
    if regions.active:
        located, missing = locate_rows(text, active_specs(template), *regions.active)
        active_rows = [(loc, row_candidates(loc.run, loc.spec.kinds, ())) for loc in located]
        findings += [_missing_finding(K.TABLE_ACTIVE, missing)] if missing else []
    if regions.applications:
        start, stop = regions.applications
        with_other_subrows = bool(re.search(_loose("逾期不补正") + "|" + _loose("缴纳费用"), text[start:stop]))
        located, missing = locate_rows(text, application_specs(with_other_subrows), start, stop)
        group = [row_sum_group(len(K.APPLICANTS))]
        app_rows = [(loc, row_candidates(loc.run, loc.spec.kinds, group)) for loc in located]
        findings += [_missing_finding(K.TABLE_APPLICATIONS, missing)] if missing else []
        apps_end = located[-1].run_end if located else start
    review_row = locate_reviews(text, apps_end)
    distrust = blank_evidence(active_rows + app_rows + ([review_row] if review_row else []))

    values: list[Value] = []
    if active_rows:
        narrative = text[:regions.active[0]]
        after = re.search(r"五\s*、", text[apps_end:])
        narrative += text[apps_end + after.start():] if after else ""
        v, f = solve_active(text, active_rows, template, narrative, distrust)
        values += v
        findings += f
    if app_rows:
        v, f = solve_applications(app_rows, with_other_subrows, distrust)
        values += v
        findings += f
    if review_row:
        v, f = solve_reviews(*review_row, distrust)
        values += v
        findings += f
    return values, findings
