"""Resource caps of a run, as data: one place to read the defaults, override them and document them.

Per-document caps are enforced by running extraction in worker processes (``pipeline/workers.py``):
a document over its time or memory cap is stopped, recorded as a ``failures`` row (stage
``extract``, error ``Timeout``/``MemoryLimit``/``WorkerCrash``) and its worker replaced.

Precedence: explicit argument (CLI option) > environment variable > default below.

| cap | default | CLI | environment |
|---|---|---|---|
| time per document | 300 s | ``--doc-timeout`` | ``XXGK_DOC_TIMEOUT`` |
| memory a document may add to its worker (resident) | 2048 MB | ``--doc-memory-mb`` | ``XXGK_DOC_MEMORY_MB`` |
| worker processes (plain run) | min(CPUs, 4) | | ``XXGK_WORKERS`` |
| input file size | 200 MB | | ``XXGK_MAX_FILE_MB`` |
| how workers start | fork | | ``XXGK_START_METHOD`` (fork, forkserver, spawn) |

Memory is resident memory, polled every 0.25 s by the parent; a hard address-space limit of
4x the cap (on top of the worker's start-up size) stops a runaway allocation between two polls
(address space, not resident memory: OCR reserves 2.6 GB of it for 1 GB used). Memory of programs
a worker starts (LibreOffice for .doc) is not counted; they have their own time limits and die
with the worker. ``0`` for the time or memory cap means "no cap"; ``XXGK_WORKERS=0`` runs
extraction in the calling process, without isolation (for debugging only: a native crash then
takes the whole run down).

The readers keep their own format caps, checked before any costly work (each raises
``ResourceLimit``, a ``read`` failure): ``reader_caps()`` lists them for the README.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

DEFAULT_DOC_TIMEOUT_S = 300.0  # a 300-page text PDF reads in well under a minute; OCR is capped by pages
DEFAULT_DOC_MEMORY_MB = 2048  # resident: a large text PDF needs a few hundred MB, OCR about 1 GB
DEFAULT_MAX_WORKERS = 4
DEFAULT_MAX_FILE_MB = 200  # a report is at most a few tens of MB (scanned PDFs); larger is not one

ENV = {"doc_timeout_s": "XXGK_DOC_TIMEOUT", "doc_memory_mb": "XXGK_DOC_MEMORY_MB",
       "workers": "XXGK_WORKERS", "max_file_mb": "XXGK_MAX_FILE_MB", "start_method": "XXGK_START_METHOD"}


def reader_caps() -> dict[str, str]:
    """The readers' own caps (read from the modules so that this table cannot drift)."""
    caps: dict[str, str] = {}
    try:
        from extractors import pdf

        caps["pdf pages"] = f"{pdf.MAX_PAGES}"
        caps["pdf pages needing OCR"] = f"{pdf.MAX_OCR_PAGES}"
        caps["pdf inflated stream"] = f"{pdf.MAX_STREAM_BYTES // 2**20} MB"
    except (ImportError, AttributeError):
        pass
    try:
        from extractors import docx

        caps["docx inflated package"] = f"{docx.MAX_UNCOMPRESSED_BYTES // 2**20} MB"
        caps["docx zip members"] = f"{docx.MAX_MEMBERS}"
    except (ImportError, AttributeError):
        pass
    try:
        from extractors import text

        caps["text file"] = f"{text.MAX_TEXT_BYTES // 2**20} MB"
    except (ImportError, AttributeError):
        pass
    return caps


@dataclass(frozen=True)
class Limits:
    doc_timeout_s: float = DEFAULT_DOC_TIMEOUT_S
    doc_memory_mb: int = DEFAULT_DOC_MEMORY_MB
    workers: int = min(os.cpu_count() or 1, DEFAULT_MAX_WORKERS)
    max_file_mb: int = DEFAULT_MAX_FILE_MB
    # How workers start: None = fork (cheap, shares the parent's imports); "forkserver" from a
    # process with threads (a Prefect flow), where a fork could copy a lock held by another thread.
    start_method: str | None = None

    @property
    def isolated(self) -> bool:
        return self.workers > 0

    @property
    def timeout(self) -> float:
        """For ``run_isolated``: 0 means no cap (a very long wait)."""
        return self.doc_timeout_s if self.doc_timeout_s > 0 else 10.0 ** 9

    @property
    def memory(self) -> int | None:
        return self.doc_memory_mb if self.doc_memory_mb > 0 else None

    @property
    def max_file_bytes(self) -> int | None:
        return self.max_file_mb * 2**20 if self.max_file_mb > 0 else None


def _env(name: str, cast):
    raw = os.environ.get(ENV[name], "").strip()
    if not raw:
        return None
    try:
        value = cast(raw)
    except ValueError:
        raise ValueError(f"{ENV[name]}={raw!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{ENV[name]}={raw!r} must be >= 0")
    return value


def limits(doc_timeout_s: float | None = None, doc_memory_mb: int | None = None,
           workers: int | None = None, max_file_mb: int | None = None) -> Limits:
    """The caps of this run: arguments given (not None) win over the environment, then defaults."""
    given = {"doc_timeout_s": doc_timeout_s, "doc_memory_mb": doc_memory_mb, "workers": workers,
             "max_file_mb": max_file_mb}
    casts = {"doc_timeout_s": float, "doc_memory_mb": int, "workers": int, "max_file_mb": int}
    out = Limits()
    for name, value in given.items():
        if value is None:
            value = _env(name, casts[name])
        elif value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
        if value is not None:
            out = replace(out, **{name: casts[name](value)})
    method = os.environ.get(ENV["start_method"], "").strip()
    if method:
        if method not in ("fork", "forkserver", "spawn"):
            raise ValueError(f"{ENV['start_method']}={method!r}: use fork, forkserver or spawn")
        out = replace(out, start_method=method)
    return out
