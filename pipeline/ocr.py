"""OCR with Tesseract: page images -> lines of text with word confidences.

Tesseract runs with the Swedish model only (`swe`: `swe+eng` and `eng` lose å/ä/ö), at
200 dpi (300 dpi read no better on our scans and is slower), one thread per process
(OMP_THREAD_LIMIT=1; parallelism comes from running documents side by side).

Tesseract is run directly (the page as uncompressed PGM on stdin, TSV on stdout), so
that the pipeline costs little more than the `tesseract` CLI on the same image.

A page read badly is read again after a median filter (photocopy speckle).
Scanners and photocopiers tilt pages by a degree or so. The tilt is measured (a
projection-profile search over ±3°); up to 1° Tesseract reads the page as it is and
only the word boxes are turned upright, beyond it the image is deskewed before OCR.
Straight lines let us put words that stand side by side (Handläggare | Till,
signatures, table cells) on one line.

`assemble_lines` is shared with the PDF text layer (pipeline.pdf, which hands its text
rectangles to the core, `assemble_spans`, as tuples): boxes -> lines, top to bottom,
with a tab between runs that stand far apart on a line and a blank line where the
vertical gap shows a new paragraph. pipeline.layout then splits tabbed
blocks into columns or keeps them as table rows. `assemble_lines_boxed` also says where
each box's text landed in the page text: OCR pages keep a box per word (OcrPage.boxes,
then Page.boxes), in points on the page as it came in (the deskewing undone), so that
evidence can point at the place on the page image.

`read_image` reads PNG/JPEG/TIFF (every frame of a multi-page TIFF) into a Document.
"""
from __future__ import annotations

import functools
import io
import math
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Optional

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # must be set before Tesseract starts

from PIL import ExifTags, Image, ImageFilter, ImageOps, ImageSequence, UnidentifiedImageError  # noqa: E402

from .ingest import Document, IngestError, Page  # noqa: E402
from .layout import LIST_ITEM_RX  # noqa: E402

LANG = "swe"
DPI = 200
CONFIDENCE_FLOOR = 75.0   # mean word confidence under which a page gets a warning
TESSERACT_CONFIG = "--oem 1 --psm 3"
ROTATE_OVER = 1.05  # degrees: pages tilted more are deskewed before OCR (see ocr_image)
_TMP_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@dataclass(slots=True)
class Box:
    """A run of text and its box, in pixels or points, y growing downwards."""
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    conf: Optional[float] = None
    ref: Optional[float] = None   # the typical top of the words of a line fragment
    parts: Optional[list["Box"]] = None  # a line fragment's words, in order


# A word's place: (start, end) of its text in the page text (raw offsets once the page is
# in a Document), and its box (x0, y0, x1, y1) in PDF points from the page's top-left
# corner, y growing downwards (an image's pixels count as points at its own dpi).
WordBox = tuple[int, int, float, float, float, float]


@dataclass
class OcrPage:
    text: str
    confidence: Optional[float]          # mean word confidence 0-100, None without words
    words: list[Box] = field(default_factory=list)
    boxes: list[WordBox] = field(default_factory=list)  # in page points, before deskewing


# ---- lines from boxes ------------------------------------------------------------------

def assemble_lines(runs: list[list[Box]], page_width: float) -> str:
    return assemble_lines_boxed(runs, page_width)[0]


def _median(xs: list) -> float:
    """statistics.median of a list, the same arithmetic without its overhead."""
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def _fragments(runs: list[list[Box]]) -> list[Box]:
    """Each run's boxes in x order, cut where a gap is wider than 1.5 box heights (side-by-
    side columns that OCR read as one line); a fragment's `parts` are its boxes."""
    frags = []
    for run in runs:
        if len(run) == 1:  # a PDF text rectangle: one box, one fragment
            b = run[0]
            text = b.text.strip()
            if text == b.text:  # the box serves as its own fragment
                b.ref, b.parts = b.top, run
                frags.append(b)
            elif text:
                frags.append(Box(b.x0, b.top, b.x1, b.bottom, text, ref=b.top, parts=run))
            continue
        run = sorted((b for b in run if b.text.strip()), key=lambda b: b.x0)
        if not run:
            continue
        h = _median([b.bottom - b.top for b in run])
        piece = [run[0]]
        for b in run[1:] + [None]:
            if b is not None and b.x0 - piece[-1].x1 <= 1.5 * h:
                piece.append(b)
                continue
            frags.append(Box(piece[0].x0, min(p.top for p in piece), piece[-1].x1,
                             max(p.bottom for p in piece), " ".join(p.text.strip() for p in piece),
                             ref=_median([p.top for p in piece]), parts=piece))
            piece = [b]
    return frags


