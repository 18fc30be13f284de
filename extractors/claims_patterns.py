"""The wording the claims extractor looks for, as data: numbers, category labels and patterns.

Each pattern is anchored on phrasing seen in real reports (FORMAT.md §4.4); ``extractors/claims.py``
applies them sentence by sentence. Every count pattern has a named group ``n`` (the number) and
``u`` (its unit).
"""
from __future__ import annotations

import re

# ---- numbers -----------------------------------------------------------------------------
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
NUM = r"(?P<n>\d+(?:[,，]\d{3})*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
PCT = r"(?P<p>\d+(?:\.\d+)?)\s*[%％]"
COUNT_UNIT = r"(?P<u>件|项|起|宗|个|份|条)"


def parse_number(text: str) -> float | None:
    """Arabic ("1,234", "12.5") or small Chinese numerals ("两", "十二", "一百零五")."""
    text = text.strip()
    if not text:
        return None
    if text[0].isdigit():
        try:
            return float(text.replace(",", "").replace("，", ""))
        except ValueError:
            return None
    total, digit = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (1 if digit is None else digit) * CN_UNITS[ch]
            digit = None
        else:
            return None
    return float(total + (digit or 0))


# ---- category labels of table 三 (most specific first) ---------------------------------------
CATEGORY_LABELS: tuple[tuple[str, str], ...] = (
    (r"予以公开(?:[”\"」』]?)(?:或|及|和|与|、|或者)(?:[“\"「『]?)部分公开", "disclosed+partially_disclosed"),
    (r"本机关不掌握(?:相关政府信息)?", "unavailable_not_held"),
    (r"没有现成信息(?:需要另行制作)?", "unavailable_needs_creation"),
    (r"信访举报投诉(?:类申请)?", "rejected_complaint"),
    (r"重复申请", "rejected_duplicate"),
    (r"属于国家秘密", "withheld_state_secret"),
    (r"不予公开", "withheld"),
    (r"无法提供", "unavailable"),
    (r"不予处理", "rejected"),
    (r"其他处理", "other"),
    (r"部分公开", "partially_disclosed"),
    (r"予以公开", "disclosed"),
)
CATEGORY = re.compile(
    r"(?P<label>" + "|".join(f"(?:{p})" for p, _ in CATEGORY_LABELS) + r")[”\"」』]?(?:的|申请|类)?(?:共|为)?"
    + NUM + r"\s*" + COUNT_UNIT + r"(?:[，,（(]?\s*占[^。；，\d]{0,6}?" + PCT + r")?")


def category_key(label: str) -> str | None:
    for pattern, key in CATEGORY_LABELS:
        if re.fullmatch(pattern, label):
            return key
    return None


# ---- simple patterns: (kind, regex, unit) ------------------------------------------------------
NOT_APPLICATION = re.compile(r"复议|诉讼|诉求|举报|投诉|建议|提案|信访")
# Sentences about hotlines, complaints or proposals use the same verbs (收到/办结/答复).
OTHER_BUSINESS = re.compile(r"咨询|投诉|诉求|留言|建议|提案|信访|热线|来电|工单|12345")
APPLICATION_CONTEXT = re.compile(r"申请")
NEEDS_APPLICATION = frozenset({"received", "handled", "answered", "carried_forward", "carried_over",
                                "category_base"})
