"""One document, bytes to validated Report: read -> normalise -> claims -> validate.

``extract_report`` never raises for bad input: an ``XxgkError`` (or any unexpected exception,
recorded with stage ``internal``) becomes a failure in ``report.meta["failures"]`` and the batch
goes on. A failure before a Report exists (read, classify, normalise) yields a Report with status
``failed``; a failure after it (claims, validate) keeps the values and marks the report ``partial``.

The steps are imported lazily so that a missing optional step (claims, validate) is skipped
rather than failing every document while the project is assembled.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from extractors.base import sha256_hex
from extractors.errors import XxgkError
from extractors.model import Report


def _step(module: str, name: str) -> Callable | None:
    """The function ``module.name``, or None when that module does not exist (yet)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name == module:  # the step itself is absent; a missing dependency inside it is a bug
            return None
        raise
    return getattr(mod, name, None)


def failure(source: str, e: BaseException, step: str, report_id: str | None) -> dict[str, Any]:
    """A ``failures`` row for an exception raised while running ``step``."""
    if isinstance(e, XxgkError):
        return {"source": source, "stage": e.stage, "error": e.error, "message": e.message,
                "report_id": report_id}
    return {"source": source, "stage": "internal", "error": type(e).__name__,
            "message": f"unexpected error during {step}: {e!r} (a bug in xxgk: please report it with the file)",
            "report_id": report_id}


def _format_guess(source: str) -> str | None:
    tail = source.replace("\\", "/").rsplit("/", 1)[-1]
    return tail.rsplit(".", 1)[-1].lower() if "." in tail else None


def failed_report(data: bytes, source: str, e: BaseException, step: str) -> Report:
    sha = sha256_hex(data)
    report = Report(report_id=sha, source=source, sha256=sha, format=_format_guess(source), status="failed")
    report.meta["failures"] = [failure(source, e, step, sha)]
    return report


def stopped_report(source: str, sha: str | None, error: str, message: str) -> Report:
    """A document whose extraction was stopped from outside (worker over its time or memory cap,
    or killed by a native crash): stage ``extract``, no values."""
    report = Report(report_id=sha or "", source=source, sha256=sha or "", format=_format_guess(source),
                    status="failed")
    report.meta["failures"] = [{"source": source, "stage": "extract", "error": error, "message": message,
                                "report_id": sha}]
    return report


def _explain_failed(report: Report, source: str) -> None:
    """A report the normaliser marked failed (it says it is a report, but no template table was
    found) gets a failures row too, so that every failed document is explained in ``failures``."""
    if report.status != "failed" or report.meta.get("failures"):
        return
    why = next((f.message for f in report.findings if f.severity in ("error", "warning")),
               "no value of the template tables could be extracted")
    report.meta["failures"] = [{"source": source, "stage": "normalise", "error": "NoValues",
                                "message": why, "report_id": report.report_id}]


def _add_legacy(report: Report, doc) -> None:
    """Pre-2019 统计表 (extractors/legacy.py): long rows plus their part-sum findings."""
    if report.template != "pre2019" or "legacy_statistics" in report.meta:
        return
    stats = _step("extractors.legacy", "legacy_statistics")
    checks = _step("extractors.legacy", "legacy_findings")
    if stats is None:
        return
    values = stats(doc)
    report.meta["legacy_statistics"] = values
    if checks is not None:
        report.findings.extend(checks(values))


# Set in worker processes (pipeline/run.py: warm_up): a MemoryError there must reach the worker
# loop, which reports MemoryLimit and replaces the worker, rather than become an ``internal``
# failure in a process whose heap may be in a bad state.
IN_WORKER = False


def _reraise(e: BaseException, strict: bool) -> bool:
    return strict or (IN_WORKER and isinstance(e, MemoryError))


def extract_report(data: bytes, source: str, *, strict: bool = False) -> Report:
    """Bytes -> Report (see the module docstring). ``strict=True`` re-raises (for debugging)."""
    from extractors.base import read_document
    from extractors.normalise import normalise

    step = "read"
    try:
        doc = read_document(data, source)
        step = "normalise"
        report = normalise(doc)
    except Exception as e:  # noqa: BLE001 - one bad document must cost one failures row
        if _reraise(e, strict):
            raise
        return failed_report(data, source, e, step)

    def claims(r: Report) -> None:
        fn = _step("extractors.claims", "extract_claims")
        if fn is not None:
            r.claims = list(fn(r))

    def validate(r: Report) -> None:
        fn = _step("pipeline.validate", "validate")
        if fn is not None:
            r.findings.extend(fn(r))

    def misread_or_misprint(r: Report) -> None:
        from extractors.ocr_fix import propose_corrections
        from pipeline.second_reading import check

        check(r, doc, data)  # identity errors: a second reading says whose error it is
        r.findings.extend(propose_corrections(r))  # OCR'd cells the identities pin down

    for step, run in (("legacy", lambda r: _add_legacy(r, doc)), ("claims", claims), ("validate", validate),
                      ("second_reading", misread_or_misprint)):
        try:
            run(report)
        except Exception as e:  # noqa: BLE001 - keep the values, record the failure
            if _reraise(e, strict):
                raise
            report.meta.setdefault("failures", []).append(failure(source, e, step, report.report_id))
            if report.status == "ok":
                report.status = "partial"
    _explain_failed(report, source)
    return report
