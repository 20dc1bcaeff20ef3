"""2 workers vs 1, in alternating rounds: the spread of the speed-up, and the parent's CPU.

    python scripts/bench_workers.py [--docs N] [--rounds 6] [--code DIR] [--clean]

Runs `scripts/bench.py`'s `run_batch` on the text PDFs of the bench corpus (all of them,
as `make bench` does, or the first --docs) with
workers=1 and workers=2, alternating which goes first, each into a fresh output
directory (as `make bench` does). Per round it prints the speed-up over the processing
window (first task handed out to last result, as in BENCHMARKS.md) and the parent
process's CPU time per document inside that window (user + system, from
getrusage(RUSAGE_SELF)): the parent's share is what two workers on two cores lose, and
it is far less disturbed by other load on the machine than wall time is.

--code DIR runs another checkout of the package (e.g. `git archive REV | tar -x -C DIR`)
for an A/B comparison; its bench.py is used when it has one (set PYTHONPATH=DIR and run
from outside the repository too, or the fork server imports the repository's package).

--clean: before each round, wait until two CPU-bound processes run as fast as one (two
free cores; up to 10 minutes), and check again after it; rounds disturbed by other load
are reported but left out of the summary.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _spin(_) -> float:
    t = time.perf_counter()
    x = 0
    for i in range(2_000_000):
        x += i * i
    return time.perf_counter() - t


def two_free_cores() -> bool:
    """True when two busy processes each run as fast as one alone (within 15%)."""
    with multiprocessing.get_context("fork").Pool(2) as pool:
        one = min(pool.map(_spin, [0])[0] for _ in range(2))
        two = max(pool.map(_spin, range(2)))
    return two / one < 1.15


def wait_for_free_cores(limit: float = 600.0) -> bool:
    end = time.monotonic() + limit
    while not two_free_cores():
        if time.monotonic() > end:
            return False
        time.sleep(5)
    return True


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=None, help="the first N text PDFs (default: all)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--corpus", type=Path, default=ROOT / "build" / "bench-corpus")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose pipeline/ to run")
    ap.add_argument("--clean", action="store_true", help="run each round only on two free cores (see above)")
    a = ap.parse_args(argv)
    code = a.code.resolve()
    sys.path[:0] = [str(code), str(code / "scripts") if (code / "scripts" / "bench.py").exists() else str(ROOT / "scripts")]
    import bench
    import pipeline
    print(f"code: {Path(pipeline.__file__).parent}", flush=True)
    os.environ.update({"OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    bench.pin_fingerprint()

    manifest = json.loads((a.corpus / "manifest.json").read_text())
    files = [a.corpus / f for f in manifest["files"] if manifest["kinds"][f] == "text"][: a.docs]

    # the parent's CPU between the first task and the last result, beside bench's window
    plain_collect = bench.collect
    cpu: dict[str, float] = {}

    def collect():
        results, window, prog = plain_collect()
        start, advance = prog.start, prog.advance

        def start_(n, cached):
            cpu["start"] = cpu["end"] = _cpu()
            start(n, cached)

        def advance_(res):
            advance(res)
            cpu["end"] = _cpu()
        prog.start, prog.advance = start_, advance_
        return results, window, prog
    bench.collect = collect

    work = Path(tempfile.mkdtemp(prefix="remiss-workers-"))
    rows: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    try:
        bench.run_batch(files[:2], work / "warm", workers=2)   # fork server up, models loaded
        for r in range(a.rounds):
            if a.clean and not wait_for_free_cores():
                print(f"round {r + 1}: no two free cores within 10 minutes; stopped", flush=True)
                break
            round_ = {}
            for workers in ((1, 2) if r % 2 == 0 else (2, 1)):
                s, res, _ = bench.run_batch(files, work / f"w{workers}-{r}", workers=workers)
                round_[workers] = (s.window, (cpu["end"] - cpu["start"]) / max(1, len(res)) * 1000, s.peak_rss_mb)
            (w1, c1, m1), (w2, c2, m2) = round_[1], round_[2]
            disturbed = a.clean and not two_free_cores()
            print(f"round {r + 1}: 1 worker {w1:.2f} s, 2 workers {w2:.2f} s, speed-up {w1 / w2:.3f}; "
                  f"parent CPU/doc {c1:.3f} / {c2:.3f} ms; peak RSS per worker {m1:.0f} / {m2:.0f} MB; "
                  f"load {os.getloadavg()[0]:.1f}" + ("; disturbed (other load at the end), left out" if disturbed else ""),
                  flush=True)
            if not disturbed:
                for workers, row in round_.items():
                    rows[workers].append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not rows[1]:
        print("no undisturbed round")
        return
    speedups = [x[0] / y[0] for x, y in zip(rows[1], rows[2])]
    print(f"speed-up over {len(rows[1])} rounds ({len(files)} PDFs): median {statistics.median(speedups):.3f}, "
          f"min {min(speedups):.3f}, max {max(speedups):.3f}; best 1-worker round / best 2-worker round "
          f"{min(x[0] for x in rows[1]) / min(y[0] for y in rows[2]):.3f}")
    print(f"parent CPU per document in the window, median: 1 worker {statistics.median(x[1] for x in rows[1]):.3f} ms, "
          f"2 workers {statistics.median(y[1] for y in rows[2]):.3f} ms")


if __name__ == "__main__":
    main()
