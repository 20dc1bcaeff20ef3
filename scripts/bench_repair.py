"""Benchmark of the repair stage on damaged text (issue 5): MB of text per second, one core.

The damaged corpus is real English-model Tesseract output, never simulated damage and
never the same text twice:
- seed 002 (an archive scan OCR'd in English);
- corpus/ocr_pairs/*.eng.txt: the rendered seed and variant PDFs OCR'd with `eng`;
- corpus/ocr_bench/*.eng.txt: Swedish prose that shares nothing with the seeds (the
  odd-numbered pages of Debian's libreoffice-help-sv; the even ones build the context
  model, see scripts/build_lexicon.py), typeset to PDF and OCR'd with `eng` by
  `--make-corpus`. About 0.5 MB.

Reported, in one process, as CPU time of that process (one core): the one-off lexicon and
context model load (and the models' size on disk); then the stage over the whole corpus
once, document after document, word caches filling as they would in a batch (every word
form is looked up in the precomputed readings or searched the first time it is met: this
is the throughput); for comparison the same corpus a second time with every word cached
(the per-token cost alone); and the damage detection alone. Also, not timed: how many
distinct word forms the precomputed table answered and how many were searched.

Run: .venv/bin/python scripts/bench_repair.py [--make-corpus]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "corpus" / "ocr_bench"
PAGES_PER_FILE = 8


def make_corpus(target: int = 470_000) -> None:
    """Typeset help paragraphs into A4 pages, OCR them with Tesseract `eng`, write
    corpus/ocr_bench/NNN.eng.txt (pages joined by form feeds)."""
    from concurrent.futures import ThreadPoolExecutor

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    from xml.sax.saxutils import escape

    sys.path.insert(0, str(ROOT / "scripts"))
    from build_lexicon import PROSE_PKG, fetch_deb, prose_paragraphs

    pdfmetrics.registerFont(TTFont("LibSans", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"))
    style = ParagraphStyle("p", fontName="LibSans", fontSize=11, leading=14, spaceAfter=6)
    with tempfile.TemporaryDirectory() as tmp:
        paras = prose_paragraphs(fetch_deb(PROSE_PKG, Path(tmp) / "deb"), part=1)
        chunks, cur, size = [], [], 0
        for p in paras:
            if size >= target:
                break
            cur.append(p)
            size += len(p.encode("utf-8"))
            if sum(len(q) for q in cur) > 3000 * PAGES_PER_FILE:
                chunks.append(cur)
                cur = []
        if cur:
            chunks.append(cur)
        BENCH.mkdir(parents=True, exist_ok=True)

        def one(k: int) -> None:
            pdf = Path(tmp) / f"{k:03d}.pdf"
            SimpleDocTemplate(str(pdf), pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm).build(
                [Paragraph(escape(p), style) for p in chunks[k]])
            d = Path(tmp) / f"r{k:03d}"
            d.mkdir()
            subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), f"{d}/p"], check=True)
            pages = []
            for png in sorted(d.glob("p-*.png")):
                out = subprocess.run(["tesseract", str(png), "-", "-l", "eng", "--psm", "3"],
                                     check=True, capture_output=True, text=True,
                                     env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
                pages.append(out.stdout.rstrip("\f\n"))
            (BENCH / f"{k:03d}.eng.txt").write_text("\f".join(pages) + "\n", encoding="utf-8")
            print(f"{k:03d}.eng.txt", flush=True)

        with ThreadPoolExecutor(2) as ex:
            list(ex.map(one, range(len(chunks))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--make-corpus", action="store_true", help="OCR the benchmark corpus first")
    args = ap.parse_args()
    if args.make_corpus:
        make_corpus()
    sys.path.insert(0, str(ROOT))
    from pipeline import lexicon as lexmod, repair

    paths = [ROOT / "corpus" / "002_6a855a06a73e563a.txt"]
    paths += sorted((ROOT / "corpus" / "ocr_pairs").glob("*.eng.txt"))
    paths += sorted(BENCH.glob("*.eng.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    size = sum(len(t.encode("utf-8")) for t in texts)

    # per core: CPU time of this one process (the machine may be shared); wall time too
    w, t = time.perf_counter(), time.process_time()
    lexmod.lexicon()
    load, load_wall = time.process_time() - t, time.perf_counter() - w

    w, t, changes = time.perf_counter(), time.process_time(), 0
    for text in texts:
        changes += len(repair.repair_text(text, damaged=True))
    cold, cold_wall = time.process_time() - t, time.perf_counter() - w

    t = time.process_time()
    for text in texts:
        repair.repair_text(text, damaged=True)
    again = time.process_time() - t

    t = time.process_time()
    for text in texts:
        repair.assess(text)
    detect = time.process_time() - t

    # not timed: how the word forms of the pass were answered, and the size of the models
    forms = {w.lower() for t in texts for w in repair.TOKEN.findall(t) if repair._wordlike(w) and len(w) > 1}
    in_table = sum(repair._table_entry(w) is not None for w in forms)
    model_mb = sum(f.stat().st_size for f in lexmod.MODEL_DIR.iterdir()) / 1e6

    mb = size / 1e6
    print(f"damaged text: {len(texts)} documents, {size / 1000:.1f} kB, {changes} changes")
    print(f"word forms: {len(forms)} distinct, {in_table} answered by the precomputed table, "
          f"{len(forms) - in_table} searched")
    print(f"lexicon + context model load: {load:.2f} s CPU, {load_wall:.2f} s wall (once per process; "
          f"models/lexicon {model_mb:.1f} MB)")
    print(f"repair, one pass (the throughput): {mb / cold:.2f} MB/s per core "
          f"({cold:.2f} s CPU, {cold_wall:.2f} s wall)")
    print(f"same corpus again, every word cached (not a throughput figure): {mb / again:.2f} MB/s")
    print(f"damage detection alone: {mb / detect:.2f} MB/s")

if __name__ == "__main__":
    main()
