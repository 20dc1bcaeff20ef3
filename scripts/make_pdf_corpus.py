"""Render the seed text files into PDFs laid out like a Stockholm tjänsteutlåtande, and
make scanned (image-only) versions of them with scanner damage.

    python scripts/make_pdf_corpus.py [--out corpus/pdf] [--scans out/scans]

Born-digital PDF (reportlab, Liberation Sans = Arial metrics, as the city's templates):
a vector logo (no text), a running header "Tjänsteutlåtande … Sida x (n)" on every
page (no diarienummer: the seeds do not give the document's own, and none is invented), a running footer, on page 1 the Handläggare/Telefon | Till/nämnd/date block
in two columns and, when the text has one, the letterhead address block in the footer;
bullets, side-by-side signature blocks and the tabbed attestation table as tables.

Scans: every page rendered at 200 dpi, then damaged, deterministically (the random
generator is seeded from the file name and grade):
  moderate  rotation 0.5-1.0°, slight blur, light noise, JPEG q≈70;
  heavy     rotation 1.0-1.5°, stronger blur, grey background, heavy noise and
            speckles, JPEG q≈45 (a bad photocopy).
Also a mixed PDF (text pages with one scanned page) and a PDF whose pages are scans
carrying a hidden text layer OCR'd "in the wrong language" (å/ä/ö stripped).

Which files are committed: the born-digital, mixed and garbage-layer PDFs (small).
Scans are generated (`--scans DIR`, `make scans`, or by the tests into a temporary
directory), since at 200 dpi they weigh 0.5-1 MB a page.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import random
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import (Paragraph, SimpleDocTemplate, Spacer,  # noqa: E402
                                Table, TableStyle)

from pipeline.ingest import decode_text  # noqa: E402
from pipeline.layout import ADDRESS_LINE_RX, LIST_ITEM_RX, letterhead_spans  # noqa: E402
from pipeline.segment import heading_kind  # noqa: E402

FONT_DIRS = [Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/dejavu")]
FONT_FILES = {"liberation": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
              "dejavu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}
DPI = 200


def _register_fonts() -> tuple[str, str]:
    for d, (reg, bold) in zip(FONT_DIRS, FONT_FILES.values()):
        if (d / reg).exists() and (d / bold).exists():
            pdfmetrics.registerFont(TTFont("Body", str(d / reg)))
            pdfmetrics.registerFont(TTFont("Body-Bold", str(d / bold)))
            return "Body", "Body-Bold"
    raise SystemExit("no font with å/ä/ö found: apt-get install fonts-liberation or fonts-dejavu-core")


FONT, BOLD = _register_fonts()
ST_BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=14.5, spaceAfter=7)
ST_LINES = ParagraphStyle("lines", parent=ST_BODY, spaceAfter=7)
ST_HEAD = ParagraphStyle("h", fontName=BOLD, fontSize=12, leading=15, spaceBefore=6, spaceAfter=5)
ST_TITLE = ParagraphStyle("t", fontName=BOLD, fontSize=14, leading=18, spaceBefore=8, spaceAfter=8)
ST_BULLET = ParagraphStyle("b", parent=ST_BODY, leftIndent=14, bulletIndent=3, spaceAfter=2)
ST_CELL = ParagraphStyle("c", fontName=FONT, fontSize=10.5, leading=14)
ST_SMALL = ParagraphStyle("s", fontName=FONT, fontSize=8, leading=10)

LIST_RX = re.compile(r"^\s*(?:[-•]\s+|\d{1,2}[.)]\s+)")
DATE_RX = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks_of(text: str) -> list[list[str]]:
    """Blank-line separated blocks, each a list of (right-stripped) lines."""
    out, cur = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _is_short_lines(block: list[str]) -> bool:
    return all(len(l.strip()) <= 45 and not l.strip().endswith((".", ",", ";")) for l in block)


def _is_signature(block: list[str]) -> bool:
    first = block[0].strip().split()
    return (2 <= len(block) <= 4 and _is_short_lines(block) and 2 <= len(first) <= 4
            and all(w[:1].isupper() for w in first) and not heading_kind(block[0].strip()))


def _hard_wrapped(block: list[str]) -> bool:
    """Lines of one paragraph broken at a fixed width (not separate lines of a list)."""
    if any(LIST_ITEM_RX.match(l) or re.match(r"\s*Bilaga\s+\d", l) for l in block[1:]):
        return False
    return sum(1 for l in block[:-1] if len(l.strip()) >= 50) >= 0.7 * (len(block) - 1)


def _prose_paragraphs(block: list[str]) -> list[str]:
    """Hard-wrapped lines -> paragraphs; a short line ending a sentence ends a paragraph."""
    width = max(len(l.strip()) for l in block)
    paras, cur = [], []
    for line in block:
        s = line.strip()
        cur.append(s)
        if s.endswith((".", ":", "!", "?")) and len(s) < 0.6 * width:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return paras


def _two_col(left: list[str], right: list[str], widths=(85 * mm, 85 * mm)) -> Table:
    cell = lambda ls: Paragraph("<br/>".join(esc(l.strip()) for l in ls), ST_CELL)  # noqa: E731
    t = Table([[cell(left), cell(right)]], colWidths=list(widths), hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def story_of(text: str) -> tuple[list, list[str]]:
    """Flowables for the body, and the letterhead lines for the page-1 footer."""
    spans = letterhead_spans(text)
    letterhead = []
    for s, e in reversed(spans):
        letterhead = [l.strip() for l in text[s:e].split("\n") if l.strip()] + letterhead
        text = text[:s] + text[e:]
    blocks = blocks_of(text)
    story, i, seen_heading, title_done = [], 0, False, False
    while i < len(blocks):
        b = blocks[i]
        first = b[0].strip()
        if len(b) > 1 and heading_kind(first):  # a heading directly above its text
            story.append(Paragraph(esc(first), ST_HEAD))
            seen_heading = True
            blocks[i] = b = b[1:]
            first = b[0].strip()
        if first == "Handläggare" and i + 1 < len(blocks) and blocks[i + 1][0].strip() == "Till":
            story += [_two_col(b, blocks[i + 1]), Spacer(1, 8)]
            i += 2
            continue
        if len(b) == 1 and heading_kind(first):
            seen_heading = True
            story.append(Paragraph(esc(first), ST_HEAD))
        elif any("\t" in l for l in b):
            cells = [[c.strip() for c in l.split("\t")] for l in b]
            n = max(map(len, cells))
            cells = [r + [""] * (n - len(r)) for r in cells]
            # columns as wide as their longest cell, in a font small enough to fit the page
            size = 10.5
            while True:
                widths = [max(pdfmetrics.stringWidth(r[k], FONT, size) for r in cells) + 28 for k in range(n)]
                if sum(widths) <= 160 * mm or size <= 7:
                    break
                size -= 0.5
            widths[0] = max(widths[0], 160 * mm - sum(widths[1:])) if n > 1 and widths[-1] < 60 * mm else widths[0]
            st = ParagraphStyle("tc", parent=ST_CELL, fontSize=size, leading=size + 3.5)
            rows = [[Paragraph(esc(c), st) for c in r] for r in cells]
            t = Table(rows, colWidths=widths, hAlign="LEFT")
            t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
            story += [t, Spacer(1, 6)]
        elif _is_signature(b) and i + 1 < len(blocks) and _is_signature(blocks[i + 1]):
            story += [Spacer(1, 10), _two_col(b, blocks[i + 1]), Spacer(1, 10)]
            i += 2
            continue
        elif all(LIST_RX.match(l) for l in b):
            for l in b:
                m = re.match(r"^\s*[-•]\s+(.*)", l)
                if m:
                    story.append(Paragraph(esc(m.group(1)), ST_BULLET, bulletText="•"))
                else:
                    story.append(Paragraph(esc(l.strip()), ST_BULLET))
            story.append(Spacer(1, 9))
        elif len(b) == 1 and not seen_heading and not title_done and len(first) > 20 and not first.endswith("."):
            title_done = True  # the first long line of the head is the title
            story.append(Paragraph(esc(first), ST_TITLE))
        elif len(b) == 1 and len(first) <= 60 and not first.endswith((".", ",", ";")) and seen_heading:
            story.append(Paragraph(esc(first), ST_HEAD))  # an unnumbered sub-heading
        elif len(b) > 1 and (_is_short_lines(b) or not _hard_wrapped(b)):
            story.append(Paragraph("<br/>".join(esc(l.strip()) for l in b), ST_LINES))
        else:
            for p in _prose_paragraphs(b):
                story.append(Paragraph(esc(p), ST_BODY))
        i += 1
    return story, letterhead


def _logo(c, x, y):
    """A vector crown-and-shield mark: ink without text, as the city's logo image."""
    c.saveState()
    c.setFillGray(0.15)
    c.rect(x, y, 9 * mm, 11 * mm, fill=1, stroke=0)
    c.setFillGray(1)
    for k in range(3):
        c.circle(x + (2 + 2.5 * k) * mm, y + 8 * mm, 0.8 * mm, fill=1, stroke=0)
    c.rect(x + 1.5 * mm, y + 2 * mm, 6 * mm, 4 * mm, fill=1, stroke=0)
    c.restoreState()


