"""The local pool's bookkeeping with two documents in flight per worker: every task gets
exactly one result; a worker that dies or is killed fails only the document it was on,
and the one queued behind it is processed by another worker; recycling still holds.

The workers here are forked from the test process (not the fork server), so the
per-document function can be replaced by a fake that is instant, crashes or hangs."""
from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter

import pytest

from pipeline import executors
from pipeline.executors import LocalExecutor, Result, Task


def _fake(task: Task, limit_mb=None) -> Result:
    name = os.path.basename(task.path)
    if name.startswith("crash"):
        os._exit(3)
    if name.startswith("hang"):
        time.sleep(60)
    if name.startswith("slow"):
        time.sleep(0.1)
    return Result(path=task.path, sha256=None, key=None, record_json=b"{}", failed=False, seconds=0.0,
                  worker=str(os.getpid()))


@pytest.fixture
def pool(monkeypatch):
    monkeypatch.setattr(executors, "process_one", _fake)
    monkeypatch.setattr(executors, "warm_up", lambda options=None: None)

    def make(workers: int, **kw) -> LocalExecutor:
        ex = LocalExecutor(workers, preload=False, max_memory_mb=None, **kw)
        ex.ctx = multiprocessing.get_context("fork")
        return ex
    return make


def _tasks(names, timeout=30.0):
    return [Task(path=f"/nonexistent/{n}", sha256=None, key=None, options=None, timeout=timeout) for n in names]


def test_every_task_one_result_and_recycling(pool):
    names = [f"doc{i}" for i in range(23)]
    ex = pool(2, max_tasks=5)
    results = list(ex.map_unordered(_tasks(names)))
    assert sorted(os.path.basename(r.path) for r in results) == sorted(names)
    assert not any(r.failed for r in results)
    per_worker = Counter(r.worker for r in results)
    assert max(per_worker.values()) <= 5 and ex.started_workers >= 5


def test_a_crash_fails_only_its_document_and_the_queued_one_goes_on(pool):
    names = ["a", "crash", "b", "c", "d"]
    results = {os.path.basename(r.path): r for r in pool(1).map_unordered(_tasks(names))}
    assert set(results) == set(names)
    assert results["crash"].failed
    assert "worker process exited unexpectedly (exit code 3)" in results["crash"].record_json.decode()
    assert not any(results[n].failed for n in "abcd")


def test_a_hung_worker_is_killed_and_the_queued_document_goes_on(pool, monkeypatch):
    monkeypatch.setattr(executors, "KILL_GRACE", 0.0)
    names = ["hang", "b", "c"]
    t = time.monotonic()
    results = {os.path.basename(r.path): r for r in pool(1).map_unordered(_tasks(names, timeout=0.5))}
    assert time.monotonic() - t < 20
    assert set(results) == set(names)
    assert results["hang"].failed and "timed out after 0.5 s (worker killed)" in results["hang"].record_json.decode()
    assert not results["b"].failed and not results["c"].failed


def test_the_worker_does_not_wait_for_the_parent(pool):
    """The next document is already with the worker when it sends a result: a parent
    that takes as long per result as the worker per document does not halve the rate."""
    t = time.monotonic()
    for _ in pool(1).map_unordered(_tasks([f"slow{i}" for i in range(10)])):
        time.sleep(0.1)   # the parent's own work on a result (storing it, ...)
    elapsed = time.monotonic() - t
    assert elapsed < 1.6, elapsed   # one at a time: >= 2.0 s


def test_the_warm_up_pdf_goes_through_the_text_layer_path():
    """The fork server warms the PDF path with a PDF made on the spot; if it could not
    be read, warm_up would skip it silently and every worker's first PDF would pay."""
    from pathlib import Path

    from pipeline import ingest, process
    doc = ingest.read_bytes(Path("warm-up.pdf"), executors._warm_up_pdf())
    rec = process.build_record(process.parse(doc))
    assert rec.source.format == "pdf" and rec.source.ocr_pages == [] and not rec.warnings
    assert rec.title == "Yttrande över remiss om trygghet"
    assert str(rec.document_date) == "2020-05-04"
