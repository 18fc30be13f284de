"""Legacy word-processor files (DOC, WPS, RTF): convert with LibreOffice headless, read as DOCX.

Why LibreOffice: it is the only well-kept offline converter for the binary Word/WPS formats.
Two measured facts shape this module:
- conversions that run at the same time must each have their own profile directory
  (``-env:UserInstallation``), or the second one fails silently and writes nothing;
- one ``soffice`` call per file costs ~0.75 s of start-up, a batch of files in one call ~77 ms
  a file, so ``convert_many`` converts a whole batch per call.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from extractors.document import Document
from extractors.errors import MissingTool, ReadError, ResourceLimit

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # DOC, WPS, XLS, PPT...
RTF_MAGIC = b"{\\rtf"
CONVERT_TIMEOUT_S = 120
INSTALL_HINT = ("LibreOffice is needed to read DOC/WPS/RTF files: install it with "
                "`apt-get install -y libreoffice-writer-nogui` (Debian/Ubuntu) or run `make deps`.")


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _format_of(data: bytes, name: str) -> str:
    low = name.lower()
    if data.startswith(RTF_MAGIC) or low.endswith(".rtf"):
        return "rtf"
    if low.endswith(".wps"):
        return "wps"
    return "doc"


def convert_many(items: list[tuple[bytes, str]], timeout: float = CONVERT_TIMEOUT_S) -> list[bytes | Exception]:
    """Convert several legacy documents to DOCX in ONE soffice call (own profile directory).

    Returns, per input, the DOCX bytes or the exception explaining why that file failed.
    """
    exe = soffice_path()
    if exe is None:
        return [MissingTool(INSTALL_HINT, source=name) for _, name in items]
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        tmpdir = Path(tmp)
        src_dir, out_dir = tmpdir / "in", tmpdir / "out"
        src_dir.mkdir()
        out_dir.mkdir()
        inputs = []
        for i, (data, name) in enumerate(items):
            # Our own file names: nothing from the input's name reaches the file system.
            ext = {"rtf": ".rtf", "wps": ".wps"}.get(_format_of(data, name), ".doc")
            p = src_dir / f"f{i:05d}{ext}"
            p.write_bytes(data)
            inputs.append(p)
        profile = (tmpdir / f"profile-{uuid.uuid4().hex}").as_uri()
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), *map(str, inputs)]
        env = dict(os.environ, HOME=str(tmpdir))  # keep LibreOffice away from the user's home
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout * max(1, len(items)) ** 0.5,
                           env=env, check=False)
        except subprocess.TimeoutExpired:
            return [ResourceLimit(f"LibreOffice conversion timed out after {timeout:.0f}s", source=name)
                    for _, name in items]
        out: list[bytes | Exception] = []
        for p, (_, name) in zip(inputs, items):
            target = out_dir / (p.stem + ".docx")
            if target.exists() and target.stat().st_size > 0:
                out.append(target.read_bytes())
            else:
                out.append(ReadError("LibreOffice could not convert this file (corrupt or not a "
                                     "word-processor document)", source=name))
        return out


class DocReader:
    format = "doc"
    extensions = (".doc", ".wps", ".rtf", ".dot")

    def sniff(self, data: bytes, name: str) -> bool:
        if data.startswith(RTF_MAGIC):
            return True
        # OLE2 is shared with XLS/PPT: only claim it for word-processor extensions.
        return data.startswith(OLE_MAGIC) and name.lower().endswith((".doc", ".wps", ".dot"))

    def read(self, data: bytes, source: str) -> Document:
        from extractors.docx import READER as DOCX

        if not data:
            raise ReadError("empty file", source=source)
        result = convert_many([(data, source)])[0]
        if isinstance(result, Exception):
            raise result
        doc = DOCX.read(result, source)
        doc.format = _format_of(data, source)
        doc.meta["converted_with"] = "libreoffice"
        return doc


READER = DocReader()
