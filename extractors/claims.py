"""Numbers the narrative states about the tables (or about itself): ``extract_claims(report)``.

Regex-based and deliberately narrow: every pattern is anchored on the wording real reports
use (FORMAT.md §4.4) and returns the clause it matched as the quote, so a validator finding
can show the reader exactly what the text says. Missing a claim costs a check; inventing one
costs a false error, so when in doubt a pattern does not match.

Text is normalised first: PDF text layers put spaces around numbers ("受理 17 件") and wrap
lines mid-sentence, so spaces next to CJK characters are dropped and wrapped lines joined.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from extractors.claims_patterns import (ALL_CLOSED, ALL_NATURAL, ALL_UPHELD, APPLICANT, APPLICANT_WORDS,
                                        APPLICATION_CONTEXT, CATEGORY, CATEGORY_LABELS, DISCLOSURE_CONTEXT,
                                        ITEM, NEEDS_APPLICATION, NONE_RECEIVED, NONE_REVIEW, NOT_APPLICATION,
                                        NO_CARRY, OTHER_BUSINESS, OUTCOME, OUTCOME_WORDS, PATTERNS,
                                        PROCEEDING, PUBLISHED_TOTAL, SPLIT_COUNT, category_key, parse_number)
from extractors.model import Claim, Report

# ---- text normalisation --------------------------------------------------------------------
_FOOTER = re.compile(r"^\s*(?:[-—–]\s*\d+\s*[-—–]|=== page \d+|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)\s*$")
_SPACE_NEAR_CJK = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?=[^\x00-\x7f])")
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d)|[一二三四五六七八九]是)")
_LINE_END = "。！？；：:!?;）)"


def normalise_text(text: str) -> str:
    """Drop page furniture and CJK spacing; join lines that a PDF wrapped mid-sentence."""
    lines = [_SPACE_NEAR_CJK.sub("", ln).strip() for ln in text.replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln and not _FOOTER.match(ln)]
    out: list[str] = []
    for ln in lines:
        if out and _is_wrapped(out[-1], ln):
            out[-1] += ln
        else:
            out.append(ln)
    return "\n".join(out)


def _is_wrapped(prev: str, nxt: str) -> bool:
    # A heading or a finished sentence ends a line for real; a short line is a heading or the
    # tail of a paragraph. Only a long line without closing punctuation was wrapped.
    return len(prev) >= 15 and prev[-1] not in _LINE_END and not _HEADING_START.match(nxt)


_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


@dataclass
class Located:
    """A claim plus where it sits (offsets in the normalised section text)."""
    claim: Claim
    start: int
    sentence: int  # index of its sentence within the section


@dataclass
class BreakdownClaim(Claim):
    """kind "breakdown": the items enumerated after a stated total; value = their sum.

    ``subject`` is "<base kind>=<base value>" so the claim stands alone even when serialised
    without the extra fields.
    """
    items: list[tuple[str, float, float | None]] = field(default_factory=list)  # (label, n, pct)
    base_kind: str = ""
    base_value: float = 0.0
    base_pct: float | None = None
    intro: str = "其中"  # the word that opened the list: 其中 (exhaustive) or 包括 (may be partial)



def extract_claims(report: Report) -> list[Claim]:
    return [loc.claim for loc in located_claims(report)]


def located_claims(report: Report) -> list[Located]:
    out: list[Located] = []
    if report.sections:
        for sec in report.sections:
            out.extend(claims_in_text(sec.text, sec.number, sec.page))
    elif report.text:
        out.extend(claims_in_text(report.text, None, None))
    return out


def claims_in_text(text: str, section: int | None = None, page: int | None = None) -> list[Located]:
    text = normalise_text(text)
    sentences = [(m.start(), m.group(0)) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    found: list[Located] = []
    for idx, (offset, sent) in enumerate(sentences):
        for claim, start in _claims_in_sentence(sent, section, page):
            found.append(Located(claim, offset + start, idx))
    found.sort(key=lambda loc: loc.start)
    breakdowns, covered = _category_breakdowns(found, sentences, section, page)
    found = [loc for loc in found if loc.claim.kind not in ("category_count", "category_pct")
             or id(loc) in covered or APPLICATION_CONTEXT.search(sentences[loc.sentence][1])]
    return found + breakdowns + _published_breakdowns(found, sentences, section, page)


def _claim(kind: str, value: float, quote: str, unit: str | None, subject: str | None,
           section: int | None, page: int | None) -> Claim:
    return Claim(kind=kind, value=value, quote=quote.strip(), unit=unit, subject=subject,
                 section=section, page=page)


def _in_context(kind: str, sent: str) -> bool:
    if kind in NEEDS_APPLICATION:
        return bool(APPLICATION_CONTEXT.search(sent)) and not (
            OTHER_BUSINESS.search(sent) and not re.search(r"公开申请|依申请", sent))
    if kind in ("review_total", "litigation_total"):
        return bool(DISCLOSURE_CONTEXT.search(sent))
    return True


def _is_part(prefix: str) -> bool:
    """"…，其中区政府办受理…" / "其中，…受理…": the number is a part of a larger total."""
    clauses = re.split(r"[，,]", prefix)
    return "其中" in clauses[-1] or (len(clauses) > 1 and clauses[-2].strip().endswith("其中"))


def _claims_in_sentence(sent: str, section: int | None, page: int | None) -> Iterator[tuple[Claim, int]]:
    seen: set[tuple[str, int]] = set()
    received_here: list[float] = []
    for kind, rx in PATTERNS:
        for m in rx.finditer(sent):
            value = parse_number(m.group("n"))
            if value is None or (kind, m.start("n")) in seen or not _in_context(kind, sent):
                continue
            if kind == "received" and NOT_APPLICATION.search(m.groupdict().get("mid") or ""):
                continue
            if kind == "litigation_total" and "复议后" in sent[max(0, m.start() - 3):m.start()]:
                continue
            if kind == "carried_forward" and re.search(r"上一?年度?", sent[max(0, m.start() - 6):m.start()]):
                continue  # "上年结转至2024年3件" is carried over into this year, not forward
            seen.add((kind, m.start("n")))
            span = m.group(0)
            subject = None
            if kind == "received":
                if _is_part(sent[:m.start()]):
                    subject = "part"
                elif re.match(r"[（(]?(?:含|包括|包含)上一?年", sent[m.end():m.end() + 6]):
                    kind = "received_total"
                if subject is None:
                    received_here.append(value)
            if kind == "answered" and value in received_here and "期限内" in span:
                subject = "all_received"  # "受理申请17件，均已在法定期限内予以答复"
            if kind in ("handled", "answered") and SPLIT_COUNT.search(sent):
                subject = "part"  # "按时办结45件，延期办结2件": each figure is only a share
            yield _claim(kind, value, sent, m.group("u"), subject, section, page), m.start("n")
    # "…受理申请17件，均已在法定期限内予以答复": every received application was answered.
    if received_here and re.search(r"[，,](?:均|全部|都)(?:已)?[^。；，\d]{0,10}?答复", sent) \
            and not any(k == "answered" for k, _ in seen):
        yield _claim("answered", received_here[-1], sent, "件", "all_received", section, page), len(sent)
    if received_here:
        yield from _applicant_claims(sent, section, page)
    yield from _outcome_claims(sent, section, page)
    for m in CATEGORY.finditer(sent):
        key = category_key(m.group("label"))
        value = parse_number(m.group("n"))
        if key is None or value is None:
            continue
        # Outside a breakdown of applications these words also describe documents (公文不予公开…);
        # standalone category counts are kept only in sentences about applications (filtered later).
        yield _claim("category_count", value, sent, m.group("u"), key, section, page), m.start("n")
        if m.group("p"):
            yield _claim("category_pct", float(m.group("p")), sent, "%", key, section, page), m.start("p")
    m = NONE_RECEIVED.search(sent)
    if m and not any(k in ("received", "received_total") for k, _ in seen):
        yield _claim("received", 0, sent, "件", "none_stated", section, page), m.start()
    m = NO_CARRY.search(sent)
    if m and not any(k == "carried_forward" for k, _ in seen):
        yield _claim("carried_forward", 0, sent, "件", "none_stated", section, page), m.start()
    for m in NONE_REVIEW.finditer(sent) if DISCLOSURE_CONTEXT.search(sent) else ():
        what = m.group("what")
        if "复议" in what:
            yield _claim("review_total", 0, sent, "件", "none_stated", section, page), m.start()
        if "诉讼" in what:
            yield _claim("litigation_total", 0, sent, "件", "none_stated", section, page), m.start()
    for rx, kind in ((ALL_UPHELD, "all_upheld"), (ALL_CLOSED, "all_closed")):
        m = rx.search(sent)
        if m:
            before = sent[:m.start()]
            scope = "+".join(s for s, w in (("review", "复议"), ("litigation", "诉讼")) if w in before)
            if scope:
                yield _claim(kind, 1, sent, None, scope, section, page), m.start()
    for rx in PUBLISHED_TOTAL:
        for m in rx.finditer(sent):
            if sent[m.end():m.end() + 1] == "余" or "余" in m.group(0):
                continue  # "5500余条" is an approximation, not a total to add up
            value = parse_number(m.group("n"))
            if value is not None:
                yield _claim("published_total", value, sent, "条", None, section, page), m.start("n")



def _applicant_claims(sent: str, section: int | None, page: int | None) -> Iterator[tuple[Claim, int]]:
    """"收到申请75件，涉及自然人72件、商业企业3件" / "均为自然人提交"."""
    for m in APPLICANT.finditer(sent):
        value = parse_number(m.group("n"))
        if value is not None:
            yield _claim("received_by_applicant", value, sent, "件", APPLICANT_WORDS[m.group("who")],
                         section, page), m.start("n")
    m = ALL_NATURAL.search(sent)
    if m:
        yield _claim("all_natural_person", 1, sent, None, "natural_person", section, page), m.start()


def _outcome_claims(sent: str, section: int | None, page: int | None) -> Iterator[tuple[Claim, int]]:
    """"行政复议351件，其中结果维持72件，结果纠正64件…": outcome counts follow their proceeding."""
    if not DISCLOSURE_CONTEXT.search(sent):
        return
    marks = [(m.start(), "review" if "复议" in m.group(0) else "litigation") for m in PROCEEDING.finditer(sent)]
    for m in OUTCOME.finditer(sent):
        before = [scope for pos, scope in marks if pos < m.start()]
        value = parse_number(m.group("n"))
        if before and value is not None:
            yield _claim(f"{before[-1]}_outcome", value, sent, m.group("u"), OUTCOME_WORDS[m.group("what")],
                         section, page), m.start("n")


_BASE_KINDS = ("answered", "handled", "received", "received_total", "category_base")


def _category_breakdowns(found: list[Located], sentences: list[tuple[int, str]],
                         section: int | None, page: int | None) -> tuple[list[Located], set[int]]:
    """A run of sentences carrying category counts, right after (or in) a sentence with a total.

    Returns the breakdown claims and the ids of the category claims that belong to one.
    """
    by_sentence: dict[int, list[Located]] = {}
    for loc in found:
        by_sentence.setdefault(loc.sentence, []).append(loc)
    out: list[Located] = []
    covered: set[int] = set()
    idx, n = 0, len(sentences)
    while idx < n:
        cats = [c for c in by_sentence.get(idx, []) if c.claim.kind == "category_count"]
        if not cats:
            idx += 1
            continue
        run = list(cats)
        end = idx + 1
        while end < n and any(c.claim.kind == "category_count" for c in by_sentence.get(end, [])):
            run += [c for c in by_sentence[end] if c.claim.kind == "category_count"]
            end += 1
        base = _base_before(by_sentence, idx, run[0].start, sentences)
        if base is not None:
            covered |= {id(c) for j in range(idx, end) for c in by_sentence.get(j, [])
                        if c.claim.kind in ("category_count", "category_pct")}
            run = _without_subrows(run)
            if len(run) >= 2:
                out.append(_make_breakdown(base, run, found, sentences, idx, end, section, page))
        idx = end
    return out, covered


_GROUP_OF = {key: group for group in ("withheld", "unavailable", "rejected") for _, key in CATEGORY_LABELS
             if key.startswith(group + "_")} | {"disclosed": "disclosed+partially_disclosed",
                                                 "partially_disclosed": "disclosed+partially_disclosed"}


def _without_subrows(run: list[Located]) -> list[Located]:
    """"无法提供31件，其中本机关不掌握29件": the sub-row is inside its group, not a further item."""
    listed = {c.claim.subject for c in run}
    return [c for c in run if _GROUP_OF.get(c.claim.subject or "") not in listed]


def _base_before(by_sentence: dict[int, list[Located]], idx: int, first_start: int,
                 sentences: list[tuple[int, str]]) -> Located | None:
    # Same sentence before the first item, else up to two sentences back ("…共9项。其中：").
    for j in range(idx, max(-1, idx - 3), -1):
        cands = [c for c in by_sentence.get(j, []) if c.claim.kind in _BASE_KINDS
                 and c.claim.subject != "part" and (j < idx or c.start < first_start)]
        if cands:
            return cands[-1]
        if j < idx and any(c.claim.kind == "category_count" for c in by_sentence.get(j, [])):
            return None
    return None


def _make_breakdown(base: Located, run: list[Located], found: list[Located],
                    sentences: list[tuple[int, str]], first: int, end: int,
                    section: int | None, page: int | None) -> Located:
    pcts = {(c.sentence, c.claim.subject, c.claim.quote): c.claim.value for c in found
            if c.claim.kind == "category_pct"}
    items = [(c.claim.subject or "", c.claim.value, pcts.get((c.sentence, c.claim.subject, c.claim.quote)))
             for c in run]
    base_sentence = sentences[base.sentence][1]
    m = re.search(r"(?:占[^。；，\d]{0,6}?)?(100(?:\.0+)?)\s*[%％]", base_sentence)
    quote = "".join(s for _, s in sentences[base.sentence:end])
    claim = BreakdownClaim(kind="breakdown", value=sum(v for _, v, _ in items), quote=quote.strip(),
                           unit=base.claim.unit, subject=f"{base.claim.kind}={base.claim.value:g}",
                           section=section, page=page, items=items, base_kind=base.claim.kind,
                           base_value=base.claim.value, base_pct=float(m.group(1)) if m else None)
    return Located(claim, run[-1].start, first)


def _published_breakdowns(found: list[Located], sentences: list[tuple[int, str]],
                          section: int | None, page: int | None) -> list[Located]:
    """"共公布政府信息2599条，(其中机构职能类信息25条，…)": the items at the same bracket depth."""
    out: list[Located] = []
    for loc in found:
        if loc.claim.kind != "published_total":
            continue
        offset, sent = sentences[loc.sentence]
        rel = loc.start - offset
        after = sent[rel:]
        m = re.search(r"^[^，,（(]*?条[^，,（(其包]{0,10}?[，,]?\s*[（(]?(?P<intro>其中|包括)[：:，,]?", after)
        if not m:
            continue
        items = _items_at_depth(after[m.end():])
        if re.search(r"(?:条|件|项)等", after[m.end():]):
            continue  # "…76条等": the list does not claim to be complete
        if len(items) >= 2:
            claim = BreakdownClaim(kind="breakdown", value=sum(v for _, v, _ in items), quote=sent.strip(),
                                   unit="条", subject=f"published_total={loc.claim.value:g}",
                                   section=section, page=page, items=items, base_kind="published_total",
                                   base_value=loc.claim.value, intro=m.group("intro"))
            out.append(Located(claim, loc.start, loc.sentence))
    return out


def _items_at_depth(text: str) -> list[tuple[str, float, float | None]]:
    """Items "label N条" outside nested (…) sub-lists; stop at the bracket that closes the list."""
    kept, depth = [], 0
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth < 0:
                break
        elif depth == 0:
            kept.append(ch)
    items: list[tuple[str, float, float | None]] = []
    for m in ITEM.finditer("".join(kept)):
        value = parse_number(m.group("n"))
        if value is not None:
            label = re.sub(r"^[、，,\s]*(?:其中[：:]?)?", "", m.group("label")).strip("“”\" ")
            items.append((label, value, None))
    return items
