"""PDF ingestion: each page from its text layer when that is sane, else OCR.

Routing, page by page (a document may mix born-digital and scanned pages):
- text layer read with pypdfium2, as text rectangles (runs of text on one line with
  their boxes; their texts sliced out of the page text read once, see `text_runs`)
  assembled into lines by `pipeline.ocr.assemble_spans` (OCR's line assembly): far-apart
  runs on one line get a tab, so that layout can split two-column blocks and keep tables;
- the layer is rejected, and the page rendered at 200 dpi and OCR'd with Tesseract
  `swe`, when it is missing, has too few characters for the page's ink (a scan with a
  stray stamp text, text drawn as outlines), holds replacement characters (glyphs
  without a Unicode map), or is a hidden OCR layer made in the wrong language (Swedish
  words with their å/ä/ö stripped, no å/ä/ö at all);
- a layer rejected as too thin is kept when OCR finds even less (a photo page with a
  caption); wrong-language and unmapped layers are always replaced; every rejection
  is reported in Document.warnings, and OCR pages under the confidence floor too;
- the page's ink is estimated from an 18-dpi rendering only where it matters: a page
  drawn by its text alone needs none, and a page without a text layer is rendered once
  at 200 dpi for both the blank-page check and OCR.

pypdfium2 vs pdfplumber (scripts/bench_pdf.py on the born-digital seed PDFs, 2 cores
shared with other jobs): pypdfium2 plain text ~1100 pages/s; our full text-layer read
with pypdfium2 (text rectangles with boxes, line assembly, routing checks) ~1.3x its
work (read_pdf against pypdfium2's open, page, text page and get_text of the 200 bench
PDFs/442 pages, callgrind: 21.4 vs 16.7 M instructions a document; CPU time in one
process ~2.5 vs ~2.0 ms); pdfplumber extract_words ~19 pages/s. pypdfium2's text
rectangles already give the geometry layout needs (line boxes, x positions of columns,
header/footer bands), so pypdfium2 is used for everything: opening, text, geometry,
ink and rendering; pdfplumber (~50x slower than our whole read) is not used. OCR pages
cost ~3 s each (render 200 dpi, deskew, Tesseract swe, one thread).

Provenance: Document.raw is the pages' text joined by form feeds; Page.start/end index
into it, Page.ocr and Page.confidence tell how each page was read, and Page.boxes
place the text on the page (points from the top-left corner): one box per OCR word,
and on text-layer pages one per text rectangle (a run of text on one line: a name in a
column, a line of a paragraph; finer would need a call per character).

Errors are IngestError with one line: encrypted with a password (an empty user
password opens), truncated, damaged, no pages, no text even by OCR.
"""
from __future__ import annotations

import ctypes
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from operator import add, ge, not_
from pathlib import Path
from typing import Optional

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .ingest import Document, IngestError
from .ocr import DPI, WordBox, assemble_spans, build_document, low_confidence_warning, ocr_image

INK_SCALE = 0.25             # render scale for the ink estimate (18 dpi)
MIN_CHARS_PER_INK = 0.15     # share of the characters the page's ink predicts, below which the layer is too thin
CHARS_PER_INK = 0.078        # characters per unit of ink (mean darkness x page area in square points),
                             # measured on 11 pt Arial-like body text; a scan's grey paper adds ink too
SWEDISH_LETTERS = set("åäöÅÄÖ")
_SWEDISH_LETTER = re.compile("[åäöÅÄÖ]")
# private-use code points: glyphs without a Unicode map, except the two bullets Word uses
_UNMAPPED = re.compile("[\ue000-\uf0a6\uf0a8-\uf0b6\uf0b8-\uf8ff]")


@dataclass
class PageRead:
    text: str
    ocr: bool
    confidence: Optional[float]
    reason: Optional[str] = None   # why the text layer was rejected
    boxes: list[WordBox] = field(default_factory=list)  # offsets in `text`, points


def open_pdf(path: Path, data: bytes) -> pdfium.PdfDocument:
    """Open with an empty password too (permissions-only encryption); one-line errors."""
    try:
        doc = pdfium.PdfDocument(data, password="")
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise IngestError(f"{path.name}: encrypted PDF, a password is needed to open it") from None
        if b"%%EOF" not in data[-2048:]:
            raise IngestError(f"{path.name}: truncated PDF (no end-of-file marker), cannot be read") from None
        raise IngestError(f"{path.name}: damaged PDF, cannot be read ({str(e).splitlines()[0]})") from None
    if len(doc) == 0:
        doc.close()
        raise IngestError(f"{path.name}: PDF has no pages")
    return doc


