"""Batch benchmarks (`make bench`): every figure is a ratio to a baseline measured in the
same run on the same files. Writes BENCHMARKS.md (machine, versions, table).

    python scripts/bench.py [--docs 1000] [--scans 40] [--text-sample 200] [--ocr-sample 8] [--rounds 3]

1. text layer: pipeline pages/s on one core (sum of per-document times in the worker)
   vs raw pypdfium2 text extraction (open + text of every page) of the same PDFs,
   interleaved, the best of `--rounds` rounds each;
2. OCR: pipeline s/page on the scans vs the raw `tesseract` CLI (swe, same config,
   same 200 dpi page images rendered by pypdfium2, as PNG files), one thread each; a
   reduced sample; CLI and pipeline interleaved for `--rounds` rounds; each document's
   best time on each side, summed (Tesseract's own run-to-run spread, a few percent a
   page, would otherwise decide a best whole round; that figure is printed too);
3. 2 workers vs 1: processing window (first task handed out to last result) over all
   the text PDFs, fork server already warm, workers recycled every 200 documents as in
   a real run; rounds alternate which goes first, the median round is reported;
4. warm re-run vs cold run of the whole corpus (in process; and the CLI's wall time);
5. peak RSS per worker after 100 and after all documents (workers recycled every 200);
6. repair throughput: scripts/bench_repair.py (issue 5), when present.

The pipeline fingerprint is pinned for the run (REMISS_PIPELINE_FINGERPRINT), so edits
to the source tree while the benchmark runs cannot empty the cache between runs.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def pin_fingerprint() -> None:
    from pipeline import cache
    v = cache.component_versions()
    os.environ["REMISS_PIPELINE_FINGERPRINT"] = "bench-" + hashlib.sha256(repr(sorted(v.items())).encode()).hexdigest()[:16]
    cache.component_versions.cache_clear()


def collect():
    """Results, and the processing window: from the start of processing (the batch's
    `progress.start`, before the workers are started) to the last result; it leaves out
    finding and hashing the files, cache look-ups and writing the outputs."""
    from pipeline.batch import Progress
    results, window = [], [0.0, 0.0]

    def start(n, cached):
        window[0] = window[1] = time.perf_counter()

    def advance(res):
        results.append(res)
        window[1] = time.perf_counter()
    return results, window, Progress(start=start, advance=advance)


def run_batch(files, out: Path, workers: int, force: bool = True, max_tasks: int = 200):
    from pipeline.batch import BatchConfig, run
    from pipeline.process import Options
    results, window, prog = collect()
    t = time.perf_counter()
    s = run(files, out, Options(), BatchConfig(workers=workers, force=force, max_tasks_per_worker=max_tasks,
                                               timeout=600), progress=prog)
    s.window = window[1] - window[0]
    return s, results, time.perf_counter() - t


def raw_pdfium(files) -> tuple[int, float]:
    import pypdfium2 as pdfium
    t = time.perf_counter()
    pages = 0
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
            pages += 1
        doc.close()
    return pages, time.perf_counter() - t


def raw_tesseract(files, tmp: Path) -> tuple[int, float, dict[str, float]]:
    """Tesseract CLI on the page images the pipeline would OCR (time of tesseract only):
    pages, seconds, and seconds per file."""
    import pypdfium2 as pdfium
    from pipeline.ocr import DPI, LANG, TESSERACT_CONFIG
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    pages, spent = 0, 0.0
    per_file: dict[str, float] = {}
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        for i in range(len(doc)):
            img = doc[i].render(scale=DPI / 72, grayscale=True).to_pil()
            png = tmp / f"{f.stem}_{i}.png"
            img.save(png)
            t = time.perf_counter()
            subprocess.run(["tesseract", str(png), "stdout", "-l", LANG, *TESSERACT_CONFIG.split(), "--dpi", str(DPI),
                            "tsv"], env=env, check=True, capture_output=True)
            dt = time.perf_counter() - t
            spent += dt
            key = str(Path(f).resolve())
            per_file[key] = per_file.get(key, 0.0) + dt
            pages += 1
        doc.close()
    return pages, spent, per_file


def versions() -> dict[str, str]:
    import importlib.metadata as md
    from pipeline import __version__
    from pipeline.cache import _tesseract_version
    out = {"python": platform.python_version(), "remiss-pipeline": __version__, "tesseract": _tesseract_version()}
    for p in ("pypdfium2", "spacy", "dask", "distributed", "pandas", "pyarrow"):
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            pass
    return out


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1]) // 1024
    except (OSError, StopIteration):
        mem = 0
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, {mem} MB RAM"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--scans", type=int, default=40)
    ap.add_argument("--text-sample", type=int, default=200)
    ap.add_argument("--ocr-sample", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the text-layer and worker measures")
    ap.add_argument("--corpus", type=Path, default=ROOT / "build" / "bench-corpus")
    ap.add_argument("--report", type=Path, default=ROOT / "BENCHMARKS.md")
    a = ap.parse_args(argv)
    t_all = time.perf_counter()
    load_before = os.getloadavg()
    import make_bench_corpus
    os.environ.update({"OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    pin_fingerprint()

    print(f"corpus: {a.docs} documents ({a.scans} scans) ...", flush=True)
    t = time.perf_counter()
    m = make_bench_corpus.build(a.corpus, a.docs, a.scans)
    t_corpus = time.perf_counter() - t
    files = [a.corpus / f for f in m["files"]]
    text = [a.corpus / f for f in m["files"] if m["kinds"][f] == "text"]
    scans = [a.corpus / f for f in m["files"] if m["kinds"][f] == "scan"]
    tsample = text[: a.text_sample]
    osample = scans[: a.ocr_sample]
    work = Path(tempfile.mkdtemp(prefix="remiss-bench-"))
    rows = []

    def row(name, measured, baseline, ratio, target, ok):
        rows.append((name, measured, baseline, ratio, target, "yes" if ok else "**no**"))
        print(f"  {name}: {measured} | {baseline} | {ratio} | {target} | {'ok' if ok else 'MISSED'}", flush=True)

    try:
        # start the fork server (models loaded once) so later wall times compare processing
        print("warming the worker fork server ...", flush=True)
        t = time.perf_counter()
        run_batch(tsample[:2], work / "warm", workers=2)
        t_warmup = time.perf_counter() - t

        print(f"1. text layer ({a.rounds} rounds) ...", flush=True)
        # raw and pipeline interleaved, the best round of each: load from other processes
        # only ever slows a round down
        raw_s = e2e_s = float("inf")
        for r in range(a.rounds):
            raw_pages, t = raw_pdfium(tsample)
            raw_s = min(raw_s, t)
            _, res1, _ = run_batch(tsample, work / f"t{r}", workers=1)
            e2e_s = min(e2e_s, sum(x.seconds for x in res1))
        e2e_pages = sum(x.pages for x in res1)
        raw_rate, e2e_rate = raw_pages / raw_s, e2e_pages / e2e_s
        row(f"text-layer pages/s, one core ({len(tsample)} PDFs, {raw_pages} pages; best of {a.rounds} rounds)",
            f"{e2e_rate:.1f} pages/s", f"pypdfium2 {raw_rate:.1f} pages/s", f"{e2e_rate / raw_rate:.3f}", "≥ 0.333",
            e2e_rate / raw_rate >= 1 / 3)

        print(f"3. 2 workers vs 1 ({len(text)} PDFs, {a.rounds} rounds) ...", flush=True)
        # alternating which goes first; each round's ratio, the median reported
        rounds = []   # (1-worker window, 2-worker window, 1-worker run() wall, 2-worker run() wall)
        for r in range(a.rounds):
            got = {}
            for w in ((1, 2) if r % 2 == 0 else (2, 1)):
                got[w] = run_batch(text, work / f"w{w}-{r}", workers=w)
            (s1, _, wall1), (s2, _, wall2) = got[1], got[2]
            rounds.append((s1.window, s2.window, wall1, wall2))
            print(f"   round {r + 1}: 1 worker {s1.window:.2f} s, 2 workers {s2.window:.2f} s, "
                  f"{s1.window / s2.window:.3f}×", flush=True)
        in_order = ", ".join(f"{x / y:.2f}×" for x, y, *_ in rounds)
        rounds.sort(key=lambda x: x[0] / x[1])
        w1, w2, wall1, wall2 = rounds[len(rounds) // 2]
        speedup = w1 / w2
        row(f"2 workers vs 1 ({len(text)} PDFs, processing window; median of {a.rounds} rounds: {in_order})", f"{len(text) / w2:.1f} docs/s",
            f"1 worker {len(text) / w1:.1f} docs/s", f"{speedup:.2f}×", "≥ 1.8×", speedup >= 1.8)
        row(f"2 workers vs 1 ({len(text)} PDFs, whole `run()` incl. outputs, same round)", f"{wall2:.1f} s",
            f"1 worker {wall1:.1f} s", f"{wall1 / wall2:.2f}×", "-", True)

        print(f"2. OCR ({len(osample)} scanned pages, {a.rounds} rounds) ...", flush=True)
        # the CLI and the pipeline interleaved; each document's best time on each side,
        # summed (noise only ever adds time; Tesseract's own spread from run to run is a
        # few percent a page, so a best whole round mostly measures that spread)
        ocr_raw = ocr_e2e = float("inf")
        cli_best: dict[str, float] = {}
        e2e_best: dict[str, float] = {}
        for r in range(a.rounds):
            shutil.rmtree(work / "png", ignore_errors=True)
            (work / "png").mkdir()
            ocr_pages, t, per_file = raw_tesseract(osample, work / "png")
            ocr_raw = min(ocr_raw, t)
            _, reso, _ = run_batch(osample, work / f"ocr{r}", workers=1)
            ocr_e2e = min(ocr_e2e, sum(x.seconds for x in reso))
            for k, v in per_file.items():
                cli_best[k] = min(cli_best.get(k, v), v)
            for x in reso:
                k = str(Path(x.path).resolve())
                e2e_best[k] = min(e2e_best.get(k, x.seconds), x.seconds)
        assert set(cli_best) == set(e2e_best), "OCR sample: CLI and pipeline timed different files"
        n_pages = max(1, sum(x.pages for x in reso))
        e2e_pp, raw_pp = sum(e2e_best.values()) / n_pages, sum(cli_best.values()) / max(1, ocr_pages)
        round_pp = (ocr_e2e / n_pages) / (ocr_raw / max(1, ocr_pages)) - 1
        row(f"OCR s/page, one core ({ocr_pages} pages, 200 dpi; each document's best of {a.rounds} rounds, "
            f"summed; best whole round: {round_pp * 100:+.1f}%)", f"{e2e_pp:.2f} s/page",
            f"tesseract CLI {raw_pp:.2f} s/page", f"{(e2e_pp / raw_pp - 1) * 100:+.1f}%", "≤ +5%",
            e2e_pp / raw_pp <= 1.05)

        print("5. peak RSS at 100 documents ...", flush=True)
        s100, _, _ = run_batch(files[:100], work / "d100", workers=2)

        print(f"4. cold run of all {len(files)} documents ...", flush=True)
        shutil.rmtree(work / "all", ignore_errors=True)
        cold, resc, cold_s = run_batch(files, work / "all", workers=2, force=False)
        warm, _, warm_s = run_batch(files, work / "all", workers=2, force=False)
        t = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "pipeline", "run", str(a.corpus), "--out", str(work / "all")],
                             cwd=ROOT, capture_output=True, text=True)
        cli_s = time.perf_counter() - t
        row(f"warm re-run vs cold ({len(files)} docs, in process)", f"{warm_s:.2f} s", f"cold {cold_s:.1f} s",
            f"{warm_s / cold_s * 100:.2f}%", "≤ 2%", warm_s / cold_s <= 0.02)
        row("warm re-run, `remiss run` CLI wall (incl. interpreter start)", f"{cli_s:.2f} s", f"cold {cold_s:.1f} s",
            f"{cli_s / cold_s * 100:.2f}%", "≤ 2%", cli_s / cold_s <= 0.02)
        row("peak RSS per worker, 100 docs", f"{s100.peak_rss_mb:.0f} MB", "-", "-", "≤ 400 MB",
            s100.peak_rss_mb <= 400)
        row(f"peak RSS per worker, {len(files)} docs", f"{cold.peak_rss_mb:.0f} MB", f"100 docs {s100.peak_rss_mb:.0f} MB",
            f"{cold.peak_rss_mb / max(1, s100.peak_rss_mb):.2f}", "≤ 400 MB, same as at 100",
            cold.peak_rss_mb <= 400 and cold.peak_rss_mb <= s100.peak_rss_mb * 1.1)
        cold_pages = sum(r.pages for r in resc)
        cold_ocr = sum(r.ocr_pages for r in resc)

        repair = "scripts/bench_repair.py not present"
        if (ROOT / "scripts" / "bench_repair.py").exists():
            print("6. repair (scripts/bench_repair.py) ...", flush=True)
            try:
                r = subprocess.run([sys.executable, "scripts/bench_repair.py"], cwd=ROOT, capture_output=True,
                                   text=True, timeout=600)
                repair = (r.stdout.strip() or r.stderr.strip()[-1500:]) or f"exit code {r.returncode}"
            except subprocess.TimeoutExpired:
                repair = "timed out after 600 s"
    finally:
        shutil.rmtree(work, ignore_errors=True)

    total = time.perf_counter() - t_all
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`scripts/bench.py`); every ratio compares with a baseline measured in the",
        "same run on the same files. Not a test: numbers depend on the machine and its load.",
        "",
        f"- Machine: {machine()}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
        f"- Corpus: {len(files)} generated documents (`scripts/make_bench_corpus.py`): {len(text)} born-digital "
        f"PDFs and {len(scans)} one-page scans (200 dpi, moderate damage); {cold_pages} pages, {cold_ocr} OCR'd. "
        + (f"Generated in {t_corpus:.0f} s" if t_corpus >= 1 else "Reused from an earlier run") +
        " (kept in build/bench-corpus between runs).",
        f"- Samples: text layer on {len(tsample)} PDFs, worker scaling on all {len(text)}; OCR on {len(osample)} scanned pages "
        "(a reduced sample, to keep `make bench` within ~20 minutes on two cores).",
        f"- Worker fork server start-up (spaCy, lexicons, models loaded once): {t_warmup:.1f} s.",
        f"- Cold run: {cold.processed} documents, {cold.failed} failed, {cold.workers_started} worker processes "
        f"(recycled every 200 documents), {cold_s:.1f} s = {cold.processed / cold_s:.2f} docs/s, "
        f"{cold_pages / cold_s:.1f} pages/s.",
        f"- Whole benchmark: {total / 60:.1f} min. Load average before/after: "
        f"{load_before[0]:.1f} / {os.getloadavg()[0]:.1f} (other processes compete for the two cores).",
        "",
        "| measure | measured | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
        *[f"| {' | '.join(map(str, r))} |" for r in rows],
        "",
        "Text-layer and OCR rates are per core: the sum of the per-document times inside the worker",
        "(ingest to record) against the baseline's own time, both single-threaded. Peak RSS is",
        "`ru_maxrss` of each worker, which counts the model pages it shares with the fork server.",
        "",
        "## Repair throughput (scripts/bench_repair.py)",
        "",
        "```",
        repair,
        "```",
        "",
    ]
    a.report.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {a.report} in {total / 60:.1f} min")


if __name__ == "__main__":
    main()
