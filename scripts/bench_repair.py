"""Benchmark of the repair stage on damaged text (issue 5): MB of text per second, one core.

Damaged text: seed 002 and the English-OCR'd renderings of the clean seeds
(corpus/ocr_pairs/*.eng.txt). Reported:
- lexicon load time (once per process);
- cold: every word-level cache cleared before each document (a process's first document);
- warm: the documents again with the process's word caches filled, as in a batch of
  documents of the same genre, repeated until at least 2 MB have been repaired.

Run: .venv/bin/python scripts/bench_repair.py
"""
from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    import sys
    sys.path.insert(0, str(ROOT))
    from pipeline import lexicon as lexmod, repair

    texts = [(ROOT / "corpus" / "002_6a855a06a73e563a.txt").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "ocr_pairs").glob("*.eng.txt"))]
    size = sum(len(t.encode("utf-8")) for t in texts)

    t = time.perf_counter()
    lexmod.lexicon()
    load = time.perf_counter() - t

    def clear() -> None:
        repair.candidates.cache_clear()
        repair.is_valid.cache_clear()
        repair._decide.cache_clear()

    t = time.perf_counter()
    changes = 0
    for text in texts:
        clear()
        changes += len(repair.repair_text(text, damaged=True))
    cold = time.perf_counter() - t

    done, t = 0, time.perf_counter()
    while done < 2_000_000:
        for text in texts:
            repair.repair_text(text, damaged=True)
        done += size
    warm = time.perf_counter() - t

    t = time.perf_counter()
    for text in texts:
        repair.assess(text)
    detect = time.perf_counter() - t

    mb = size / 1e6
    print(f"damaged text: {len(texts)} documents, {size / 1000:.1f} kB, {changes} changes")
    print(f"lexicon load:          {load:.2f} s (once per process)")
    print(f"cold (caches cleared): {mb / cold:.3f} MB/s")
    print(f"warm (batch of genre): {done / 1e6 / warm:.2f} MB/s")
    print(f"damage detection:      {mb / detect:.2f} MB/s")


if __name__ == "__main__":
    main()