def text_layer(page: pdfium.PdfPage) -> str:
    """The page's text layer as lines (see module docstring)."""
    return text_layer_boxed(page)[0]


def _c_function(name: str, restype, *argtypes):
    """A copy of one of pypdfium2.raw's pdfium functions with plain types (handles and
    buffers as addresses, c_void_p), so that no pointer object is made for each handle it
    returns or checked for each argument (a third to a half of the cost of a call;
    pypdfium2's own function object is left as it is)."""
    fn = getattr(pdfium_c, name)
    copy = type(fn)(ctypes.cast(fn, ctypes.c_void_p).value)
    copy.restype, copy.argtypes = restype, argtypes
    return copy


def _untyped(name: str, restype):
    """A copy of a pdfium function without argument types, for the calls made per text
    rectangle, line or page object: ctypes then converts nothing (~0.2 us of a ~0.45 us
    call). Handles and addresses must be passed as c_void_p values or byref() (a plain int
    would go as a C int), indices as ints."""
    fn = _c_function(name, restype)
    fn.argtypes = None
    return fn


_P, _I, _D = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
# the text page is opened and read with these: its handle is a plain int, and no
# pypdfium2 PdfTextPage (a finalizer, a weak reference, its parent's set of kids) is made
_TEXT_LOAD = _c_function("FPDFText_LoadPage", _P, _P)
_TEXT_CLOSE = _c_function("FPDFText_ClosePage", None, _P)
_COUNT_CHARS = _c_function("FPDFText_CountChars", _I, _P)
_GET_UNICODE = _c_function("FPDFText_GetUnicode", ctypes.c_uint, _P, _I)
_GET_TEXT = _c_function("FPDFText_GetText", _I, _P, _I, _I, _P)
_COUNT_RECTS = _untyped("FPDFText_CountRects", _I)   # (c_void_p text page, start, count)
_GET_RECT = _untyped("FPDFText_GetRect", _I)         # (c_void_p text page, index, 4 x byref double)
_GET_BOUNDED = _c_function("FPDFText_GetBoundedText", _I, _P, _D, _D, _D, _D, _P, _I)
_RECT = struct.Struct("4d")


def _buffer(nbytes: int) -> tuple[bytearray, int]:
    """A zeroed buffer for pdfium to write into, and its address. (A ctypes array or
    create_string_buffer of a new length makes a new ctypes type, ~25 us, that ctypes
    then keeps for good.)"""
    buf = bytearray(nbytes)
    return buf, ctypes.addressof(ctypes.c_char.from_buffer(buf))


class _Rounded(dict):
    """round(x, 2) of the box coordinates seen, by value: a lookup costs a fifth of a
    round() (which goes through a decimal conversion), and coordinates recur (a page's
    margins, the tops and bottoms of the runs of a line: 9 in 10 hit on the bench pages).
    Zeros are not kept: 0.0 == -0.0, but they round apart."""
    __slots__ = ()

    def __missing__(self, x: float) -> float:
        r = round(x, 2)
        if x:
            if len(self) >= 1 << 16:
                self.clear()
            self[x] = r
        return r


_ROUNDED = _Rounded()


def text_layer_boxed(page: pdfium.PdfPage) -> tuple[str, list[WordBox]]:
    """The page's text layer as lines, and the box (in points, y down) of every run."""
    tp = _TEXT_LOAD(page.raw)
    if not tp:
        raise pdfium.PdfiumError("Failed to load text page.")   # pypdfium2's own message
    try:
        height = page.get_height()
        r = _ROUNDED   # r[x] == round(x, 2)
        frags = []   # a text rectangle is a fragment of a line on its own (ocr.Span), one word
        for (x0, b, x1, t), txt in zip(*text_runs(tp)):   # placed as its rounded box
            if txt:
                top, bottom = height - t, height - b
                frags.append(((top + bottom) / 2, top, bottom, x0, x1, txt, top,
                              ((len(txt), (r[x0], r[top], r[x1], r[bottom])),)))
        return assemble_spans(frags, page.get_width())
    finally:
        _TEXT_CLOSE(tp)


