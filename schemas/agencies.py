"""Agency identity rules, as data.

A report names its agency in many ways across years (平潭综合实验区 / …管委会 / …管委会办公室).
The place comes from the administrative-division list of the ``cpca`` package (adcodes); what
remains of the name after the place is the *body*, which these tables normalise.
"""
from __future__ import annotations

# Places the division list does not know (special zones and the like): name -> adcode it sits in.
PLACE_ALIASES: dict[str, str] = {
    "平潭综合实验区": "350128",  # 福建省福州市平潭县; the zone's 管委会 governs the county
    "雄安新区": "130600",  # 河北省保定市 (the new area spans three counties)
    "浦东新区": "310115",
    "滨海新区": "120116",
    "两江新区": "500000",
}

# Bodies that ARE the level's government itself: a report by the government, by its
# administrative committee or by the committee's office (which drafts it) is one agency.
GOVERNMENT_BODIES: tuple[str, ...] = (
    "", "人民政府", "政府", "管委会", "管理委员会", "管委会办公室", "管理委员会办公室",
    "党工委管委会", "党工委管委会办公室",
)
GOVERNMENT_BODY = "人民政府"

# A government's general office publishes its OWN report as a department (上海市人民政府办公厅).
OFFICE_BODIES: tuple[str, ...] = ("人民政府办公室", "人民政府办公厅", "政府办公室", "政府办公厅")
OFFICE_BODY = "人民政府办公厅"

# Endings of township-level bodies.
TOWNSHIP_SUFFIXES: tuple[str, ...] = ("街道办事处", "街道", "镇人民政府", "乡人民政府", "镇", "乡")

# Ministry-level bodies (no place in the name).
MINISTRY_SUFFIXES: tuple[str, ...] = ("部", "委员会", "总局", "总署", "署", "局", "办公厅", "院", "行")

LEVELS = ("ministry", "province", "city", "county", "township", "department", "unknown")