def render_pdf(text: str, stem: str) -> bytes:

    def build(total: int) -> tuple[bytes, int]:
        buf = io.BytesIO()
        pages = [0]
        story, letterhead = story_of(text)  # flowables are consumed by a build

        def on_page(c, doc):
            pages[0] = doc.page
            w, h = A4
            c.saveState()
            _logo(c, 20 * mm, h - 25 * mm)
            c.setFont(BOLD, 10)
            c.drawString(120 * mm, h - 16 * mm, "Tjänsteutlåtande")
            c.drawRightString(w - 18 * mm, h - 16 * mm, f"Sida {doc.page} ({total})")
            c.setFont(FONT, 8)
            y = 14 * mm
            if doc.page == 1 and letterhead:
                # the letterhead address block, in a small font at the foot of page 1
                org = [l for l in letterhead if not ADDRESS_LINE_RX.match(l)]
                addr = [l for l in letterhead if ADDRESS_LINE_RX.match(l)]
                for k, l in enumerate(org):
                    c.drawString(20 * mm, 47 * mm - k * 10, l)
                for k, l in enumerate(addr):
                    c.drawString(20 * mm, 47 * mm - (len(org) + 1 + k) * 10, l)
            c.drawRightString(w - 18 * mm, 10 * mm, "stockholm.se")
            c.restoreState()

        doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                                topMargin=35 * mm, bottomMargin=50 * mm, title=stem, author="",
                                creator="remiss-pipeline corpus", invariant=1)
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
        return buf.getvalue(), pages[0]

    _, total = build(0)
    data, _ = build(total)
    return data