def text_runs(tp: int) -> tuple[list[tuple[float, float, float, float]], list[str]]:
    """pdfium's text rectangles (a run of characters of one text object: a line of a
    paragraph, a name in a column, a bold word), each (left, bottom, right, top) in PDF
    points, and their texts, white space collapsed and stripped: what
    PdfTextPage.get_text_bounded(rect) gives, read in one pass (see _run_texts).
    `tp`: the raw text page handle (FPDFText_LoadPage's, as an int)."""
    tp = _P(tp)   # as a c_void_p value for the untyped calls
    n = _COUNT_RECTS(tp, 0, -1)
    if n <= 0:
        return [], []
    # GetRect writes left, top, right, bottom: placed in memory as (left, bottom, right, top);
    # byref values go to the untyped call as they are (a c_void_p is converted: 0.32 vs 0.44 us)
    box = (ctypes.c_double * 4)()
    args = (ctypes.byref(box, 0), ctypes.byref(box, 24), ctypes.byref(box, 16), ctypes.byref(box, 8))
    get_rect, unpack = _GET_RECT, _RECT.unpack_from
    rects = [unpack(box) for i in range(n) if get_rect(tp, i, *args) or True]
    texts = _run_texts(tp, rects)   # after the page's rects: CountRects replaces pdfium's list
    if None in texts:
        buflen = 4 * _COUNT_CHARS(tp) + 16
        buf = _buffer(2 * buflen)
        texts = [_bounded_text(tp, *rect, buf, buflen) if txt is None else txt
                 for rect, txt in zip(rects, texts)]
    # "\x02": pdfium's mark for a hyphen glyph at a line end (the layout stage joins the
    # word if the lexicon agrees); " ".join(t.split()) == re.sub(r"\s+", " ", t).strip()
    return rects, [" ".join((txt.replace("\x02", "-") if "\x02" in txt else txt).split()) for txt in texts]


def _run_texts(tp: ctypes.c_void_p, rects: list) -> list[Optional[str]]:
    """The text of every rectangle, sliced out of the page text read once, or None where
    it must be asked of pdfium rectangle by rectangle (GetBoundedText scans every
    character of the page per call: ~9 us a rectangle, 0.3 ms a page).

    pdfium makes a rectangle of each run of consecutive characters of one text object
    (generated spaces and line breaks, and characters without size, do not count), and
    GetBoundedText gives the characters whose boxes meet the rectangle. A character's
    box lies inside its own run's rectangle, so when no two rectangles overlap that is
    the run's own characters: the page text from the run's first character to the next
    run's. Runs are found per line of the page text (between pdfium's generated line
    breaks): CountRects on the line says how many runs it holds (none on an empty one);
    if those add up to the page's rectangles, no run crosses a line, and the runs of a
    line with several are split where the count of runs from the line's start goes up.
    Overlapping rectangles (tight leading, overprinted text) get None, and so does the
    whole page when its text is not one UTF-16 unit per character (control characters,
    surrogate pairs)."""
    n = _COUNT_CHARS(tp)
    buf, at = _buffer(2 * (n + 1))
    if n <= 0 or _GET_TEXT(tp, 0, n, at) != n + 1:
        return [None] * len(rects)
    try:
        text = buf[:2 * n].decode("utf-16-le")
    except UnicodeDecodeError:  # a lone surrogate
        return [None] * len(rects)
    if len(text) != n:
        return [None] * len(rects)
    lines = text.split("\r\n")
    lengths = list(map(len, lines))
    starts = list(accumulate(map(add, lengths, repeat(2)), initial=0))   # where each line starts
    counts = list(map(_COUNT_RECTS, repeat(tp), starts, lengths))
    if sum(counts) != len(rects):
        return [None] * len(rects)
    unmapped = "\ufffe" in text
    if unmapped:
        text = _hyphens_marked(tp, text)
        lines = text.split("\r\n")
    texts: list[Optional[str]] = []
    for line, s, c in zip(lines, starts, counts):
        if c == 1:
            texts.append(line)
        elif c:
            e = s + len(line)
            cuts = _run_starts(tp, s, e, c)
            cuts.append(e)
            texts.extend(text[a:z] for a, z in zip(cuts, cuts[1:]))
    if unmapped:
        texts = [t.replace("\ufffe", "") for t in texts]
    for k in _overlapping(rects):
        texts[k] = None
    return texts


def _hyphens_marked(tp: int, text: str) -> str:
    """pdfium's page text has U+FFFE for a line-end hyphen, whose character (what
    GetBoundedText gives) is U+0002, and for a glyph without Unicode (left out there):
    the hyphens become U+0002, the others stay U+FFFE to be dropped."""
    chars = list(text)
    for m in re.finditer("\ufffe", text):
        if _GET_UNICODE(tp, m.start()) == 2:
            chars[m.start()] = "\x02"
    return "".join(chars)


