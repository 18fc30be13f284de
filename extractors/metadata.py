"""Report metadata from a Document: title, agency, year, template, sections.

- Title/agency/year: the report names itself in its title ("北京市西城区什刹海街道2024年政府信息公开
  工作年度报告", "2019年上海市人民政府办公厅政府信息公开工作年度报告"); PDFs often break it over two
  lines ("淮安市洪泽区人民政府" / "2024 年政府信息公开工作年度报告") and carry junk metadata titles, so
  the candidates are the document title and the whitespace-free head of the text.
- Template: from header labels (schemas/labels.py TEMPLATE_MARKERS), never from the year.
- Sections: headings 一…六 (or 1、…6、) whose keyword agrees with the numeral, in increasing
  order, so table-internal "一、本年新收…四、结转下年度继续办理" and sub-headings "（一）" never match.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractors.document import Document
from extractors.model import Section
from extractors.tables import norm
from schemas import labels as L

_WS = re.compile(r"[\s\u00a0\u3000]+")
_TITLE_WORDS = "|".join(re.escape(w) for w in sorted(L.REPORT_TITLE_WORDS, key=len, reverse=True))
# agency before the year: "平潭综合实验区2021年度政府信息公开工作年度报告"
_AGENCY_YEAR = re.compile(r"(?P<agency>[^\d，。；：:（）()《》“”]{2,40}?)[（(]?(?P<year>(?:19|20)\d{2})年度?[）)]?"
                          r"(?:政府)?(?:信息公开|政务公开)")
# year before the agency: "2019年上海市人民政府办公厅政府信息公开工作年度报告"
_YEAR_AGENCY = re.compile(r"(?P<year>(?:19|20)\d{2})年度?(?P<agency>[^\d，。；：:（）()《》“”]{2,40}?)"
                          r"(?:政府信息公开|信息公开|政务公开)(?:工作)?年度?报告")
_PERIOD = re.compile(r"((?:19|20)\d{2})年1月1日")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_AGENCY_NOISE = re.compile(r"^(?:标题|当前位置|首页)[:：]?")


def compact(text: str) -> str:
    return _WS.sub("", text or "")


def head_text(doc: Document, n_chars: int = 400) -> str:
    """Whitespace-free start of the narrative (where the title lives)."""
    out, size = [], 0
    for text, _ in doc.iter_text():
        c = compact(text)
        out.append(c)
        size += len(c)
        if size >= n_chars:
            break
    return "".join(out)[: n_chars * 2]


@dataclass
class TitleInfo:
    title: str | None
    agency: str | None
    year: int | None


def _clean_agency(agency: str) -> str:
    agency = _AGENCY_NOISE.sub("", agency)
    agency = re.sub(r"^关于|关于$", "", agency)  # "XX市人民政府办公室关于2021年…年度报告"
    # crawler chrome before the title ("…年报平潭综合实验区"): keep what follows the last separator
    agency = re.split(r"[_|｜>＞»\]】]", agency)[-1]
    return agency.strip(" -—_")


def _match_title(text: str) -> TitleInfo | None:
    # Agency before the year is the common form; "2019年<agency>政府信息公开…" only when nothing precedes.
    for rx in (_AGENCY_YEAR, _YEAR_AGENCY):
        m = rx.search(text)
        if m:
            agency = _clean_agency(m.group("agency"))
            if len(agency) < 2 or agency in ("政府", "本年", "年度"):
                continue
            start = m.start("year") if rx is _YEAR_AGENCY else m.end("agency") - len(agency)
            title_end = re.search(_TITLE_WORDS, text[start:])
            title = text[start: start + title_end.end()] if title_end else text[start: m.end()]
            return TitleInfo(title, agency or None, int(m.group("year")))
    return None


def title_info(doc: Document) -> TitleInfo:
    candidates = [compact(doc.title or "")] + [compact(p.text) for p in doc.paragraphs[:8]] + [head_text(doc)]
    for cand in candidates:
        if cand and re.search(_TITLE_WORDS, cand):
            info = _match_title(cand[:300])
            if info:
                break
    else:
        info = TitleInfo(None, None, None)
    if info.year is None:
        info.year = report_year(doc)
    return info


def report_year(doc: Document) -> int | None:
    text = compact(doc.text)
    m = _PERIOD.search(text)
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in _YEAR.findall(text[:3000]))
    return years.most_common(1)[0][0] if years else None


def is_notice_title(title: str | None) -> bool:
    """A notice ABOUT annual reports (关于做好…年度报告编制工作的通知, 关于印发…格式的通知)."""
    # only the title proper: portals append "_<column>_<site>" (a column may be called 通知公告)
    t = re.split(r"[_|｜]", compact(title or ""))[0]
    if not t:
        return False
    return any(w in t for w in L.NOTICE_TITLE_WORDS) or (t.startswith("关于") and not t.endswith("报告"))


def looks_like_report(doc: Document) -> bool:
    """The title or head clearly says 政府信息公开(工作)年度报告 (used when no table decides)."""
    cands = [doc.title or "", head_text(doc)]
    return any(re.search(_TITLE_WORDS, compact(c)) for c in cands)


# ---- template --------------------------------------------------------------------------------------
def marker_counts(doc: Document) -> dict[str, int]:
    """How many distinct template markers occur in table cells (and, failing that, in the text)."""
    cells = "|".join(norm(c.text) for t in doc.tables for c in t.cells)
    counts = {tpl: sum(1 for m in marks if m in cells) for tpl, marks in L.TEMPLATE_MARKERS.items()}
    if not any(counts.values()):  # tables absent or unrelated: flat text carries the labels
        text = norm(doc.text)
        counts = {tpl: sum(1 for m in marks if m in text) for tpl, marks in L.TEMPLATE_MARKERS.items()}
        # one marker word in prose ("政府集中采购") is no table; a flattened header prints several
        counts = {tpl: (n if n >= 2 else 0) for tpl, n in counts.items()}
    return counts


def detect_template(doc: Document, year: int | None = None) -> str | None:
    """'2021', '2019', 'pre2019' or None (nothing recognised). 2021 markers win over 2019 ones:
    reports mixing layouts (a 2021 表二 with the single 2019 （六） row) are 2021 reports.

    Only when a table 三 is printed without any telling label (no 表二, single （六） row) does the
    report year break the tie: the 2021 format applies to reports on 2021 and later."""
    counts = marker_counts(doc)
    if counts["2021"]:
        return "2021"
    if counts["2019"]:
        return "2019"
    if counts["pre2019"]:
        return "pre2019"
    text = norm(doc.text)
    cells = "".join(norm(c.text) for t in doc.tables for c in t.cells)
    has_t3 = any(m in cells or m in text for m in L.APPLICATIONS_PRESENT_MARKERS)
    if not has_t3 and "依申请" in text and looks_like_report(doc):
        return "pre2019"
    if has_t3 and year is not None:
        return "2021" if year >= 2021 else "2019"
    return None


# ---- sections --------------------------------------------------------------------------------------
_HEADING = re.compile(r"^\s*(?P<num>[一二三四五六七]|[1-7])\s*[、.．，,:：]\s*(?P<rest>.*)$", re.S)
# a heading inside a flat paragraph: after a sentence end, "三、收到和处理…情况" (CJK numerals only)
_INLINE_HEADING = re.compile(r"(?<=[。；;！!？?\d])\s*(?P<num>[一二三四五六])、(?=(?P<rest>[^。；]{2,40}))")
# Arabic-numbered headings ("1、 总体情况", seed) collide with list items ("2.围绕…主动公开力度"):
# accept them only with a heading-like ending.
_HEADING_ENDING = re.compile(r"(?:情况|事项|措施|概述)$")


def _section_number(num: str, rest: str, template: str) -> int | None:
    n = L.SECTION_NUMERALS.get(num) or (int(num) if num.isdigit() else None)
    if n is None or n > 6:
        return None
    words = (L.SECTION_KEYWORDS_PRE2019 if template == "pre2019" else L.SECTION_KEYWORDS).get(n, ())
    # only the words before the first digit or next numeral count: flat text glues table-internal
    # "四、结转下年度继续办理1000001" to the next heading "四、政府信息公开行政复议…"
    head = norm(re.split(r"\d|[一二三四五六]、", rest, maxsplit=1)[0])[:30]
    if num.isdigit() and not _HEADING_ENDING.search(head):
        return None
    return n if any(w in head for w in words) else None


def _inline_title_end(rest: str, n: int, template: str) -> int:
    """Where an inline heading's title ends: after its keyword and a usual ending (情况/事项)."""
    words = (L.SECTION_KEYWORDS_PRE2019 if template == "pre2019" else L.SECTION_KEYWORDS)[n]
    cut = min((rest.find(w) + len(w) for w in words if w in rest), default=len(rest))
    tail = re.match(r"[^0-9，。]{0,14}?(?:情况|事项|措施)", rest[cut:])
    return cut + (tail.end() if tail else 0)


