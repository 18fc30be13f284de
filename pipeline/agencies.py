"""A stable agency_id and an administrative place for every report.

The place (province, city, county) comes from the ``cpca`` package's administrative-division
list (adcodes of the national 行政区划代码); township names are taken from the name itself.
``agency_id`` = ``<12-digit adcode>:<normalised body>``, so 平潭综合实验区 / 平潭综合实验区管委会 /
平潭综合实验区管委会办公室 share one id, while 上海市人民政府办公厅 (a department with its own report)
stays apart from 上海市人民政府. The rules are data in ``schemas/agencies.py``.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from schemas import agencies as rules


@dataclass(frozen=True)
class Agency:
    agency_id: str
    canonical_name: str
    province: str | None
    city: str | None
    county: str | None
    township: str | None
    level: str
    adcode: str | None
    body: str


def _clean(name: str) -> str:
    return re.sub(r"[\s\u3000]+", "", name or "")


@lru_cache(maxsize=4096)
def _place(name: str) -> tuple[str | None, str | None, str | None, str | None, str]:
    """(adcode, province, city, county, rest of the name after the place)."""
    for alias, code in rules.PLACE_ALIASES.items():
        if name.startswith(alias):
            p, c, k = _names(code)
            return code.ljust(12, "0"), p, c, k or alias, name[len(alias):]
    try:
        import cpca
    except ImportError:  # pragma: no cover - cpca is a declared dependency
        return None, None, None, None, name
    row = cpca.transform([name]).iloc[0]
    code = row.get("adcode")
    if not isinstance(code, str) or not code:
        return None, None, None, None, name
    rest = row.get("地址") if isinstance(row.get("地址"), str) else ""
    p, c, k = _names(code)
    return code.ljust(12, "0"), p, c, k, rest


def _names(code: str) -> tuple[str | None, str | None, str | None]:
    import cpca

    code = code.ljust(6, "0")[:6]
    province = cpca.adcode_name(code[:2] + "0000")
    city = cpca.adcode_name(code[:4] + "00") if code[2:4] != "00" else None
    county = cpca.adcode_name(code) if code[4:6] != "00" else None
    if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city = None
    return province, city, county


def _level(code: str | None, body: str) -> str:
    if any(body.endswith(s) for s in rules.TOWNSHIP_SUFFIXES):
        return "township"
    if body not in (rules.GOVERNMENT_BODY,):
        return "department" if code else (
            "ministry" if any(body.endswith(s) for s in rules.MINISTRY_SUFFIXES) else "unknown")
    if code is None:
        return "unknown"
    c = code[:6]
    if c[2:] == "0000":
        return "province"
    if c[4:] == "00":
        return "city"
    return "county"


def _normalise_body(rest: str) -> str:
    rest = rest.strip("（）()")
    if rest in rules.GOVERNMENT_BODIES:
        return rules.GOVERNMENT_BODY
    if rest in rules.OFFICE_BODIES:
        return rules.OFFICE_BODY
    return rest


def identify(name: str | None) -> Agency:
    clean = _clean(name or "")
    if not clean:
        return Agency("unknown", "", None, None, None, None, "unknown", None, "")
    code, province, city, county, rest = _place(clean)
    body = _normalise_body(rest)
    township = None
    m = re.match(r"^(.+?(?:街道|镇|乡))", body)
    if m and any(body.endswith(s) for s in rules.TOWNSHIP_SUFFIXES):
        township = m.group(1)
        body = township  # 什刹海街道 / 什刹海街道办事处 are one body
    alias = next((a for a in rules.PLACE_ALIASES if clean.startswith(a)), None)
    if alias:  # a special zone is known by its own name, not by the county it sits in
        canonical = alias + ("" if body == rules.GOVERNMENT_BODY else body)
    else:
        canonical = "".join(x for x in (province, city, county) if x) + body if code else clean
    agency_id = f"{code}:{body}" if code else f"name:{clean}"
    return Agency(agency_id, canonical or clean, province, city, county, township,
                  _level(code, body), code, body)


def agency_rows(names: list[str | None]) -> list[dict]:
    """The ``agencies`` dataset: one row per agency_id with every name variant seen."""
    by_id: dict[str, dict] = {}
    for n in names:
        a = identify(n)
        row = by_id.setdefault(a.agency_id, {**asdict(a), "variants": []})
        if n and n not in row["variants"]:
            row["variants"].append(n)
    return list(by_id.values())