# ---- scans ---------------------------------------------------------------------------

GRADES = {
    "moderate": dict(angle=(0.5, 1.0), blur=0.5, noise=6, background=245, jpeg=70, speckle=0),
    "heavy": dict(angle=(1.0, 1.5), blur=0.9, noise=16, background=225, jpeg=45, speckle=600),
}


def render_pages(pdf: bytes, dpi: int = DPI):
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()


def damage(img, grade: str, rng: random.Random):
    import numpy as np
    from PIL import Image, ImageFilter
    g = GRADES[grade]
    angle = rng.uniform(*g["angle"]) * rng.choice((-1, 1))
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(g["blur"]))
    a = np.asarray(img, dtype=np.float32)
    # paper tone and toner: white goes to the background grey, black stays near black
    a = a / 255.0 * (g["background"] - 25) + 25
    nrng = np.random.default_rng(rng.randrange(2**32))
    a += nrng.normal(0, g["noise"], a.shape)
    if g["speckle"]:
        ys = nrng.integers(0, a.shape[0], g["speckle"])
        xs = nrng.integers(0, a.shape[1], g["speckle"])
        a[ys, xs] = nrng.integers(0, 90, g["speckle"])
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=g["jpeg"])
    buf.seek(0)
    return Image.open(buf)


def _rng(stem: str, grade: str) -> random.Random:
    return random.Random(int(hashlib.sha256(f"{stem}:{grade}".encode()).hexdigest()[:16], 16))


