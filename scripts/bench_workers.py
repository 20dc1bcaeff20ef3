"""2 workers vs 1, in alternating rounds: the spread of the speed-up, and the parent's CPU.

    python scripts/bench_workers.py [--docs 200] [--rounds 6] [--code DIR]

Runs `scripts/bench.py`'s `run_batch` on the same text PDFs of the bench corpus with
workers=1 and workers=2, alternating which goes first, each into a fresh output
directory (as `make bench` does). Per round it prints the speed-up over the processing
window (first task handed out to last result, as in BENCHMARKS.md) and the parent
process's CPU time per document inside that window (user + system, from
getrusage(RUSAGE_SELF)): the parent's share is what two workers on two cores lose, and
it is far less disturbed by other load on the machine than wall time is.

--code DIR runs another checkout of the package (e.g. `git archive REV | tar -x -C DIR`)
for an A/B comparison; its bench.py is used when it has one.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--corpus", type=Path, default=ROOT / "build" / "bench-corpus")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose pipeline/ to run")
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
    rows: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    try:
        bench.run_batch(files[:2], work / "warm", workers=2)   # fork server up, models loaded
        for r in range(a.rounds):
            for workers in ((1, 2) if r % 2 == 0 else (2, 1)):
                s, res, _ = bench.run_batch(files, work / f"w{workers}-{r}", workers=workers)
                rows[workers].append((s.window, (cpu["end"] - cpu["start"]) / max(1, len(res)) * 1000))
            (w1, c1), (w2, c2) = rows[1][-1], rows[2][-1]
            print(f"round {r + 1}: 1 worker {w1:.2f} s, 2 workers {w2:.2f} s, speed-up {w1 / w2:.3f}; "
                  f"parent CPU/doc {c1:.3f} / {c2:.3f} ms; load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    speedups = [x[0] / y[0] for x, y in zip(rows[1], rows[2])]
    print(f"speed-up over {a.rounds} rounds ({len(files)} PDFs): median {statistics.median(speedups):.3f}, "
          f"min {min(speedups):.3f}, max {max(speedups):.3f}; best 1-worker round / best 2-worker round "
          f"{min(x[0] for x in rows[1]) / min(y[0] for y in rows[2]):.3f}")
    print(f"parent CPU per document in the window, median: 1 worker {statistics.median(x[1] for x in rows[1]):.3f} ms, "
          f"2 workers {statistics.median(y[1] for y in rows[2]):.3f} ms")


if __name__ == "__main__":
    main()
