"""Generate the benchmark corpus: N documents of the genre, text PDFs and scans.

    python scripts/make_bench_corpus.py [--docs 1000] [--scans 40] [--out build/bench-corpus]

Each document is a variant of one of the sample texts (corpus/0*.txt and
corpus/variants/*.txt): another of Stockholm's districts, dates shifted by whole
years, another diarienummer, a body paragraph dropped and one borrowed from another
document, so no two documents are the same bytes. Most are born-digital PDFs laid out
by scripts/make_pdf_corpus.py; every (N / scans)-th is an image-only scan of the
document's first page at 200 dpi with moderate scanner damage (one page, so the OCR
part of a benchmark stays within minutes on two cores).

Deterministic (seeded); files already present with the right manifest are kept.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

DISTRICTS = ["Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen", "Norrmalm",
             "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta", "Älvsjö",
             "Hägersten-Älvsjö", "Skärholmen"]
DISTRICT_RX = re.compile("|".join(sorted(map(re.escape, DISTRICTS), key=len, reverse=True)))
YEAR_RX = re.compile(r"\b(19[89]\d|20[0-3]\d)\b")
DNR_RX = re.compile(r"\b(\d{1,2}\.\d(?:\.\d)?-)(\d{1,5})/(\d{2,4})\b")


def sources() -> list[Path]:
    return sorted((ROOT / "corpus").glob("0*.txt")) + sorted((ROOT / "corpus" / "variants").glob("*.txt"))


def variant(text: str, others: list[str], rng: random.Random) -> str:
    district = rng.choice(DISTRICTS)
    text = DISTRICT_RX.sub(district, text)
    shift = rng.randint(-6, 3)
    text = YEAR_RX.sub(lambda m: str(int(m.group(1)) + shift), text)
    text = DNR_RX.sub(lambda m: f"{m.group(1)}{rng.randint(1, 9999)}/{m.group(3)}", text)
    paras = text.split("\n\n")
    if len(paras) > 8:   # drop a body paragraph (never the head or the end)
        del paras[rng.randrange(4, len(paras) - 3)]
    donor = [p for p in rng.choice(others).split("\n\n") if len(p) > 200 and "\n" not in p.strip()]
    if donor and len(paras) > 6:
        paras.insert(rng.randrange(4, len(paras) - 2), rng.choice(donor))
    return "\n\n".join(paras)


def build(out: Path, docs: int, scans: int, seed: int = 7) -> dict:
    import make_pdf_corpus as mpc
    manifest_path = out / "manifest.json"
    want = {"docs": docs, "scans": scans, "seed": seed}
    if manifest_path.exists():
        m = json.loads(manifest_path.read_text())
        if {k: m.get(k) for k in want} == want and all((out / f).exists() for f in m["files"]):
            return m
    rng = random.Random(seed)
    from pipeline.ingest import decode_text   # sources come in several encodings (cp1252, UTF-16)
    texts = [decode_text(p.read_bytes(), p)[0] for p in sources()]
    every = max(1, docs // scans) if scans else 0
    (out / "text").mkdir(parents=True, exist_ok=True)
    (out / "scan").mkdir(parents=True, exist_ok=True)
    files, kinds = [], {}
    for i in range(docs):
        src = i % len(texts)
        text = variant(texts[src], texts[:src] + texts[src + 1:], rng) + f"\n\nLöpnummer {i}.\n"
        stem = f"doc_{i:04d}"
        pdf = mpc.render_pdf(text, stem)
        if every and i % every == every - 1 and sum(1 for k in kinds.values() if k == "scan") < scans:
            rel = f"scan/{stem}.pdf"
            (out / rel).write_bytes(mpc.scan_pdf(pdf, stem, "moderate", pages={1}))
            kinds[rel] = "scan"
        else:
            rel = f"text/{stem}.pdf"
            (out / rel).write_bytes(pdf)
            kinds[rel] = "text"
        files.append(rel)
    m = dict(want, files=files, kinds=kinds)
    manifest_path.write_text(json.dumps(m, indent=1))
    return m


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--scans", type=int, default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench-corpus")
    a = ap.parse_args(argv)
    m = build(a.out, a.docs, a.scans)
    n_scan = sum(1 for k in m["kinds"].values() if k == "scan")
    print(f"{len(m['files'])} documents ({len(m['files']) - n_scan} text PDFs, {n_scan} scans) in {a.out}")


if __name__ == "__main__":
    main()
