"""The ``metrics`` dataset: one row per agency and year, each metric defined next to its formula.

Counts are ``dataset.row.col`` references to the canonical keys (schemas/keys.py); a ``+``
sums references, ``a / b`` divides (null when the divisor is 0 or missing). Rates are fractions
in [0, 1]. ``handled`` is （七）总计: applications whose processing finished this year.
"""
from __future__ import annotations

# (metric, formula, definition)
METRICS: tuple[tuple[str, str, str], ...] = (
    ("received_new", "applications.received_new.total", "本年新收申请数"),
    ("carried_over", "applications.carried_over.total", "上年结转申请数"),
    ("received_total", "applications.received_new.total + applications.carried_over.total",
     "本年应办理申请数 = 新收 + 上年结转"),
    ("handled", "applications.handled_total.total", "本年办结数（（七）总计）"),
    ("carried_forward", "applications.carried_forward.total", "结转下年度继续办理数"),
    ("disclosed", "applications.disclosed.total + applications.partially_disclosed.total",
     "予以公开 + 部分公开"),
    ("disclosure_rate", "metrics.disclosed / metrics.handled",
     "公开率 = (予以公开 + 部分公开) / 办结数"),
    ("withheld_rate", "applications.withheld_*.total / metrics.handled",
     "不予公开率 = 不予公开 1–8 之和 / 办结数"),
    ("not_held_rate", "applications.unavailable_not_held.total / metrics.handled",
     "本机关不掌握率 = 无法提供·本机关不掌握 / 办结数"),
    ("unavailable_rate", "applications.unavailable_*.total / metrics.handled",
     "无法提供率 = 无法提供 1–3 之和 / 办结数"),
    ("rejected_rate", "applications.rejected_*.total / metrics.handled",
     "不予处理率 = 不予处理 1–5 之和 / 办结数"),
    ("other_rate", "applications.other_*.total / metrics.handled",
     "其他处理率 = 其他处理（2021 三项或 2019 单行）/ 办结数；60号文要求关注偏高者"),
    ("reviews", "reviews_litigation.review.total", "行政复议总数"),
    ("reviews_corrected", "reviews_litigation.review.corrected", "行政复议结果纠正数"),
    ("review_correction_rate",
     "reviews_litigation.review.corrected / (reviews_litigation.review.total - reviews_litigation.review.pending)",
     "复议纠错率 = 结果纠正 / (总计 − 尚未审结)"),
    ("litigations", "reviews_litigation.litigation_direct.total + reviews_litigation.litigation_after_review.total",
     "行政诉讼总数 = 未经复议直接起诉 + 复议后起诉"),
    ("litigation_correction_rate",
     "(reviews_litigation.litigation_direct.corrected + reviews_litigation.litigation_after_review.corrected) / "
     "(metrics.litigations - reviews_litigation.litigation_direct.pending - reviews_litigation.litigation_after_review.pending)",
     "诉讼纠错率 = 结果纠正 / (总计 − 尚未审结)"),
    ("licensing_decisions", "active_disclosure.licensing.decisions", "行政许可处理决定数"),
    ("penalty_decisions", "active_disclosure.penalty.decisions", "行政处罚处理决定数"),
    ("coercion_decisions", "active_disclosure.coercion.decisions", "行政强制处理决定数"),
    ("fees_10k_yuan", "active_disclosure.fees.amount_10k_yuan", "行政事业性收费金额（万元，2021 模板）"),
)
