"""The one small interface every input format implements, and the registry that picks one.

A reader module exposes a ``READER`` object with:
  - ``format``: the format name written to ``reports.format`` (html, pdf, docx, txt, ...)
  - ``extensions``: file name endings it takes (".html", ".htm", ...)
  - ``sniff(data: bytes, name: str) -> bool``: True if the bytes look like this format
  - ``read(data: bytes, source: str) -> Document``: raises ``ReadError`` on bad input

Readers are registered in ``READER_MODULES`` below; a module that fails to import (missing
optional dependency) is skipped, so one broken reader never stops the others.
"""
from __future__ import annotations

import hashlib
import importlib
from typing import Protocol

from extractors.document import Document
from extractors.errors import UnsupportedFormat


class Reader(Protocol):
    format: str
    extensions: tuple[str, ...]

    def sniff(self, data: bytes, name: str) -> bool: ...

    def read(self, data: bytes, source: str) -> Document: ...


# Order matters: binary formats with magic bytes first, text formats last.
READER_MODULES = (
    "extractors.pdf",
    "extractors.docx",
    "extractors.doc",
    "extractors.html",
    "extractors.text",
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def readers() -> list[Reader]:
    out = []
    for name in READER_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        reader = getattr(mod, "READER", None)
        if reader is not None:
            out.append(reader)
    return out


def pick_reader(data: bytes, name: str) -> Reader:
    """Magic bytes decide first; the extension only breaks ties among text formats."""
    rs = readers()
    for r in rs:
        if r.sniff(data, name):
            return r
    low = name.lower()
    for r in rs:
        if any(low.endswith(e) for e in r.extensions):
            return r
    raise UnsupportedFormat(
        f"no reader for this input (extension {low.rsplit('.', 1)[-1] if '.' in low else 'none'}, "
        f"first bytes {data[:8]!r})", source=name)


def read_document(data: bytes, source: str) -> Document:
    """Bytes -> Document, with the right reader. Raises an XxgkError subclass on bad input."""
    return pick_reader(data, source).read(data, source)
