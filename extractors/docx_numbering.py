"""Word list numbering (numbering.xml) rendered as printed text, for ``extractors.docx``.

Why: Word headings are often auto-numbered ("一、" comes from ``numbering.xml``, not from the
text), and the normaliser anchors sections on that numeral. Counters follow Word: shared per
abstract numbering, restarted by ``startOverride``, sub-levels reset by a new upper-level item.
"""
from __future__ import annotations

import re

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _val(el, path: str, default=None):
    found = el.find(path) if el is not None else None
    return found.get(W + "val", default) if found is not None else default


_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _chinese_counting(n: int, digits: str = _CN_DIGITS) -> str:
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return "".join(digits[int(d)] for d in str(n))  # rare in reports; keep it readable


def _roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                 (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


def _letters(n: int) -> str:
    n = max(n, 1)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCountingThousand",
               "japaneseCounting"):
        return _chinese_counting(n)
    if fmt == "chineseLegalSimplified":
        return _chinese_counting(n, _CN_LEGAL)
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "decimalFullWidth":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class Numbering:
    """Turns a paragraph's numPr (direct or through its style) into the printed label."""

    def __init__(self, doc):
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractId -> ilvl -> (start, fmt, text)
        self.num_abstract: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.style_numpr: dict[str, tuple[str | None, int]] = {}
        self._load(doc)

    def _load(self, doc) -> None:
        try:
            root = doc.part.numbering_part.element
        except Exception:  # no numbering part: nothing is numbered
            root = None
        if root is not None:
            for an in root.findall(W + "abstractNum"):
                lv = {}
                for lvl in an.findall(W + "lvl"):
                    ilvl = int(lvl.get(W + "ilvl", "0"))
                    lv[ilvl] = (int(_val(lvl, W + "start", "1") or 1), _val(lvl, W + "numFmt", "decimal"),
                                _val(lvl, W + "lvlText", "") or "")
                self.levels[an.get(W + "abstractNumId")] = lv
            for num in root.findall(W + "num"):
                nid = num.get(W + "numId")
                self.num_abstract[nid] = _val(num, W + "abstractNumId")
                ov = {}
                for o in num.findall(W + "lvlOverride"):
                    start = _val(o, W + "startOverride")
                    if start is not None:
                        ov[int(o.get(W + "ilvl", "0"))] = int(start)
                self.overrides[nid] = ov
        try:
            styles = doc.styles.element.findall(W + "style")
        except Exception:
            styles = []
        based: dict[str, str] = {}
        for st in styles:
            sid = st.get(W + "styleId")
            parent = _val(st, W + "basedOn")
            if parent:
                based[sid] = parent
            numpr = st.find(f"{W}pPr/{W}numPr")
            if numpr is not None:
                self.style_numpr[sid] = (_val(numpr, W + "numId"), int(_val(numpr, W + "ilvl", "0") or 0))
        for sid in list(based):  # inherit numbering through basedOn chains
            seen, cur = set(), sid
            while cur not in self.style_numpr and cur in based and cur not in seen:
                seen.add(cur)
                cur = based[cur]
            if cur in self.style_numpr and sid not in self.style_numpr:
                self.style_numpr[sid] = self.style_numpr[cur]

    def label(self, p, style_id: str | None) -> str:
        numpr = p.find(f"{W}pPr/{W}numPr")
        num_id, ilvl = None, 0
        if style_id in self.style_numpr:
            num_id, ilvl = self.style_numpr[style_id]
        if numpr is not None:
            num_id = _val(numpr, W + "numId", num_id)
            ilvl = int(_val(numpr, W + "ilvl", str(ilvl)) or 0)
        if not num_id or num_id == "0" or num_id not in self.num_abstract:
            return ""
        aid = self.num_abstract[num_id]
        levels = self.levels.get(aid, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in self.overrides.get(num_id, {}).items():
                counters[lvl] = start - 1
        start = levels[ilvl][0]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new item restarts its sub-levels
        text = levels[ilvl][2]

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            return format_number(counters.get(k, levels[k][0]), levels[k][1])

        out = re.sub(r"%(\d)", sub, text)
        if levels[ilvl][1] == "bullet" or not out.strip():
            return ""
        # "一、" needs no separator; "1" or "(1)" followed by text reads better with a space.
        return out if out[-1] in "、，,.．）)：:" else out + " "
