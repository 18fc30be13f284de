"""The normalised report: what the normaliser produces and the validators and writers consume.

Keys (table/row/col) are the canonical ones of ``schemas/keys.py``. Every value keeps its raw
text and page (provenance), every finding keeps its evidence.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Value:
    table: str  # active_disclosure | applications | reviews_litigation
    row: str  # item (table 二), row (table 三) or proceeding (table 四)
    col: str  # measure (table 二), applicant (table 三) or outcome (table 四)
    value: float | int | None  # None when blank, "/", "-" or unreadable
    raw: str | None  # the cell text as printed (None when the cell is absent from the report)
    page: int | None = None
    unit: str | None = None  # unit printed inside the cell or its header ("元", "万元", "件")
    method: str = "grid"  # grid | text | split-solved | ocr | ...
    confidence: float | None = None  # OCR confidence, when method == "ocr"
    label: str | None = None  # the printed row label the value was matched by


@dataclass
class Section:
    number: int  # 1..6 (一…六)
    title: str  # heading as printed
    text: str  # body text (paragraphs joined by "\n"), tables excluded
    page: int | None = None


@dataclass
class Claim:
    """A number the narrative states about the tables (or about itself), with its quote."""

    kind: str  # received, received_total, handled, answered, carried_forward, category_count,
    #            category_pct, review_total, litigation_total, staff_fulltime, staff_parttime, ...
    value: float
    quote: str  # the sentence (or clause) that states it
    unit: str | None = None  # 件, 项, %, 人, 名...
    subject: str | None = None  # e.g. "disclosed+partially_disclosed" for a category claim
    section: int | None = None
    page: int | None = None


@dataclass
class Finding:
    rule: str
    severity: str  # error | warning | info
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)  # values (with raw/page) and quotes
    table: str | None = None
    cells: list[tuple[str, str]] = field(default_factory=list)  # (row, col) involved
    origin: str | None = None  # "publisher" (printed so) | "extraction" (our misread) | None


@dataclass
class Report:
    report_id: str  # sha256 of the source bytes
    source: str
    sha256: str
    format: str
    agency: str | None = None
    year: int | None = None
    template: str = "unknown"
    status: str = "ok"  # ok | partial | failed
    title: str | None = None
    n_pages: int | None = None
    values: list[Value] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # extraction notes + validation results
    text: str = ""  # full narrative text (for text checks)
    meta: dict[str, Any] = field(default_factory=dict)

    def get(self, table: str, row: str, col: str) -> Value | None:
        for v in self.values:
            if v.table == table and v.row == row and v.col == col:
                return v
        return None

    def num(self, table: str, row: str, col: str) -> float | int | None:
        v = self.get(table, row, col)
        return None if v is None else v.value

    def table(self, table: str) -> dict[str, dict[str, Value]]:
        out: dict[str, dict[str, Value]] = {}
        for v in self.values:
            if v.table == table:
                out.setdefault(v.row, {})[v.col] = v
        return out

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