def assemble_lines_boxed(runs: list[list[Box]], page_width: float) -> tuple[str, list[tuple[int, int, Box]]]:
    """`runs`: groups of boxes that are known to share a line (a Tesseract line, a PDF
    text rectangle); groups whose vertical extents overlap are merged into one visual line.
    Far-apart groups on a line are separated by a tab; a line starting far right of the
    page's left margin gets a leading tab (an empty left column). Returns the text and,
    for every box, where its (stripped) text landed in it: (start, end, box), in order."""
    return assemble_fragments(_fragments(runs), page_width)


def assemble_fragments(frags: list[Box], page_width: float) -> tuple[str, list[tuple[int, int, Box]]]:
    """assemble_lines_boxed on the runs' fragments (_fragments)."""
    return assemble_spans([((f.top + f.bottom) / 2, f.top, f.bottom, f.x0, f.x1, f.text, f.ref,
                            [(len(p.text.strip()), (p,)) for p in f.parts]) for f in frags], page_width)


# A line fragment as assemble_spans takes it, a tuple:
#   0 middle (top + bottom) / 2, 1 top, 2 bottom, 3 x0, 4 x1, 5 text (stripped),
#   6 ref (the typical top of its words), 7 words: (length of the word's stripped text,
#   a tuple to place) in order: a word lands as (start, end) + its tuple (OCR: (box,); the
#   PDF text layer: the rounded box itself, so that its WordBox is made once).
# Made and read by index: the PDF text layer makes one per text rectangle (~30 a page),
# and a tuple costs a fraction of a Box (a dataclass __init__ call).
Span = tuple[float, float, float, float, float, str, float, list]
_MIDDLE, _X0 = itemgetter(0), itemgetter(3)