def _run_starts(tp: ctypes.c_void_p, s: int, e: int, c: int) -> list[int]:
    """First character of each of the `c` runs in [s, e): where the number of runs in
    [s, p) goes up, found by galloping then bisection (runs of single characters, as
    some producers place every glyph, cost two calls each)."""
    count_rects = _COUNT_RECTS
    starts = [s]
    for j in range(1, c):
        lo = starts[-1]          # runs in [s, lo + 1) = j: char p starts run j when
        step, hi = 1, lo + 1     # the runs in [s, p + 1) reach j + 1
        while hi < e - 1 and count_rects(tp, s, hi + 1 - s) <= j:
            lo, step = hi, step * 2
            hi = min(lo + step, e - 1)
        a, z = lo + 1, hi
        while a < z:
            m = (a + z) // 2
            if count_rects(tp, s, m + 1 - s) > j:
                z = m
            else:
                a = m + 1
        starts.append(a)
    return starts


def _overlapping(rects: list) -> set[int]:
    """Indices of rectangles that overlap another one (pdfium's test: a non-empty
    intersection; touching edges do not count). Rectangles sorted by bottom: only those
    starting below a rectangle's top can meet it, and only where the next one up does
    (most rectangles, a line of a paragraph under the next, are passed over in C)."""
    order = sorted(range(len(rects)), key=[r[1] for r in rects].__getitem__)
    bottoms = [rects[i][1] for i in order]
    tops = [rects[i][3] for i in order]
    hit = set()
    for a in compress(range(len(order) - 1), map(not_, map(ge, bottoms[1:], tops))):
        i = order[a]
        l, b, r, t = rects[i]
        for j in order[a + 1:]:
            l2, b2, r2, t2 = rects[j]
            if b2 >= t:
                break
            if max(l, l2) < min(r, r2) and max(b, b2) < min(t, t2):
                hit.update((i, j))
    return hit


def _bounded_text(tp: int, l: float, b: float, r: float, t: float, buf: tuple[bytearray, int],
                  buflen: int) -> str:
    """PdfTextPage.get_text_bounded(l, b, r, t) in one pdfium call (`buf`: a _buffer with
    room for `buflen` UTF-16 units). pypdfium2 sizes its buffer by the length in code
    points, so text with surrogate pairs comes out cut short: that case, and a full
    buffer, go the way get_text_bounded goes (_bounded_text_sized) to give the same text."""
    n = _GET_BOUNDED(tp, l, t, r, b, buf[1], buflen) - 1  # the count holds the NUL
    if n <= 0:
        return ""
    text = buf[0][:2 * n].decode("utf-16-le", errors="ignore")
    if n + 1 >= buflen or len(text) != n:
        return _bounded_text_sized(tp, l, b, r, t)
    return text


def _bounded_text_sized(tp: int, l: float, b: float, r: float, t: float) -> str:
    """What pypdfium2's PdfTextPage.get_text_bounded(l, b, r, t) does, on a raw handle."""
    n = _GET_BOUNDED(tp, l, t, r, b, None, 0)
    if n <= 0:
        return ""
    buf, at = _buffer(2 * n)
    _GET_BOUNDED(tp, l, t, r, b, at, n)
    return buf.decode("utf-16-le", errors="ignore")


def ink(page: pdfium.PdfPage) -> float:
    """Mean darkness (0-1) times page area in square points: how much is printed."""
    import numpy as np
    bm = render_grey(page, INK_SCALE)
    a = np.asarray(bm.to_numpy(), dtype=np.float32)
    if a.ndim == 3:
        a = a[..., 0]
    return float((255 - a).mean() / 255) * page.get_width() * page.get_height()


_GET_OBJECT = _untyped("FPDFPage_GetObject", _P)   # (c_void_p page, index) -> int
_OBJECT_TYPE = _c_function("FPDFPageObj_GetType", _I, _P)
_COUNT_OBJECTS = _c_function("FPDFPage_CountObjects", _I, _P)


