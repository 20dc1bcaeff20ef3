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


@pytest.mark.parametrize("txt", CLEAN_SEEDS, ids=lambda p: p.name[:3])
def test_moderate_scan_gives_the_text_file_record(corpus, tmp_path, txt):
    doc = ingest.read(scan(corpus, tmp_path, txt, "moderate"))  # OCR'd once, here
    assert all(p.ocr and p.confidence > 85 for p in doc.pages)
    rec = build_record(parse(doc))
    n = rec.source.pages
    assert n == len(doc.pages) and rec.source.ocr_pages == list(range(1, n + 1))
    assert extracted(rec) == extracted(process_path(txt))
    assert not any("low OCR confidence" in w for w in rec.warnings)


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

    sig = _crop_of_page(txt, (120, 570, 1500, 860), "moderate", corpus)  # decision and signatures
    tif = tmp_path / "two.tif"
    head.save(tif, save_all=True, append_images=[sig], dpi=(200, 200), compression="tiff_lzw")
    rec = process_path(tif)
    assert rec.source.format == "image" and rec.source.pages == 2 and rec.source.ocr_pages == [1, 2]
    assert rec.case_officer and rec.case_officer.name == "Maria Stigle"
    d2 = ingest.read(tif)
    assert "Susanna Halldin Olsson" in d2.raw[d2.pages[1].start:d2.pages[1].end]


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
