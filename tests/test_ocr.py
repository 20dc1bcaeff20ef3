"""Scans read by real Tesseract (`swe`): moderate scans give the text file's record, heavy
(bad photocopy) scans get every header field right with body CER <= 1%.

The scans are made here, into a temporary directory, by scripts/make_pdf_corpus.py
(seeded, so the same pixels every run); nothing OCR'd is cached between runs. OCR work:
13 pages of moderate scans, 8 of heavy ones, a few small crops.
"""
import re

import pypdfium2 as pdfium
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from pipeline import ingest, ocr
from pipeline.extract import span_box
from pipeline.process import build_record, parse, process_path
from tests.conftest import CLEAN_SEEDS, seed
from tests.test_pdf import extracted, load_corpus_script, pdf_of

HEADER_FIELDS = ["doc_type", "title", "recipient_body", "issuing_body", "case_officer",
                 "document_date", "diarienummer", "remiss"]
MAX_CER = 0.01


@pytest.fixture(scope="module")
def corpus():
    return load_corpus_script()


def scan(corpus, tmp_path, txt, grade):
    out = tmp_path / f"{txt.stem}.{grade}.pdf"
    out.write_bytes(corpus.scan_pdf(pdf_of(txt).read_bytes(), txt.stem, grade))
    return out


def body(record) -> str:
    """Headings and section text after the head, white space squashed."""
    return re.sub(r"\s+", " ", " ".join(f"{s.heading or ''} {s.text}" for s in record.sections[1:])).strip()


def ocr_crop(img: Image.Image, box, dpi: int = ocr.DPI) -> str:
    """Tesseract's reading of a box (points) cut out of a page image at `dpi`."""
    import pytesseract
    x0, y0, x1, y1 = (v * dpi / 72 for v in box)
    crop = img.crop((int(x0) - 4, int(y0) - 4, int(x1) + 5, int(y1) + 5))
    return pytesseract.image_to_string(crop, lang="swe", config="--psm 7").strip()