def drawn_by_text(page: pdfium.PdfPage) -> bool:
    """True when nothing on the page but its text could carry words: no images, shadings
    or form XObjects, and fewer vector paths than text objects (rules and boxes, not
    outlined glyphs). Such a page cannot be a scan under a thin text layer, so the ink
    render (0.7 ms a page) is not needed to judge it. Counted with pdfium's C API."""
    raw = page.raw
    if isinstance(raw, int):   # a _Page's handle, for the untyped _GET_OBJECT
        raw = _P(raw)
    n = _COUNT_OBJECTS(raw)
    kinds = Counter(map(_OBJECT_TYPE, map(_GET_OBJECT, repeat(raw, n), range(n))))
    if kinds[pdfium_c.FPDF_PAGEOBJ_IMAGE] or kinds[pdfium_c.FPDF_PAGEOBJ_SHADING] or kinds[pdfium_c.FPDF_PAGEOBJ_FORM]:
        return False
    return kinds[pdfium_c.FPDF_PAGEOBJ_TEXT] > kinds[pdfium_c.FPDF_PAGEOBJ_PATH]


def _chars(text: str) -> int:
    """Characters that are not white space (str.split splits on exactly str.isspace)."""
    return sum(map(len, text.split()))


def _layer_chars(text: str) -> int:
    """_chars of a text_layer_boxed text, whose only white space is the spaces, tabs and
    line breaks of the assembly (text_runs collapses the rest): three counts in C."""
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t")


def garbage_reason(text: str, page_ink: float, chars: Optional[int] = None) -> Optional[str]:
    """Why a text layer cannot be trusted, or None when it looks sane. (`chars`: the
    text's non-blank characters, when the caller has counted them.)"""
    chars = _chars(text) if chars is None else chars
    expected = page_ink * CHARS_PER_INK
    if chars == 0:
        return "no text layer"
    if chars < MIN_CHARS_PER_INK * expected:
        return f"text layer too thin for the page's ink ({chars} characters, ~{expected:.0f} expected)"
    bad = text.count("\ufffd") + (len(_UNMAPPED.findall(text)) if _UNMAPPED.search(text) else 0)
    if bad > max(3, 0.005 * chars):
        return f"text layer has {bad} unmapped glyphs"
    if stripped_swedish(text):
        return "hidden OCR layer in the wrong language (Swedish without å/ä/ö)"
    return None


def stripped_swedish(text: str) -> bool:
    """Swedish text whose å/ä/ö were read as a/o: none of them anywhere, and many
    tokens that are not words but whose å/ä/ö forms are ('forvaltningens', 'pa')."""
    if _SWEDISH_LETTER.search(text):
        return False
    tokens = [t.lower() for t in re.findall(r"[A-Za-z]{2,}", text)]
    if len(tokens) < 40:
        return False
    try:
        from .lexicon import lexicon, skeleton
        lex = lexicon()
    except Exception:  # model not built (yet): fall back to wordfreq
        lex = None
    hits = 0
    for t in tokens:
        if lex is not None:
            forms = [f for f in lex.forms(skeleton(t)) if f != t and any(c in SWEDISH_LETTERS for c in f)]
            if forms and (not lex.is_word(t) or max(lex.freq(f) for f in forms) > lex.freq(t) + 1.0):
                hits += 1
        elif t in _stripped_wordfreq():
            hits += 1
    return hits >= 5 and hits >= 0.08 * len(tokens)


_STRIPPED: Optional[frozenset] = None


def _stripped_wordfreq() -> frozenset:
    """Fallback without the lexicon: skeletons of frequent words with å/ä/ö."""
    global _STRIPPED
    if _STRIPPED is None:
        from wordfreq import top_n_list
        words = top_n_list("sv", 50_000)
        plain = set(words)
        fold = str.maketrans("åäö", "aao")
        _STRIPPED = frozenset(w.translate(fold) for w in words
                              if any(c in "åäö" for c in w) and w.translate(fold) not in plain)
    return _STRIPPED


def ocr_page(page: pdfium.PdfPage, dpi: int = DPI):
    return ocr_image(page_image(page, dpi), dpi)


def page_image(page: pdfium.PdfPage, dpi: int = DPI):
    """The page rendered at `dpi` as a greyscale PIL image. (A scan's own pixels, decoded
    without resampling, cost less but read worse: on the heavy seed scans body CER 0.0021
    against 0.0012 from the rendering; moderate 0.0009 against 0.0010.)"""
    return render_grey(page, dpi / 72).to_pil()


def render_grey(page: pdfium.PdfPage, scale: float) -> pdfium.PdfBitmap:
    """The page rendered into an 8-bit grey bitmap. pdfium's FPDF_GRAYSCALE flag
    (pypdfium2's grayscale=True) takes a slow path: a 200-dpi scan renders in ~13 ms
    without it against ~41 ms with it, the same pixels on every grey scan and text page
    tried (166 renderings; a colour page differs by at most 2 grey levels)."""
    return page.render(scale=scale, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)


