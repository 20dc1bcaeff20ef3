"""Make (damaged, clean) evaluation pairs for the repair stage with real OCR.

For each clean seed PDF in corpus/pdf/ (rendered from the clean seed text by
scripts/make_pdf_corpus.py) the pages are rasterised with pdftoppm (300 dpi, grey) and
OCR'd by Tesseract with the English model (`eng`: loses å/ä/ö the way archive scans do)
and with the Swedish model (`swe`: should need no repair). Output:
corpus/ocr_pairs/<stem>.eng.txt and <stem>.swe.txt, pages joined by form feeds; the clean
side of each pair is corpus/<stem>.txt. Deterministic for a given Tesseract version.

Run: .venv/bin/python scripts/make_ocr_pairs.py [STEM ...]
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ["000_bf1a5e90f9748335", "001_c41f3676d29cb85a", "003_235d45cc36fe7281", "004_78dffec72b7def26"]


def ocr_pdf(pdf: Path, lang: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), f"{tmp}/p"], check=True)
        pages = []
        for png in sorted(Path(tmp).glob("p-*.png")):
            out = subprocess.run(["tesseract", str(png), "-", "-l", lang, "--psm", "3"],
                                 check=True, capture_output=True, text=True,
                                 env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
            pages.append(out.stdout.rstrip("\f\n"))
        return "\f".join(pages) + "\n"


def main() -> None:
    stems = sys.argv[1:] or CLEAN
    out = ROOT / "corpus" / "ocr_pairs"
    out.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        pdf = ROOT / "corpus" / "pdf" / f"{stem}.pdf"
        for lang in ("eng", "swe"):
            (out / f"{stem}.{lang}.txt").write_text(ocr_pdf(pdf, lang), encoding="utf-8")
            print(f"{stem}.{lang}.txt")


if __name__ == "__main__":
    main()