# Review organs (司法局) also report their general caseload: only disclosure cases count.
DISCLOSURE_CONTEXT = re.compile(r"信息公开|政府信息")
APPLY = r"(?:收到|受理|接收|接到|新收)"
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("received", re.compile(APPLY + r"(?P<mid>[^。；，\d“”\"]{0,30}?申请[^。；，\d]{0,8}?)(?:总数|总量|数量)?(?:共计|合计|总计|共)?"
                            r"(?:为|是)?" + NUM + r"\s*(?P<u>件|宗)")),
    ("received", re.compile(r"(?:共|累计)?" + APPLY + r"(?P<mid>[^。；，\d]{0,6}?)" + NUM + r"\s*(?P<u>件|宗)"
                            r"(?:[^。；，\d]{0,8}?)申请")),
    ("answered", re.compile(r"答复[^。；，\d]{0,16}?申请[^。；，\d]{0,4}?" + NUM + r"\s*(?P<u>件|项)")),
    ("answered", re.compile(r"(?<![予以])答复(?:申请)?(?:共计|共)?" + NUM + r"\s*(?P<u>件|项)")),
    ("answered", re.compile(r"已答复的?" + NUM + r"\s*(?P<u>件|项)")),
    ("answered", re.compile(r"申请的?" + NUM + r"\s*(?P<u>件|项)(?:事项|申请)?[，,]?(?:已|均已|均|全部)?"
                            r"(?:按照规定|按规定|依法)?在?(?:法定)?期限内(?:予以)?答复")),
    ("category_base", re.compile(r"可以答复是否公开的?(?:共)?" + NUM + r"\s*(?P<u>件|项)")),
    ("handled", re.compile(r"办结[^。；，\d%％]{0,16}?" + NUM + r"\s*(?P<u>件|项)(?![^。；，]{0,3}[%％])")),
    ("carried_forward", re.compile(NUM + r"\s*(?P<u>件|项)[^。；，\d]{0,16}?(?:结转|顺延)(?:至|到)?下一?年")),
    ("carried_forward", re.compile(r"结转(?:至|到)?(?:下一?年度?|\d{4}年度?)[^。；，\d]{0,8}?" + NUM + r"\s*(?P<u>件|项)")),
    ("carried_over", re.compile(r"(?:上一?年度?|上年)结转(?:的)?(?:申请)?(?:共)?" + NUM + r"\s*(?P<u>件|项)")),
    ("review_total", re.compile(r"行政复议(?:案件|申请)?(?:共|数量为|为)?" + NUM + r"\s*(?P<u>件|起|宗)")),
    ("litigation_total", re.compile(r"(?:行政)?诉讼(?:案件)?(?:共|数量为|为)?" + NUM + r"\s*(?P<u>件|起|宗)")),
    ("normative_in_force", re.compile(r"现行有效的?(?:行政)?规范性文件(?:共|为)?" + NUM + r"\s*(?P<u>件)")),
    ("normative_issued", re.compile(r"(?:制发|印发)的?(?:行政)?规范性文件(?:共|为)?" + NUM + r"\s*(?P<u>件)")),
    ("normative_published", re.compile(r"政策、?规范性文件类信息" + NUM + r"\s*(?P<u>条)")),
    ("staff_fulltime", re.compile(r"专职(?:工作)?人员(?:数|数量)?(?:为|有|共)?" + NUM + r"\s*(?P<u>人|名)")),
    ("staff_fulltime", re.compile(NUM + r"\s*(?P<u>名|人)专职")),
    ("staff_parttime", re.compile(r"兼职(?:工作)?人员(?:数|数量)?(?:为|有|共)?" + NUM + r"\s*(?P<u>人|名)")),
    ("staff_parttime", re.compile(NUM + r"\s*(?P<u>名|人)兼职")),
    ("staff_total", re.compile(r"(?<![专兼]职)(?:从事|负责)[^。；，\d]{0,16}?(?:工作)?人员(?:共|数|为)*"
                               + NUM + r"\s*(?P<u>人|名)")),
)
NONE_REVIEW = re.compile(r"(?:未发生|未出现|没有发生|没有|无)(?:因政府信息公开(?:工作)?(?:申请)?(?:引起|引发|而被申请|被申请)?的?)?"
                          r"(?P<what>行政复议(?:[、和及与或](?:提起)?行政诉讼)?|行政诉讼)(?:案件|情况|的情况)?(?=[。；，,]|$)")
NONE_RECEIVED = re.compile(r"(?:未|没有)(?:收到|受理|接到)(?:过)?(?:任何)?[^。；，\d]{0,8}?信息公开申请")
SPLIT_COUNT = re.compile(r"(?:延期|逾期|超期|延长|当场)(?:期限)?(?:办结|答复)")
NO_CARRY = re.compile(r"(?:无|没有|不存在|未有)(?:申请)?(?:结转|顺延)(?:至|到)?(?:下一?年度?)?|均已办结[^。；，]{0,4}?无结转")
ALL_UPHELD = re.compile(r"均(?:获|被|予以)?维持|全部(?:获得?)?维持")
ALL_CLOSED = re.compile(r"均已(?:结案|审结)|全部(?:结案|审结)")
PUBLISHED_TOTAL = (
    re.compile(r"(?:公布|公开|发布)(?:了)?[^。；，\d]{0,12}?信息(?:共计|共|合计)?" + NUM + r"\s*(?P<u>条)"),
    re.compile(r"(?:公布|公开|发布)(?:了)?(?:共计|共)?" + NUM + r"\s*(?P<u>条)[^。；，\d]{0,10}?信息"),
)
ITEM = re.compile(r"(?P<label>[^，,；;。（(）)\d]{1,30}?)" + NUM + r"\s*(?P<u>条|件|项)")

APPLICANT_WORDS = {"自然人": "natural_person", "商业企业": "commercial", "科研机构": "research",
                   "社会公益组织": "social_welfare", "法律服务机构": "legal_services",
                   "法人或其他组织": "organisations", "法人和其他组织": "organisations"}
APPLICANT = re.compile(r"(?P<who>" + "|".join(APPLICANT_WORDS) + r")(?:提出|提交|申请|的)*" + NUM + r"\s*(?P<u>件)")
ALL_NATURAL = re.compile(r"(?:均|全部|都)(?:为|是|由)自然人")
OUTCOME_WORDS = {"结果维持": "upheld", "维持": "upheld", "结果纠正": "corrected", "纠正": "corrected",
                 "纠错": "corrected", "其他结果": "other", "尚未审结": "pending", "未审结": "pending"}
OUTCOME = re.compile(r"(?P<what>" + "|".join(OUTCOME_WORDS) + r")(?:的)?" + NUM + r"\s*(?P<u>件|起)")
PROCEEDING = re.compile(r"行政复议|行政诉讼|诉讼")
