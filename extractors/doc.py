"""Legacy word-processor files (DOC, WPS, RTF): convert with LibreOffice headless, read as DOCX.

Why LibreOffice: it is the only well-kept offline converter for the binary Word/WPS formats.
Two measured facts shape this module:
- conversions that run at the same time must each have their own profile directory
  (``-env:UserInstallation``), or the second one fails silently and writes nothing;
- one ``soffice`` call per file costs ~0.75 s of start-up, a batch of files in one call ~77 ms
  a file, so ``convert_many`` converts a whole batch per call (one call per format, because each
  format gets its own import filter: see IMPORT_FILTERS).
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


# Import filter per format. Without one, LibreOffice imports a corrupt .doc as plain text and
# "succeeds" with garbage; with one it refuses the file. WPS has no dedicated filter (Kingsoft
# files are Word 97 inside, Microsoft Works ones need libwps): it is left to detection.
IMPORT_FILTERS = {"doc": "MS Word 97", "rtf": "Rich Text Format", "wps": None}


def convert_many(items: list[tuple[bytes, str]], timeout: float = CONVERT_TIMEOUT_S) -> list[bytes | Exception]:
    """Convert several legacy documents to DOCX, one soffice call per format (own profile each).

    Returns, per input, the DOCX bytes or the exception explaining why that file failed.
    """
    exe = soffice_path()
    if exe is None:
        return [MissingTool(INSTALL_HINT, source=name) for _, name in items]
    out: list[bytes | Exception | None] = [None] * len(items)
    groups: dict[str, list[int]] = {}
    for i, (data, name) in enumerate(items):
        groups.setdefault(_format_of(data, name), []).append(i)
    for fmt, idx in groups.items():
        for i, result in zip(idx, _convert_batch(exe, [items[i] for i in idx], fmt, timeout)):
            out[i] = result
    return out  # type: ignore[return-value]


def _convert_batch(exe: str, items: list[tuple[bytes, str]], fmt: str, timeout: float) -> list[bytes | Exception]:
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        tmpdir = Path(tmp)
        src_dir, out_dir = tmpdir / "in", tmpdir / "out"
        src_dir.mkdir()
        out_dir.mkdir()
        inputs = []
        for i, (data, _name) in enumerate(items):
            # Our own file names: nothing from the input's name reaches the file system.
            p = src_dir / f"f{i:05d}.{fmt}"
            p.write_bytes(data)
            inputs.append(p)
        profile = (tmpdir / f"profile-{uuid.uuid4().hex}").as_uri()
        infilter = IMPORT_FILTERS.get(fmt)
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               *([f"--infilter={infilter}"] if infilter else []),
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
                out.append(ReadError(f"LibreOffice could not convert this file (corrupt or not a "
                                     f"{fmt.upper()} document)", source=name))
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
