"""Parse one printed table cell into a number (with unit) or a recognised blank.

Choices (documented because validators and writers rely on them):
- Blank, "/", "-", "—", "－", "无", "——" and friends mean "nothing printed": value None, kind "blank".
- Full-width digits and signs are folded (NFKC); thousands separators are dropped; "&nbsp;" padding
  is dropped. Digits separated by whitespace ("3 0", "2 0") are kind "ambiguous", value None: it may
  be one number split over spans or two cells merged by a reader, and guessing would invent data
  (joining spans is the reader's job).
- A number without a decimal part is an ``int``; with a decimal part it is the ``float`` of the
  printed text (``float("24252.311082")`` round-trips exactly as printed).
- Counts (表三/表四) that print a decimal ("3.5") keep the float, so a validation rule can flag
  the non-integer; nothing is rounded here.
- A unit printed inside the cell ("75394432.52元", "3件", "1.2万元") is split off into ``unit``.
- Text that is neither a number nor a blank marker (a label, "详见附件") is kind "text", value None.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Marks that print "nothing here" in a value cell (compared after NFKC + whitespace removal).
NULL_MARKERS = frozenset({"", "/", "／", "\\", "-", "--", "—", "——", "–", "－", "无", "空", "×", "/ /",
                          "…", "...", "——/"})
UNITS = ("万元", "亿元", "元", "个", "件", "项", "条", "次", "人", "宗", "起", "%")

_WS = re.compile(r"[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+")
_NUMBER = re.compile(
    r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?P<unit>"
    + "|".join(re.escape(u) for u in UNITS) + r")?$")


@dataclass(frozen=True)
class Parsed:
    value: int | float | None
    unit: str | None
    kind: str  # number | blank | ambiguous | text

    @property
    def is_value_like(self) -> bool:
        """True for cells that hold (or stand for) a value: numbers and blank markers."""
        return self.kind != "text"


def clean(text: str | None) -> str:
    """NFKC-fold and drop all whitespace (incl. nbsp, ideographic space, zero-width)."""
    if text is None:
        return ""
    return _WS.sub("", unicodedata.normalize("NFKC", text)).replace("\u2212", "-")  # U+2212 minus sign


_SPLIT_DIGITS = re.compile(r"\d[\s\u00a0\u3000]+[+-]?\d")


def parse_cell(text: str | None) -> Parsed:
    if text and _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", text)):
        return Parsed(None, None, "ambiguous")
    s = clean(text)
    # NFKC leaves some dash look-alikes; treat them as blank markers when alone.
    if s in NULL_MARKERS or set(s) <= set("/／-—–－_"):
        return Parsed(None, None, "blank")
    m = _NUMBER.match(s.replace("，", ","))
    if not m:
        return Parsed(None, None, "text")
    digits = m.group("int").replace(",", "")
    sign = -1 if m.group("sign") == "-" else 1
    frac = m.group("frac")
    if frac is None:
        value: int | float = sign * int(digits)
    else:
        value = float(f"{'-' if sign < 0 else ''}{digits}.{frac}")
    return Parsed(value, m.group("unit"), "number")


def is_blank(text: str | None) -> bool:
    return parse_cell(text).kind == "blank"