def _segments(paras: list[tuple[str, int | None]], template: str) -> list[tuple[str, int | None, bool]]:
    """Paragraphs, with flat paragraphs cut before each inline section heading (flag: was cut)."""
    out: list[tuple[str, int | None, bool]] = []
    for text, page in paras:
        cuts = [m.start("num") for m in _INLINE_HEADING.finditer(text)
                if _section_number(m.group("num"), m.group("rest"), template)]
        bounds = [0] + cuts + [len(text)]
        out.extend((text[a:b], page, bool(cuts)) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip())
    return out


def split_sections(doc: Document, template: str) -> list[Section]:
    """Sections 一…六 from the narrative paragraphs (tables excluded), numbers increasing."""
    paras = [(t, p) for t, p in doc.iter_text() if t and t.strip()]
    sections: list[Section] = []
    body: list[str] = []
    last = 0
    for text, page, was_cut in _segments(paras, template):
        m = _HEADING.match(text)
        n = _section_number(m.group("num"), m.group("rest"), template) if m else None
        if n is not None and n > last:
            if sections:
                sections[-1].text = "\n".join(body)
            body = []
            if len(compact(text)) <= 60 and not was_cut and "。" not in text:
                title = " ".join(text.split())
            else:  # heading followed by its body in the same paragraph
                rest = m.group("rest")
                cut = _inline_title_end(rest, n, template)
                title = f"{m.group('num')}、{rest[:cut].strip()}"
                body.append(rest[cut:].strip())
            sections.append(Section(n, title, "", page))
            last = n
        elif sections:
            body.append(text)
    if sections:
        sections[-1].text = "\n".join(body)
    return sections