def images_to_pdf(images) -> bytes:
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return buf.getvalue()


def scan_pdf(pdf: bytes, stem: str, grade: str, pages=None) -> bytes:
    rng = _rng(stem, grade)
    imgs = render_pages(pdf)
    out = [damage(im, grade, rng) for i, im in enumerate(imgs) if pages is None or i + 1 in pages]
    return images_to_pdf(out)


def mixed_pdf(pdf: bytes, stem: str, scanned_page: int = 2) -> bytes:
    """The born-digital PDF with one page replaced by its moderate scan (pikepdf, with a
    deterministic file ID so that the file is reproducible)."""
    import pikepdf
    scan = pikepdf.open(io.BytesIO(scan_pdf(pdf, stem, "moderate", pages={scanned_page})))
    src = pikepdf.open(io.BytesIO(pdf))
    out = pikepdf.new()
    for i, page in enumerate(src.pages):
        out.pages.append(scan.pages[0] if i + 1 == scanned_page else page)
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True)
    return buf.getvalue()


def strip_accents(s: str) -> str:
    """What an English OCR model makes of Swedish: å/ä/ö (and é) lose their marks."""
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def garbage_layer_pdf(pdf: bytes, stem: str, pages: int = 1) -> bytes:
    """Moderate scans with an invisible text layer of the accent-stripped page text, as a
    scanner's OCR run with the wrong language leaves it."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    src = pdfium.PdfDocument(pdf)
    texts = [src[i].get_textpage().get_text_range() for i in range(len(src))]
    rng = _rng(stem, "garbage")
    imgs = [damage(im, "moderate", rng) for im in render_pages(pdf)]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    w, h = A4
    for img, text in list(zip(imgs, texts))[:pages]:
        jpeg = io.BytesIO()
        img.save(jpeg, "JPEG", quality=GRADES["moderate"]["jpeg"])
        jpeg.seek(0)
        c.drawImage(ImageReader(jpeg), 0, 0, width=w, height=h)
        t = c.beginText(25 * mm, h - 40 * mm)
        t.setTextRenderMode(3)  # invisible, as OCR layers are
        t.setFont("Helvetica", 10)
        for line in text.replace("\r\n", "\n").split("\n"):
            t.textLine(strip_accents(line))
        c.drawText(t)
        c.showPage()
    c.save()
    return buf.getvalue()


def seed_texts(root: Path = ROOT, variants: bool = False) -> list[Path]:
    files = sorted((root / "corpus").glob("[0-9][0-9][0-9]_*.txt"))
    if variants:
        files += sorted((root / "corpus" / "variants").glob("*.txt"))
    return files


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "corpus" / "pdf")
    ap.add_argument("--scans", type=Path, metavar="DIR",
                    help="also write the scanned versions there (several MB; keep them out of git)")
    ap.add_argument("--variants", action="store_true",
                    help="also render corpus/variants/*.txt (the tests render them on the fly)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    digital = {}
    for path in seed_texts(variants=args.variants):
        text, _ = decode_text(path.read_bytes())
        data = render_pdf(text, path.stem)
        digital[path.stem] = data
        (args.out / f"{path.stem}.pdf").write_bytes(data)
        if args.scans:
            args.scans.mkdir(parents=True, exist_ok=True)
            for grade in GRADES:
                (args.scans / f"{path.stem}.{grade}.pdf").write_bytes(scan_pdf(data, path.stem, grade))
    stem = sorted(digital)[0]  # 000: four pages, page 2 scanned; page 1 with a wrong-language layer
    (args.out / "mixed.pdf").write_bytes(mixed_pdf(digital[stem], stem))
    (args.out / "garbage_layer.pdf").write_bytes(garbage_layer_pdf(digital[stem], stem))
    print(f"wrote {len(digital)} PDFs and the mixed/garbage-layer PDFs to {args.out}")


if __name__ == "__main__":
    main()
