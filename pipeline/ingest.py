"""Stage 1, ingest: bytes on disk -> `Document` (raw text per page, with page offsets).

The raw text is the reference for provenance: every later offset points into it.
Plain text: the decoded file (pages split on form feeds). PDF and images: the pages'
extracted or OCR'd text joined by form feeds (see `pipeline.pdf`, `pipeline.ocr`).
"""
from __future__ import annotations

import codecs
from array import array
import difflib
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import ftfy
from charset_normalizer import from_bytes

from .cache import stat_signature
from .formats import DOCUMENT_SUFFIXES, IMAGE_SUFFIXES, PDF_SUFFIXES, TEXT_SUFFIXES  # noqa: F401 (re-exported)
from .textmap import REPAIRED, MappedText, TextBuilder

MAX_BYTES = 200 * 1024 * 1024  # larger inputs are refused, not half-read


class IngestError(Exception):
    """A document that cannot be read. The message is one line, meant for users."""


@dataclass
class Page:
    number: int          # 1-based
    start: int           # offset of the page's first character in Document.raw
    end: int
    ocr: bool = False
    confidence: Optional[float] = None  # mean Tesseract word confidence, 0-100
    # PDF and image pages: (raw_start, raw_end, x0, y0, x1, y1) per OCR word or text-layer
    # run, sorted, in PDF points from the page's top-left corner, y down (image pixels
    # count as points at the image's dpi); empty for text files
    boxes: list[tuple[int, int, float, float, float, float]] = field(default_factory=list)


@dataclass
class Document:
    path: Path
    sha256: str
    format: str          # txt | pdf | image
    raw: str
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)
    encoding: Optional[str] = None
    repairs: list = field(default_factory=list)  # record.RepairChange, filled by the repair stage

    def page_at(self, offset: int) -> Page:
        for p in self.pages:
            if offset < p.end or p is self.pages[-1]:
                return p
        return self.pages[-1]

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.ocr]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pages_from_text(raw: str, ocr: bool = False) -> list[Page]:
    """Pages of a text split on form feeds (the separator belongs to no page)."""
    pages, start = [], 0
    for i, chunk in enumerate(raw.split("\f")):
        pages.append(Page(i + 1, start, start + len(chunk), ocr=ocr))
        start += len(chunk) + 1
    return pages


def read(path: Path | str, known: Optional[tuple[str, str]] = None) -> Document:
    """Read one document of any supported kind; raises IngestError with a one-line reason.

    `known`: (stat signature, sha256) of the file as the caller hashed it (the batch has
    the hash of every file it hands out); the hash is reused when the opened file still
    has that signature, the test the batch cache trusts (see `cache`), else computed."""
    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):   # a directory, or a FIFO that would block
            if path.is_dir():
                raise IngestError(f"{path}: is a directory, not a document")
            raise IngestError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_size == 0:
                raise IngestError(f"{path}: empty file (0 bytes)")
            if st.st_size > MAX_BYTES:
                raise IngestError(f"{path}: file too large ({st.st_size // 2**20} MiB > {MAX_BYTES // 2**20} MiB)")
            data = f.read()
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except PermissionError:
        raise IngestError(f"{path}: permission denied") from None
    except OSError as e:
        raise IngestError(f"{path}: cannot read ({e.strerror or e})") from None
    digest = known[1] if known and known[0] == stat_signature(st) else None
    return read_bytes(path, data, digest)


def read_bytes(path: Path, data: bytes, digest: Optional[str] = None) -> Document:
    """`digest`: the sha256 of `data` when the caller knows it."""
    digest = digest or sha256_bytes(data)
    suffix = path.suffix.lower()
    if data.startswith(b"%PDF") or suffix in PDF_SUFFIXES:
        # pdfium looks for the header in the first 1 KiB (and lstrip of the whole file would copy it)
        if not data[:1024].lstrip()[:5].startswith(b"%PDF"):
            raise IngestError(f"{path}: not a PDF (no %PDF header)")
        from . import pdf  # heavy imports only when needed
        return pdf.read_pdf(path, data, digest)
    if suffix in IMAGE_SUFFIXES or _looks_like_image(data):
        from . import ocr
        return ocr.read_image(path, data, digest)
    text, encoding = decode_text(data, path)
    return Document(path, digest, "txt", text, pages_from_text(text), encoding=encoding)