def assemble_spans(frags: list[Span], page_width: float) -> tuple[str, list[tuple]]:
    """assemble_lines_boxed on line fragments given as Span tuples (what the PDF text
    layer makes directly, a fragment per text rectangle): the text, and (start, end) +
    the word's tuple for every word of every fragment."""
    if not frags:
        return "", []
    frags.sort(key=_MIDDLE)
    lines: list[list[Span]] = []
    cur, top, bottom = None, 0.0, 0.0
    for f in frags:
        # one visual line while the overlap with the line's first fragment (not the union)
        # is over half the lower height (min/max written out: this loop is hot)
        if cur is not None:
            ft, fb = f[1], f[2]
            lower = bottom - top if bottom - top < fb - ft else fb - ft
            if (bottom if bottom < fb else fb) - (top if top > ft else ft) > 0.5 * lower:
                cur.append(f)
                continue
        cur, top, bottom = [f], f[1], f[2]
        lines.append(cur)
    left = min(map(_X0, frags))
    heights = [l[0][2] - l[0][1] if len(l) == 1 else max(b[2] for b in l) - min(b[1] for b in l)
               for l in lines]
    h = _median(heights)
    # paragraph gaps are measured on the typical top of a line's words (accents and short
    # words move a line's extreme top), against the common line pitch (lower quartile)
    tops = [l[0][6] if len(l) == 1 else _median([b[6] for b in l]) for l in lines]
    pitches = sorted(b - a for a, b in zip(tops, tops[1:]) if b > a)
    pitch = pitches[len(pitches) // 4] if pitches else 0
    texts, placed = [], []   # placed: per line, (start, end in the line, word)
    tab_at = 0.25 * page_width
    gap = 1.5 * h
    right = None   # where the lines without a tab end, at the most
    for line in lines:
        if len(line) == 1 and len(line[0][7]) == 1:   # the common case, written out
            b = line[0]
            (n, p), = b[7]
            if b[3] - left > tab_at:
                texts.append("\t" + b[5])
                placed.append([(1, 1 + n, p)])
                continue
            text = b[5]
            texts.append(text)
            placed.append([(0, n, p)])
        else:
            if len(line) > 1:
                line.sort(key=_X0)
            text = "\t" if line[0][3] - left > tab_at else ""
            words = []
            prev = None
            for b in line:
                if prev is not None:
                    text += "\t" if b[3] - prev[4] > gap else " "
                prev = b
                at = len(text)
                for n, p in b[7]:
                    words.append((at, at + n, p))
                    at += n + 1
                text += b[5]
            texts.append(text)
            placed.append(words)
        if "\t" not in text and (right is None or line[-1][4] > right):
            right = line[-1][4]
    if right is None:
        right = 0
    # the page text: the lines joined by a line break, a blank line where a paragraph
    # ends, a space where a line was full (the next line's first word did not fit)
    pieces, starts, pos = [texts[0]], [0], len(texts[0])   # starts: where each line begins
    for k in range(1, len(texts)):
        text, prev_text = texts[k], texts[k - 1]
        # a larger font has a larger pitch of its own (titles wrapped over two lines)
        own = 1.2 * heights[k - 1]
        if pitch and tops[k] - tops[k - 1] > 1.3 * (pitch if pitch >= own else own):
            sep = "\n\n"
        elif (right and "\t" not in text and "\t" not in prev_text and not prev_text.endswith("-")
              and _wrapped(lines[k - 1][-1][4], lines[k][0], text, right, h)):
            sep = " "
        else:
            sep = "\n"
        pos += len(sep)
        starts.append(pos)
        pos += len(text)
        pieces.append(sep)
        pieces.append(text)
    boxes = [(at + s, at + e) + p for at, words in zip(starts, placed) for s, e, p in words]
    return "".join(pieces), boxes


_BULLET_START = re.compile(r"^\s*[•▪◦·\uf0b7]")
_LIST_OR_BULLET = re.compile(f"(?:{LIST_ITEM_RX.pattern})|(?:{_BULLET_START.pattern})")  # one match for both


def _wrapped(prev_x1: float, first: Span, text: str, right: float, h: float) -> bool:
    """Did the previous line (ending at `prev_x1`) end only because the first word of
    `text`, whose first fragment is `first`, did not fit on it? The caller refuses lines
    with tabs and lines ending in a hyphen (left to layout, which checks the word); list
    items are not joined either."""
    if _LIST_OR_BULLET.match(text):
        return False
    word = text.split(None, 1)[0]
    est = (first[4] - first[3]) * len(word) / max(1, len(first[5]))
    return prev_x1 + est + 0.3 * h > right - 0.5 * h


# ---- Tesseract -------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _tesseract() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise IngestError("Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-swe")
    return exe


def _run_tesseract(img: Image.Image, dpi: int) -> list[list[str]]:
    """Tesseract's TSV word rows for a greyscale image. The image is handed over as an
    uncompressed PGM file in memory-backed /dev/shm: compressing a PNG (what pytesseract
    writes) cost ~0.5 s a page, a quarter of Tesseract's own time, and piping the image
    on stdin ~50 ms (Tesseract reads stdin slowly)."""
    try:
        return _tesseract_file(img, dpi, _TMP_DIR)
    except OSError:
        if _TMP_DIR is None:
            raise
        return _tesseract_file(img, dpi, None)  # /dev/shm full (small in containers): the disk


def _tesseract_file(img: Image.Image, dpi: int, tmp_dir: Optional[str]) -> list[list[str]]:
    env = dict(os.environ, OMP_THREAD_LIMIT=os.environ.get("OMP_THREAD_LIMIT", "1"))
    with tempfile.NamedTemporaryFile(suffix=".pgm", dir=tmp_dir) as f:
        img.save(f, "PPM")  # mode L -> binary PGM (P5)
        f.flush()
        r = subprocess.run([_tesseract(), f.name, "stdout", "-l", LANG, *TESSERACT_CONFIG.split(),
                            "--dpi", str(dpi), "tsv"], capture_output=True, env=env)
    if r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise IngestError(f"Tesseract failed: {msg[-1] if msg else f'exit code {r.returncode}'}")
    rows = [line.split("\t", 11) for line in r.stdout.decode("utf-8", "replace").splitlines()[1:]]
    return [row for row in rows if len(row) == 12 and row[0] == "5"]


def deskew_angle(img: Image.Image, limit: float = 3.0) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal: the one
    whose row-ink profile is sharpest; a coarse search in 0.5° steps, then 0.1° steps.
    The ink (dark pixels of the half-scale image) is sheared rather than the image
    rotated: each angle is one histogram of row positions, ~5 ms a page in all."""
    import numpy as np
    a = np.asarray((img if img.mode == "L" else img.convert("L")).reduce(2))
    ys, xs = np.nonzero(a < 128)
    if len(ys) < 50:
        return 0.0
    xs = xs.astype(np.float64) - a.shape[1] / 2
    ys = ys.astype(np.float64) + a.shape[1] * math.tan(math.radians(limit + 1)) / 2 + 2  # no negative rows

    buf = np.empty_like(xs)
    scores: dict[float, float] = {}  # the fine search passes the coarse angle again

    def score(deg: float) -> float:
        if deg not in scores:  # rows of ys - xs * tan(deg), computed in one buffer
            np.subtract(ys, np.multiply(xs, math.tan(math.radians(deg)), out=buf), out=buf)
            d = np.diff(np.bincount(np.rint(buf, out=buf).astype(np.intp)))
            scores[deg] = float(np.dot(d, d))
        return scores[deg]
    coarse = max((k * 0.5 for k in range(-int(limit * 2), int(limit * 2) + 1)), key=score)
    return max((coarse + k * 0.1 for k in range(-4, 5)), key=score)


def ocr_image(img: Image.Image, dpi: int = DPI) -> OcrPage:
    """OCR one page image (any mode) with Tesseract `swe`. A page read badly (no words,
    or mean confidence under the floor) is read again after a 3x3 median filter, which
    takes out photocopy speckle that otherwise swamps Tesseract's binarisation on sparse
    pages; the better reading (more confident words) is kept. Word boxes are given in
    points on the page as it came in (deskewing undone), at `dpi`.

    A page tilted by up to ROTATE_OVER degrees is read as it is, and only the word boxes
    are turned upright to assemble the lines: Tesseract follows such lines by itself
    (scanned seed pages with moderate damage, tilted vs deskewed, CER against the clean
    page: 0.0015/0.0012 at 0.5°, 0.0020/0.0014 at 1°: a logo speck and a quote mark),
    while rotating the image costs ~0.1 s and makes Tesseract ~5% slower on it. Beyond
    that the tilted reading falls off (0.0046/0.0009 at 1.5°, 0.16/0.0006 at 2°), so the
    image is deskewed first."""
    img = _upright_grey(img)
    angle = deskew_angle(img)
    turned = abs(angle) > ROTATE_OVER
    if turned:
        img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    tilt = 0.0 if turned or abs(angle) < 0.1 else angle
    page, placed = _tesseract_page(img, dpi, tilt)
    if page.confidence is None or page.confidence < CONFIDENCE_FLOOR:
        again, placed2 = _tesseract_page(img.filter(ImageFilter.MedianFilter(3)), dpi, tilt)
        if _good_words(again) > _good_words(page):
            page, placed = again, placed2
    page.boxes = [(s, e, *_unrotate(b, angle if turned else 0.0, img.width, img.height, 72 / dpi)) for s, e, b in placed]
    return page


def _upright_grey(img: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says, in greyscale; an upright greyscale
    image (every rendered PDF page) as it is, without the two copies of 4 MB that
    ImageOps.exif_transpose and convert make of it regardless."""
    if img.getexif().get(ExifTags.Base.Orientation, 1) != 1:
        img = ImageOps.exif_transpose(img)
    return img if img.mode == "L" else img.convert("L")


def _unrotate(b: Box, angle: float, width: int, height: int, scale: float) -> tuple[float, float, float, float]:
    """The box, found on the image rotated by `angle` about its centre (PIL's rotate,
    counter-clockwise), on the image before the rotation: the bounding box of its corners
    turned back; then scaled (pixels -> points)."""
    a = math.radians(angle)
    cx, cy, c, s = width / 2, height / 2, math.cos(a), math.sin(a)
    xs, ys = [], []
    for x, y in ((b.x0, b.top), (b.x1, b.top), (b.x0, b.bottom), (b.x1, b.bottom)):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * c - dy * s)
        ys.append(cy + dx * s + dy * c)
    return (round(min(xs) * scale, 2), round(min(ys) * scale, 2),
            round(max(xs) * scale, 2), round(max(ys) * scale, 2))


