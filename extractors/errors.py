"""The one exception hierarchy of xxgk.

Every error carries the stage it happened in and the source it concerns, so that the pipeline
can turn it into a ``failures`` row (source, stage, error, message) and carry on.
"""
from __future__ import annotations


class XxgkError(Exception):
    stage = "unknown"

    def __init__(self, message: str, *, source: str | None = None, stage: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        if stage:
            self.stage = stage

    @property
    def error(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.message}"


class ReadError(XxgkError):
    """Bytes could not be turned into a Document (corrupt, encrypted, truncated...)."""
    stage = "read"


class UnsupportedFormat(ReadError):
    """No reader takes this input."""


class MissingTool(ReadError):
    """An external tool (LibreOffice, OCR engine) is needed and absent; message says how to install."""


class ResourceLimit(ReadError):
    """The input exceeds a configured cap (pages, bytes, time, memory)."""


class NotAReport(XxgkError):
    """A readable document that is not a 政府信息公开工作年度报告."""
    stage = "classify"


class NormaliseError(XxgkError):
    stage = "normalise"


class ValidationError(XxgkError):
    stage = "validate"


class StorageError(XxgkError):
    stage = "write"


class FetchError(XxgkError):
    """A network fetch failed (the only kind of error that is retried)."""
    stage = "fetch"

    def __init__(self, message: str, *, source: str | None = None, retryable: bool = False,
                 status: int | None = None):
        super().__init__(message, source=source)
        self.retryable = retryable
        self.status = status