def _looks_like_image(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" or data[:4] in (b"II*\x00", b"MM\x00*")


def decode_text(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode a text file: BOMs first, then strict UTF-8, then a detector limited to the
    encodings Swedish office files come in. Raises IngestError on binary content."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _check_text(data.decode(enc), path), enc
    # UTF-16 without BOM: every other byte NUL
    if len(data) >= 4 and data[1::2].count(0) > 0.4 * (len(data) // 2):
        return _check_text(data.decode("utf-16-le", errors="replace"), path), "utf-16-le"
    if len(data) >= 4 and data[0::2].count(0) > 0.4 * (len(data) // 2):
        return _check_text(data.decode("utf-16-be", errors="replace"), path), "utf-16-be"
    if b"\x00" in data:
        raise IngestError(f"{Path(path).name}: binary content, not a text document")
    try:
        return _check_text(data.decode("utf-8"), path), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "mac_roman", "cp850"]).best()
    enc = best.encoding if best else "cp1252"
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        text, enc = data.decode("latin-1"), "latin-1"
    return _check_text(text, path), enc


def _check_text(text: str, path) -> str:
    if not text.strip():
        raise IngestError(f"{Path(path).name}: no text in file")
    ctrl = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Co", "Cs", "Cn") and c not in "\n\r\t\f")
    if ctrl > max(8, 0.02 * len(text)):
        raise IngestError(f"{Path(path).name}: binary content, not a text document")
    return text


# UTF-8 read as cp1252/latin-1: a lead byte (Ã Â â Å) followed by a continuation character
MOJIBAKE_RX = re.compile("[\u00c2\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d"
                         "\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
                         "\u2039\u203a\u20ac\u2122]")


_IDENTITY = array("q")


def _identity_offsets(n: int) -> array:
    """array("q", range(n)), sliced from a cached one: building it from range costs
    ~80 us a page of text, a slice is a copy of memory."""
    global _IDENTITY
    if len(_IDENTITY) < n:
        _IDENTITY = array("q", range(max(n, 2 * len(_IDENTITY))))
    return _IDENTITY[:n]


def to_mapped(doc: Document) -> MappedText:
    """The document's raw text as a MappedText, with mojibake repaired (ftfy) and
    Unicode in NFC. Clean text (the common case) costs one regex scan. When ftfy changes
    something, the fixed text is aligned with the raw text line by line (difflib), so
    only the changed characters lose their one-to-one map; they are flagged REPAIRED."""
    raw = doc.raw
    mt = MappedText(raw, _identity_offsets(len(raw) + 1), bytearray(len(raw)))  # MappedText.identity
    if raw.isascii():
        return mt
    if not MOJIBAKE_RX.search(raw):
        if unicodedata.is_normalized("NFC", raw):
            return mt
        return mt.sub(r"[^\s]+", lambda m: unicodedata.normalize("NFC", m.group(0)), flag=REPAIRED)
    fixed = unicodedata.normalize("NFC", ftfy.fix_text(raw, uncurl_quotes=False, fix_line_breaks=False))
    if fixed == raw:
        return mt
    raw_lines, fixed_lines = raw.split("\n"), fixed.split("\n")
    if len(raw_lines) != len(fixed_lines):  # ftfy joined or split lines: align the whole text
        raw_lines, fixed_lines = [raw], [fixed]
    b = TextBuilder(mt)
    pos = 0
    for i, (a, f) in enumerate(zip(raw_lines, fixed_lines)):
        if i:
            b.keep(pos - 1, pos)  # the newline
        if a == f:
            b.keep(pos, pos + len(a))
        else:
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, f, autojunk=False).get_opcodes():
                if op == "equal":
                    b.keep(pos + i1, pos + i2)
                elif i2 > i1:
                    b.replace(pos + i1, pos + i2, f[j1:j2], REPAIRED)
                else:
                    b.insert(pos + i1, f[j1:j2], REPAIRED)
        pos += len(a) + 1
    return b.build()
