"""kill -9 in the middle of a batch, then run again: the second run finishes the rest,
no record is lost or duplicated, and no output file is half-written."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from pipeline.store import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpus").glob("00[0-4]_*.txt"))
N = 40


def _make_corpus(d: Path) -> None:
    d.mkdir()
    for i in range(N):
        seed = SEEDS[i % len(SEEDS)].read_text(encoding="utf-8")
        # long enough that the batch takes a few seconds after the workers are warm
        body = "\n\n".join([seed] + [f"Bilaga {i}.{k}. " + seed.split("\n\n")[-1] for k in range(30)])
        (d / f"doc_{i:03d}.txt").write_text(body + f"\nDokument nummer {i}.\n", encoding="utf-8")


def _committed(state: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM cache").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _cmd(inp: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", str(inp), "--out", str(out), "--workers", "2"]


def test_kill_9_then_resume(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    _make_corpus(inp)
    env = dict(os.environ, REMISS_PIPELINE_FINGERPRINT="resume-test")
    proc = subprocess.Popen(_cmd(inp, out), cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = out / ".remiss-state.sqlite"
    deadline = time.time() + 300
    try:
        while time.time() < deadline and _committed(state) < 3 and proc.poll() is None:
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)   # the batch, its fork server and its workers
        proc.wait()
    done_before = _committed(state)
    assert 3 <= done_before < N, f"kill landed at {done_before} of {N}; make the documents longer"
    assert not (out / "records.jsonl").exists()           # outputs are written only when complete
    assert not list(out.rglob("*.tmp"))

    res = subprocess.run(_cmd(inp, out), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    records = read_jsonl(out / "records.jsonl")
    assert len(records) == N
    assert len({r.doc_id for r in records}) == N
    assert sorted(Path(r.source.path).name for r in records) == sorted(p.name for p in inp.iterdir())
    assert all(not r.errors for r in records)
    assert _committed(state) == N
    # the second run processed only what the first had not committed
    processed_now = int(next(l for l in res.stderr.splitlines() if "processed now" in l).split("│")[2].strip())
    assert processed_now == N - done_before
    con = sqlite3.connect(out / "remiss.sqlite")
    assert con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone() == (N, N)
    assert not list(out.rglob("*.tmp"))
