"""The validation engine: ``validate(report) -> list[Finding]``.

The rules are data (``schemas/rules.py``); this module only maps each rule's ``check`` name to
a function (``pipeline/checks_table.py``, ``pipeline/checks_text.py``), runs the rules that
apply to the report's template, and turns each reported outcome into a ``Finding`` with the
rule's severity and message.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from extractors.claims import extract_claims
from extractors.errors import ValidationError
from extractors.model import Claim, Finding, Report
from pipeline.checks_soft import SOFT_CHECKS
from pipeline.checks_table import TABLE_CHECKS, Hit
from pipeline.checks_text import TEXT_CHECKS
from schemas.rules import RULES, Rule

Check = Callable[..., Iterator[Hit]]
CHECKS: dict[str, Check] = {**TABLE_CHECKS, **TEXT_CHECKS, **SOFT_CHECKS}

_missing = {r.check for r in RULES} - set(CHECKS)
if _missing:  # pragma: no cover - a rule naming an unknown check is a programming error
    raise ImportError(f"rules name unknown checks: {sorted(_missing)}")


def validate(report: Report, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Run every applicable rule. Uses ``report.claims`` when set, else extracts them."""
    claims: list[Claim] = report.claims or extract_claims(report)
    findings: list[Finding] = []
    for rule in rules:
        if report.template not in rule.templates:
            continue
        findings.extend(run_rule(rule, report, claims))
    return findings


def run_rule(rule: Rule, report: Report, claims: list[Claim]) -> list[Finding]:
    check = CHECKS[rule.check]
    try:
        hits = list(check(report, claims, **dict(rule.params)))
    except Exception as exc:  # a checker bug must name the rule, not vanish
        raise ValidationError(f"rule {rule.id} ({rule.check}) failed: {exc!r}", source=report.source) from exc
    out = []
    for hit in hits:
        outcome = rule.outcomes[hit.outcome]
        out.append(Finding(rule=rule.id, severity=outcome.severity, message=outcome.message.format(**hit.fields),
                           evidence=hit.evidence, table=hit.table, cells=list(hit.cells), origin=hit.origin))
    return out