def _good_words(page: OcrPage) -> int:
    return sum(1 for w in page.words if w.conf >= 60)


def _straighten(b: Box, angle: float, width: int, height: int) -> Box:
    """The box of a word on a page that is tilted by -`angle`, where the word would lie on
    the page turned upright (rotated by `angle` about its centre, like PIL's rotate): its
    centre turned, and the width and height of the upright word whose tilted bounding
    box it is."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    cx, cy = width / 2, height / 2
    dx, dy = (b.x0 + b.x1) / 2 - cx, (b.top + b.bottom) / 2 - cy
    mx, my = cx + dx * c + dy * s, cy - dx * s + dy * c
    W, H, s = b.x1 - b.x0, b.bottom - b.top, abs(s)
    det = c * c - s * s
    w = max((W * c - H * s) / det, 0.5 * W)
    h = max((H * c - W * s) / det, 0.5 * H)
    return Box(mx - w / 2, my - h / 2, mx + w / 2, my + h / 2, b.text, b.conf)


def _tesseract_page(img: Image.Image, dpi: int, angle: float = 0.0) -> tuple[OcrPage, list[tuple[int, int, Box]]]:
    """Read `img`. Lines are assembled on the word boxes turned upright by `angle` (the
    page's tilt, when the image was not deskewed); the placed boxes returned are
    Tesseract's own, on `img`."""
    groups: dict[tuple, list[Box]] = {}
    source: dict[int, Box] = {}   # id of an upright box -> Tesseract's box
    words: list[Box] = []
    for _lvl, _pg, block, par, line, _w, left, top, width, height, conf, txt in _run_tesseract(img, dpi):
        conf = float(conf)
        if conf < 0 or not txt.strip() or (conf < 50 and not re.search(r"\w", txt)):
            continue  # empty boxes, and specks read as punctuation
        x0, y0 = int(left), int(top)
        b = Box(x0, y0, x0 + int(width), y0 + int(height), txt, conf)
        words.append(b)
        if angle:
            upright = _straighten(b, angle, img.width, img.height)
            source[id(upright)] = b
            b = upright
        groups.setdefault((block, par, line), []).append(b)
    text, placed = assemble_lines_boxed(list(groups.values()), img.width)
    if source:
        placed = [(s, e, source[id(b)]) for s, e, b in placed]
    confidence = sum(w.conf for w in words) / len(words) if words else None
    return OcrPage(text, confidence, words), placed


def low_confidence_warning(name: str, page: int, confidence: Optional[float]) -> Optional[str]:
    if confidence is None:
        return f"{name}: page {page}: OCR found no text"
    if confidence < CONFIDENCE_FLOOR:
        return f"{name}: page {page}: low OCR confidence ({confidence:.0f} < {CONFIDENCE_FLOOR:.0f})"
    return None


def build_document(path: Path, sha256: str, fmt: str,
                   pages: list[tuple[str, bool, Optional[float], list[WordBox]]],
                   warnings: list[str]) -> Document:
    """Pages (text, ocr, confidence, word boxes with offsets in the page text) -> Document
    whose raw text is the pages joined by form feeds; box offsets become raw offsets."""
    raw_parts, out, pos = [], [], 0
    for i, (text, ocr, conf, boxes) in enumerate(pages):
        text = text.replace("\f", "\n")
        raw_parts.append(text)
        if pos:   # the first page's offsets are raw offsets already
            boxes = [(pos + s, pos + e, x0, y0, x1, y1) for s, e, x0, y0, x1, y1 in boxes]
        out.append(Page(i + 1, pos, pos + len(text), ocr=ocr, confidence=conf, boxes=sorted(boxes)))
        pos += len(text) + 1
    return Document(path, sha256, fmt, "\f".join(raw_parts), out, warnings=warnings)


def read_image(path: Path, data: bytes, sha256: str) -> Document:
    try:
        im = Image.open(io.BytesIO(data))
        frames = [f.copy() for f in ImageSequence.Iterator(im)]
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise IngestError(f"{path.name}: not a readable image ({str(e).splitlines()[0] if str(e) else 'unknown format'})") from None
    if not frames:
        raise IngestError(f"{path.name}: image has no frames")
    pages, warnings = [], []
    for i, frame in enumerate(frames):
        dpi = frame.info.get("dpi", (DPI, DPI))[0] or DPI
        if dpi < 150:  # faxes and web images: upsample so Tesseract sees 200 dpi glyphs
            f = DPI / dpi
            frame = frame.convert("L").resize((int(frame.width * f), int(frame.height * f)), Image.BICUBIC)
            dpi = DPI
        page = ocr_image(frame, int(round(dpi)))
        w = low_confidence_warning(path.name, i + 1, page.confidence)
        if w:
            warnings.append(w)
        # points at the upsampled dpi are points at the image's own dpi too
        pages.append((page.text, True, page.confidence, page.boxes))
    if not any(t.strip() for t, *_ in pages):
        raise IngestError(f"{path.name}: OCR found no text in the image")
    return build_document(path, sha256, "image", pages, warnings)