@pytest.mark.parametrize("txt", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_moderate_scan_gives_the_text_file_record(corpus, tmp_path, txt):
    path = scan(corpus, tmp_path, txt, "moderate")
    doc = ingest.read(path)  # OCR'd once, here
    assert all(p.ocr and p.confidence > 85 for p in doc.pages)
    rec = build_record(parse(doc))
    n = rec.source.pages
    assert n == len(doc.pages) and rec.source.ocr_pages == list(range(1, n + 1))
    assert extracted(rec) == extracted(process_path(txt))
    assert not any("low OCR confidence" in w for w in rec.warnings)
    # every OCR word has a box, and each box's offsets hold exactly one word of the raw text
    for p in doc.pages:
        assert len(p.boxes) == len(doc.raw[p.start:p.end].split())
        assert all(p.start <= s < e <= p.end and doc.raw[s:e].split() == [doc.raw[s:e]] for s, e, *_ in p.boxes)
    if rec.case_officer and rec.case_officer.name:
        # the name's box, cut from the scanned page (tilted: the boxes undo the deskewing),
        # reads as the name again, and lies where the born-digital page prints it (give or
        # take the tilt, under 1 degree: a few points)
        [ev] = rec.provenance["case_officer.name"]
        assert ev.ocr and ev.box is not None
        page = corpus.render_pages(path.read_bytes())[ev.page - 1]
        assert ocr_crop(page, ev.box) == rec.case_officer.name
        [printed] = process_path(pdf_of(txt)).provenance["case_officer.name"]
        assert all(abs(a - b) <= 8 for a, b in zip(ev.box, printed.box)), (ev.box, printed.box)


@pytest.mark.parametrize("prefix", ["000", "003"])  # 003 ends on a near-empty page
def test_heavy_scan_header_right_and_body_cer_under_one_percent(corpus, tmp_path, prefix):
    txt = seed(prefix)
    rec = process_path(scan(corpus, tmp_path, txt, "heavy"))
    assert rec.source.ocr_pages == list(range(1, rec.source.pages + 1))
    assert not any("OCR found no text" in w for w in rec.warnings)
    ref = process_path(txt)
    got, want = extracted(rec), extracted(ref)
    for f in HEADER_FIELDS:
        if f in want:
            assert got[f] == want[f], f
    cer = Levenshtein.distance(body(rec), body(ref)) / len(body(ref))
    print(f"\n{txt.name}: heavy scan body CER {cer:.4f}")
    assert cer <= MAX_CER


def test_deskew_finds_the_scanner_tilt():
    page = pdfium.PdfDocument(str(pdf_of(seed("004"))))[0]
    img = page.render(scale=ocr.DPI / 72, grayscale=True).to_pil().convert("L")
    for tilt in (1.2, -0.7):
        tilted = img.rotate(tilt, resample=Image.BICUBIC, fillcolor=255)
        assert abs(ocr.deskew_angle(tilted) + tilt) <= 0.15


def _crop_of_page(txt, box, grade, corpus, page=0):
    data = pdf_of(txt).read_bytes()
    img = corpus.render_pages(data)[page].crop(box)
    return corpus.damage(img, grade, corpus._rng(txt.stem, "crop"))


def test_png_and_multipage_tiff_go_to_ocr(corpus, tmp_path):
    txt = seed("004")
    head = _crop_of_page(txt, (120, 300, 1500, 640), "moderate", corpus)  # Handläggare | Till
    png = tmp_path / "head.png"
    head.save(png, dpi=(200, 200))
    doc = ingest.read(png)
    assert doc.format == "image" and doc.ocr_pages == [1] and doc.pages[0].confidence > 80
    lines = [l.strip() for l in doc.raw.splitlines() if l.strip()]
    assert "Handläggare\tTill" in lines and "Maria Stigle\tNorrmalms stadsdelsnämnd" in lines
    # an image's boxes are in points at its dpi: pixels * 72 / 200 here
    s = doc.raw.index("Norrmalms")
    [(_, _, *box)] = [b for b in doc.pages[0].boxes if b[0] == s]
    assert ocr_crop(head, box) == "Norrmalms"

    sig = _crop_of_page(txt, (120, 570, 1500, 860), "moderate", corpus)  # decision and signatures
    tif = tmp_path / "two.tif"
    head.save(tif, save_all=True, append_images=[sig], dpi=(200, 200), compression="tiff_lzw")
    rec = process_path(tif)
    assert rec.source.format == "image" and rec.source.pages == 2 and rec.source.ocr_pages == [1, 2]
    assert rec.case_officer and rec.case_officer.name == "Maria Stigle"
    d2 = ingest.read(tif)
    assert "Susanna Halldin Olsson" in d2.raw[d2.pages[1].start:d2.pages[1].end]


def test_assembled_lines_say_where_every_box_landed():
    def word(x0, top, text, h=10):
        return ocr.Box(x0, top, x0 + 8 * len(text), top + h, text, 95.0)
    runs = [[word(50, 100, "Handläggare")], [word(400, 101, "Till")],           # one line, two columns
            [word(50, 115, "Anna"), word(90, 115, "Berg")],
            [word(50, 160, "Förvaltningen"), word(160, 160, "föreslår")],        # a new paragraph
            [word(50, 175, "bifall.")]]                                           # did not fit above
    text, placed = ocr.assemble_lines_boxed(runs, 600)
    assert text == "Handläggare\tTill\nAnna Berg\n\nFörvaltningen föreslår bifall."
    assert [(text[s:e], b.text) for s, e, b in placed] == [(b.text, b.text) for r in runs for b in r]
    assert ocr.assemble_lines(runs, 600) == text


def test_span_box_is_the_union_of_the_words_it_covers():
    boxes = [(0, 4, 10, 20, 40, 30), (5, 9, 45, 20, 80, 31), (10, 14, 10, 40, 50, 50)]
    assert span_box(boxes, 5, 9) == [45, 20, 80, 31]
    assert span_box(boxes, 2, 7) == [10, 20, 80, 31]      # parts of two words
    assert span_box(boxes, 0, 14) == [10, 20, 80, 50]     # over a line break
    assert span_box(boxes, 4, 5) is None and span_box(boxes, 20, 25) is None and span_box([], 0, 3) is None


def test_low_confidence_pages_are_warned_about():
    assert ocr.low_confidence_warning("a.pdf", 3, 52.0) == "a.pdf: page 3: low OCR confidence (52 < 75)"
    assert ocr.low_confidence_warning("a.pdf", 3, 91.0) is None
    assert "no text" in ocr.low_confidence_warning("a.pdf", 1, None)


def test_blank_image_is_an_error(tmp_path):
    p = tmp_path / "blank.png"
    Image.new("L", (800, 600), 255).save(p)
    with pytest.raises(ingest.IngestError, match="no text"):
        ingest.read(p)


def test_not_an_image_is_an_error(tmp_path):
    p = tmp_path / "broken.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(ingest.IngestError, match="not a readable image"):
        ingest.read(p)
