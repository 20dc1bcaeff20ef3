"""Benchmark PDF reading: text-layer pages/s (pypdfium2 as the pipeline reads them, vs
pdfplumber), and OCR s/page (render at 200 dpi + deskew + Tesseract swe, one thread).

    python scripts/bench_pdf.py [--ocr-pages 4]
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from pipeline import pdf  # noqa: E402


def pages_per_s(files, read_page) -> float:
    n, t0 = 0, time.perf_counter()
    for f in files:
        n += read_page(f)
    return n / (time.perf_counter() - t0)


def pdfium_pipeline(f: Path) -> int:
    doc = pdfium.PdfDocument(str(f))
    for i in range(len(doc)):
        page = doc[i]
        text = pdf.text_layer(page)
        pdf.garbage_reason(text, pdf.ink(page))
    return len(doc)


def pdfium_plain(f: Path) -> int:
    doc = pdfium.PdfDocument(str(f))
    for i in range(len(doc)):
        doc[i].get_textpage().get_text_range()
    return len(doc)


def plumber_words(f: Path) -> int:
    with pdfplumber.open(f) as doc:
        for page in doc.pages:
            page.extract_words()
        return len(doc.pages)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ocr-pages", type=int, default=4)
    args = ap.parse_args(argv)
    files = sorted((ROOT / "corpus" / "pdf").glob("[0-9v]*.pdf"))
    pages_per_s(files[:1], pdfium_pipeline)  # warm-up (imports, lexicon)
    print(f"text layer, pypdfium2 text only:               {pages_per_s(files, pdfium_plain):7.1f} pages/s")
    print(f"text layer, pipeline (pypdfium2 rects+ink+checks): {pages_per_s(files, pdfium_pipeline):7.1f} pages/s")
    print(f"text layer, pdfplumber extract_words:          {pages_per_s(files, plumber_words):7.1f} pages/s")
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "scripts" / "make_pdf_corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    src = files[0]
    scanned = corpus.scan_pdf(src.read_bytes(), src.stem, "moderate")
    doc = pdfium.PdfDocument(scanned)
    n = min(args.ocr_pages, len(doc))
    t0 = time.perf_counter()
    for i in range(n):
        pdf.ocr_page(doc[i])
    print(f"OCR (200 dpi, deskew, Tesseract swe, 1 thread): {(time.perf_counter() - t0) / n:7.2f} s/page ({n} pages)")


if __name__ == "__main__":
    main()
