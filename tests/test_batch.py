"""Batch: parallel workers, the content-hash cache, --force, invalidation, recycling,
timeouts, outputs that agree with one another, and the CLI's exit codes."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cache
from pipeline.batch import BatchConfig, discover, run
from pipeline.process import Options, process_path
from pipeline.store import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpus").glob("00[0-4]_*.txt"))


@pytest.fixture
def pinned(monkeypatch):
    """Pin the pipeline fingerprint, so edits to the source tree during the test
    (others work in it) cannot invalidate the cache between two runs."""
    def pin(value: str) -> None:
        monkeypatch.setenv("REMISS_PIPELINE_FINGERPRINT", value)
        cache.component_versions.cache_clear()
    pin("test-1")
    yield pin
    cache.component_versions.cache_clear()


@pytest.fixture
def corpus(tmp_path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for s in SEEDS:
        shutil.copy(s, d / s.name)
    return d


def _by_id(out: Path) -> dict[str, dict]:
    return {r.doc_id: r.to_dict() for r in read_jsonl(out / "records.jsonl")}


def test_parallel_records_equal_sequential(corpus, tmp_path, pinned):
    summary = run([corpus], tmp_path / "out", Options(), BatchConfig(workers=2))
    assert summary.processed == len(SEEDS) and summary.failed == 0 and summary.cached == 0
    got = _by_id(tmp_path / "out")
    want = {r.doc_id: r.to_dict() for r in (process_path(p) for p in sorted(corpus.iterdir()))}
    assert got == want
    # records.jsonl keeps input order
    assert [r.source.path for r in read_jsonl(tmp_path / "out" / "records.jsonl")] == \
        [str(p) for p in sorted(corpus.iterdir())]


def test_outputs_agree(corpus, tmp_path, pinned):
    out = tmp_path / "out"
    run([corpus], out, Options(), BatchConfig(workers=2))
    ids = set(_by_id(out))
    con = sqlite3.connect(out / "remiss.sqlite")
    assert {r[0] for r in con.execute("SELECT doc_id FROM documents")} == ids
    assert set(pd.read_parquet(out / "parquet" / "documents.parquet")["doc_id"]) == ids
    assert set(pd.read_csv(out / "csv" / "documents.csv")["doc_id"]) == ids


def test_warm_rerun_uses_cache_and_adding_a_file_processes_only_it(corpus, tmp_path, pinned):
    out = tmp_path / "out"
    run([corpus], out, Options(), BatchConfig(workers=2))
    before = (out / "records.jsonl").read_bytes()
    mtime = (out / "remiss.sqlite").stat().st_mtime_ns
    warm = run([corpus], out, Options(), BatchConfig(workers=2))
    assert (warm.processed, warm.cached, warm.workers_started) == (0, len(SEEDS), 0)
    assert not warm.exported and (out / "remiss.sqlite").stat().st_mtime_ns == mtime
    assert (out / "records.jsonl").read_bytes() == before
    # one new file: only it is processed, and the outputs now hold all six
    (corpus / "zz_new.txt").write_text(SEEDS[0].read_text(encoding="utf-8") + "\nTillägg.\n", encoding="utf-8")
    inc = run([corpus], out, Options(), BatchConfig(workers=2))
    assert (inc.processed, inc.cached, inc.documents) == (1, len(SEEDS), len(SEEDS) + 1)
    assert len(read_jsonl(out / "records.jsonl")) == len(SEEDS) + 1


def test_renamed_file_comes_from_cache_under_its_new_path(corpus, tmp_path, pinned):
    out = tmp_path / "out"
    run([corpus], out, Options(), BatchConfig(workers=1))
    old = corpus / SEEDS[1].name
    new = corpus / "omdöpt fil.txt"
    old.rename(new)
    s = run([corpus], out, Options(), BatchConfig(workers=1))
    assert s.processed == 0 and s.exported
    paths = {r.source.path for r in read_jsonl(out / "records.jsonl")}
    assert str(new) in paths and str(old) not in paths


def test_force_and_version_change_redo_everything(corpus, tmp_path, pinned):
    out = tmp_path / "out"
    run([corpus], out, Options(), BatchConfig(workers=2))
    forced = run([corpus], out, Options(), BatchConfig(workers=2, force=True))
    assert forced.processed == len(SEEDS) and forced.cached == 0
    pinned("test-2")   # a new pipeline version
    bumped = run([corpus], out, Options(), BatchConfig(workers=2))
    assert bumped.processed == len(SEEDS)
    # options that change records are part of the key too
    norepair = run([corpus], out, Options(repair=False), BatchConfig(workers=2))
    assert norepair.processed == len(SEEDS)
    assert run([corpus], out, Options(repair=False), BatchConfig(workers=2)).processed == 0


def test_fingerprint_covers_versions_and_options(pinned, monkeypatch):
    a = cache.fingerprint(Options())
    assert cache.fingerprint(Options(verbose=True)) == a          # display only
    assert cache.fingerprint(Options(taxonomy="sok-2023")) != a
    monkeypatch.delenv("REMISS_PIPELINE_FINGERPRINT")
    cache.component_versions.cache_clear()
    v = cache.component_versions()
    assert set(v) == {"pipeline", "code", "models", "tesseract"}
    monkeypatch.setattr("pipeline.cache.__version__", "999.0")
    cache.component_versions.cache_clear()
    assert cache.component_versions()["pipeline"] == "999.0"


def test_failed_documents_are_cached_and_retry_errors_redoes_them(tmp_path, pinned):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SEEDS[0], d / "ok.txt")
    (d / "bad.txt").write_bytes(bytes(range(256)) * 8)
    out = tmp_path / "out"
    s1 = run([d], out, Options(), BatchConfig(workers=1))
    assert (s1.processed, s1.failed) == (2, 1)
    s2 = run([d], out, Options(), BatchConfig(workers=1))
    assert (s2.processed, s2.failed) == (0, 1)     # still reported as failed
    s3 = run([d], out, Options(), BatchConfig(workers=1, retry_errors=True))
    assert (s3.processed, s3.cached, s3.failed) == (1, 1, 1)


def test_workers_are_recycled(corpus, tmp_path, pinned):
    s = run([corpus], tmp_path / "out", Options(), BatchConfig(workers=2, max_tasks_per_worker=1))
    assert s.failed == 0 and s.processed == len(SEEDS)
    assert s.workers_started >= len(SEEDS)


def test_timeout_becomes_an_error_record_and_batch_goes_on(tmp_path, pinned):
    d = tmp_path / "in"
    d.mkdir()
    big = " ".join(SEEDS[0].read_text(encoding="utf-8").split("\n")) + "\n"
    (d / "slow.txt").write_text(big * 400, encoding="utf-8")   # takes far longer than 0.05 s
    out = tmp_path / "out"
    s = run([d], out, Options(), BatchConfig(workers=1, timeout=0.05))
    rec = read_jsonl(out / "records.jsonl")[0]
    assert s.failed == 1
    assert rec.errors[0].message.startswith("slow.txt: timed out after 0.05 s")


def test_discover_skips_gold_hidden_and_clean_files(tmp_path):
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "x.json").write_text("{}")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "a.clean.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "notes.docx").write_text("x")
    files, missing = discover([tmp_path, tmp_path / "a.txt", tmp_path / "nope.pdf"])
    assert files == [tmp_path / "a.txt"] and missing == [tmp_path / "nope.pdf"]


def test_cli_run(corpus, tmp_path, pinned):
    from click.testing import CliRunner
    from pipeline.cli import main
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(corpus), "--out", str(out), "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert "documents" in res.output and "from cache" in res.output
    res = CliRunner().invoke(main, ["run", str(tmp_path / "empty-dir-that-is-missing"), "--out", str(out)])
    assert res.exit_code == 1 and "no such file" in res.output
    (tmp_path / "emptydir").mkdir()
    res = CliRunner().invoke(main, ["run", str(tmp_path / "emptydir"), "--out", str(tmp_path / "o2")])
    assert res.exit_code == 2
    res = CliRunner().invoke(main, ["run", str(corpus), "--executor", "dask"])
    assert res.exit_code == 2 and "--scheduler" in res.output


def test_memory_guard_turns_a_runaway_document_into_an_error_record(tmp_path, pinned):
    """RLIMIT_AS in the worker: a document that needs far more memory than allowed fails
    alone with a clear message; the next document in the same batch is processed."""
    d = tmp_path / "in"
    d.mkdir()
    seed = SEEDS[0].read_text(encoding="utf-8")
    # ~36 MB of text: its offset map alone (8 bytes a character) is ~290 MB a copy, far
    # beyond the limit's headroom whatever the stages copy
    (d / "a_huge.txt").write_text(seed * 4500, encoding="utf-8")
    shutil.copy(SEEDS[1], d / "b_ok.txt")
    out = tmp_path / "out"
    s = run([d], out, Options(), BatchConfig(workers=1, max_memory_mb=MEMORY_LIMIT_MB, timeout=600))
    recs = {Path(r.source.path).name: r for r in read_jsonl(out / "records.jsonl")}
    assert not recs["b_ok.txt"].errors
    err = recs["a_huge.txt"].errors
    assert len(err) == 1 and err[0].message.startswith(f"a_huge.txt: memory limit exceeded ({MEMORY_LIMIT_MB} MB)"), err
    assert s.failed == 1


MEMORY_LIMIT_MB = 1100   # a warm worker needs about 800 MB of address space; the 36 MB text needs far more


def _count_hashing(monkeypatch) -> list[str]:
    """Record every file the batch reads to hash."""
    read: list[str] = []
    real = cache.file_sha256

    def counting(path, *a, **k):
        read.append(Path(path).name)
        return real(path, *a, **k)
    monkeypatch.setattr(cache, "file_sha256", counting)
    return read


def test_warm_run_trusts_an_unchanged_stat_but_sees_a_same_size_edit_with_a_forged_mtime(
        corpus, tmp_path, pinned, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)   # the files were written a moment ago
    out = tmp_path / "out"
    read = _count_hashing(monkeypatch)
    run([corpus], out, Options(), BatchConfig(workers=1))
    assert len(read) == len(SEEDS)
    read.clear()
    assert run([corpus], out, Options(), BatchConfig(workers=1)).processed == 0
    assert read == []                                   # nothing read again
    # same size, same mtime (set back), other bytes: ctime moved, so it is hashed and redone
    f = corpus / SEEDS[2].name
    st = f.stat()
    data = f.read_bytes()
    f.write_bytes(data.replace(b"a", b"e", 1))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    s = run([corpus], out, Options(), BatchConfig(workers=1))
    assert read == [f.name] and (s.processed, s.cached) == (1, len(SEEDS) - 1)
    # --rehash reads every file again, and finds them unchanged
    read.clear()
    s = run([corpus], out, Options(), BatchConfig(workers=1, rehash=True))
    assert len(read) == len(SEEDS) and s.processed == 0


def test_a_file_changed_just_before_hashing_is_hashed_again(corpus, tmp_path, pinned, monkeypatch):
    out = tmp_path / "out"
    read = _count_hashing(monkeypatch)
    run([corpus], out, Options(), BatchConfig(workers=1))
    read.clear()
    run([corpus], out, Options(), BatchConfig(workers=1))
    assert len(read) == len(SEEDS)   # all written within RACY_SECONDS of the first hashing


def test_warm_run_summary_matches_cold_and_missing_outputs_are_rebuilt(tmp_path, pinned):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SEEDS[0], d / "ok.txt")
    shutil.copy(SEEDS[0], d / "same bytes.txt")
    (d / "bad.txt").write_bytes(bytes(range(256)) * 8)
    out = tmp_path / "out"
    cold = run([d, tmp_path / "nope.txt"], out, Options(), BatchConfig(workers=1))
    warm = run([d, tmp_path / "nope.txt"], out, Options(), BatchConfig(workers=1))
    fields = ("documents", "failed", "pages", "ocr_pages", "duplicates", "errors", "error_rows")
    assert cold.failed == 2 and not warm.exported
    assert [getattr(warm, f) for f in fields] == [getattr(cold, f) for f in fields]
    # a state database from before the summary columns: read from the records instead
    con = sqlite3.connect(out / cache.STATE_NAME)
    con.execute("UPDATE cache SET pages = NULL, ocr_pages = NULL, errors = NULL")
    con.commit()
    con.close()
    old = run([d, tmp_path / "nope.txt"], out, Options(), BatchConfig(workers=1))
    assert [getattr(old, f) for f in fields] == [getattr(cold, f) for f in fields]
    # an output file gone: everything is written again, the same bytes
    before = (out / "records.jsonl").read_bytes()
    (out / "parquet" / "goals.parquet").unlink()
    again = run([d, tmp_path / "nope.txt"], out, Options(), BatchConfig(workers=1))
    assert again.exported and again.processed == 0
    assert (out / "parquet" / "goals.parquet").exists() and (out / "records.jsonl").read_bytes() == before


def test_warm_cli_run_loads_neither_pandas_nor_the_workers(corpus, tmp_path):
    """The warm path of `remiss run` (nothing changed) stays cheap to start."""
    import subprocess
    import sys
    out = tmp_path / "out"
    env = dict(os.environ, REMISS_PIPELINE_FINGERPRINT="warm-import-test")
    cmd = [sys.executable, "-m", "pipeline", "run", str(corpus), "--out", str(out), "-j", "1"]
    assert subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True).returncode == 0
    probe = ("import sys, runpy; sys.argv = ['remiss'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('pipeline', run_name='__main__')\n"
             "except SystemExit as e:\n    code = e.code\n"
             "heavy = sorted(m for m in ('pandas', 'pyarrow', 'sqlite_utils', 'spacy', 'pipeline.executors')"
             " if m in sys.modules)\nprint('HEAVY', heavy, code)")
    res = subprocess.run([sys.executable, "-c", probe, *cmd[3:]], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "HEAVY [] 0" in res.stdout, res.stdout + res.stderr[-2000:]


def test_a_worker_reuses_the_batch_hash_and_the_record_carries_it(corpus, tmp_path, monkeypatch):
    """The batch hands each task the file's stat signature with its sha256, so ingest
    does not hash the file again; the record's doc_id is that sha256."""
    from pipeline.executors import Task, process_one
    state = cache.State(tmp_path / "out")
    try:
        files = sorted(corpus.iterdir())
        monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)   # the files were written a moment ago
        digests = state.digests(files)
        assert set(state.signatures) == {str(f) for f in files}
        f, sig = files[0], state.signatures[str(files[0])]
        assert digests[0] == cache.file_sha256(f)
        marker = "f" * 64   # not the file's hash: shows that the task's was taken
        res = process_one(Task(path=str(f), sha256=marker, key="k", options=Options(), stat=sig))
        assert json.loads(res.record_json)["doc_id"] == marker
        res = process_one(Task(path=str(f), sha256=marker, key="k", options=Options(), stat=None))
        assert json.loads(res.record_json)["doc_id"] == digests[0]
    finally:
        state.close()


def test_the_worker_sends_the_record_json_as_to_json_gives_it():
    """Workers send `Record.to_json_bytes()`; the parent stores it as it comes, and it
    must be the very JSON `to_json()` writes (non-ASCII letters included)."""
    for seed in SEEDS[:3]:
        rec = process_path(seed, Options())
        assert rec.to_json_bytes() == rec.to_json().encode("utf-8")
        assert "ä".encode() in rec.to_json_bytes()