_LOAD_PAGE = _c_function("FPDF_LoadPage", _P, _P, _I)
_CLOSE_PAGE = _c_function("FPDF_ClosePage", None, _P)
_PAGE_WIDTH = _c_function("FPDF_GetPageWidthF", ctypes.c_float, _P)
_PAGE_HEIGHT = _c_function("FPDF_GetPageHeightF", ctypes.c_float, _P)


class _Page:
    """A page read through its raw handle, what read_page needs of a PdfPage: pypdfium2's
    PdfPage (a finalizer, a repr, its parent's set of kids, closing) costs ~16 us a page,
    a tenth of reading a text page. The PdfPage is made only to render the page (ink,
    OCR), on the page loaded already, as PdfDocument.get_page makes it (loading the page
    again cost ~0.4 ms). (The document is opened without forms: no form env.)"""
    __slots__ = ("raw", "doc", "index", "page")

    def __init__(self, doc: pdfium.PdfDocument, index: int):
        self.raw = _LOAD_PAGE(doc.raw, index)
        if not self.raw:
            raise pdfium.PdfiumError("Failed to load page.")   # pypdfium2's own message
        self.doc, self.index, self.page = doc, index, None

    def get_width(self) -> float:
        return _PAGE_WIDTH(self.raw)

    def get_height(self) -> float:
        return _PAGE_HEIGHT(self.raw)

    def render(self, **kwargs) -> pdfium.PdfBitmap:
        if self.page is None:
            self.page = pdfium.PdfPage(ctypes.cast(self.raw, pdfium_c.FPDF_PAGE), self.doc, None)
            self.doc._add_kid(self.page)   # as get_page does: closed before the document
            self.raw = self.page.raw
        return self.page.render(**kwargs)

    def close(self) -> None:
        if self.page is not None:
            self.page.close()
        elif self.raw:
            _CLOSE_PAGE(self.raw)
        self.raw = None


def read_page(page: pdfium.PdfPage, force_ocr: bool = False) -> PageRead:
    text, boxes = text_layer_boxed(page)
    img = None
    chars = _layer_chars(text)
    if not force_ocr and chars and drawn_by_text(page):
        # all the print is text: the layer is thin only if it is garbage in other ways
        page_ink = chars / CHARS_PER_INK
    elif force_ocr or not chars:
        # OCR comes next unless the page is blank: one rendering serves both (the ink
        # render cost ~17 ms a scan); only blank or not matters on this path
        img = page_image(page)
        page_ink = 0.0 if img.getextrema() == (255, 255) else 1.0
    else:
        page_ink = ink(page)
    reason = "OCR forced" if force_ocr else garbage_reason(text, page_ink, chars)
    if reason is None:
        return PageRead(text, False, None, boxes=boxes)
    if page_ink == 0:  # a blank page: nothing to OCR
        return PageRead(text, False, None, None if reason == "no text layer" else reason, boxes)
    o = ocr_image(img, DPI) if img is not None else ocr_page(page)
    if reason.startswith("text layer too thin"):
        # a thin layer over a picture: keep whichever holds more text
        if chars >= _chars(o.text):
            return PageRead(text, False, None, reason, boxes)
    return PageRead(o.text, True, o.confidence, reason, o.boxes)


def read_pdf(path: Path, data: bytes, sha256: str, force_ocr: bool = False) -> Document:
    doc = open_pdf(path, data)
    pages, warnings = [], []
    try:
        for i in range(len(doc)):
            page = _Page(doc, i)
            try:
                r = read_page(page, force_ocr)
            except pdfium.PdfiumError as e:
                raise IngestError(f"{path.name}: page {i + 1} cannot be read ({e})") from None
            finally:
                page.close()
            if r.reason and r.reason != "no text layer":
                warnings.append(f"{path.name}: page {i + 1}: {r.reason}; "
                                + ("read by OCR" if r.ocr else "kept, OCR found less"))
            if r.ocr:
                w = low_confidence_warning(path.name, i + 1, r.confidence)
                if w:
                    warnings.append(w)
            pages.append((r.text, r.ocr, r.confidence, r.boxes))
    finally:
        doc.close()
    if not any(t.strip() for t, *_ in pages):
        raise IngestError(f"{path.name}: no text found in the PDF, not even by OCR")
    return build_document(path, sha256, "pdf", pages, warnings)
