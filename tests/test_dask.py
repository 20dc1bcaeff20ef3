"""The Dask executor against a LocalCluster on loopback: same records as the local pool,
same cache, same error records."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import cache
from pipeline.batch import BatchConfig, run
from pipeline.process import Options
from pipeline.store import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpus").glob("00[0-4]_*.txt"))


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as c:
        yield c


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("REMISS_PIPELINE_FINGERPRINT", "dask-test")
    cache.component_versions.cache_clear()
    d = tmp_path / "in"
    d.mkdir()
    for s in SEEDS:
        shutil.copy(s, d / s.name)
    shutil.copy(SEEDS[0], d / "kopia av 000.txt")
    (d / "trasig.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n")
    (d / "tom.txt").write_bytes(b"")
    yield d
    cache.component_versions.cache_clear()


def test_scheduler_is_on_loopback(cluster):
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")


def test_dask_equals_local(cluster, corpus, tmp_path):
    local = run([corpus], tmp_path / "local", Options(), BatchConfig(workers=2))
    dask = run([corpus], tmp_path / "dask", Options(),
               BatchConfig(executor="dask", scheduler=cluster.scheduler_address))
    assert dask.workers_started == 2
    for s in (local, dask):
        assert (s.documents, s.processed, s.duplicates, s.failed) == (len(SEEDS) + 2, len(SEEDS) + 2, 1, 2)
    a = [r.to_dict() for r in read_jsonl(tmp_path / "local" / "records.jsonl")]
    b = [r.to_dict() for r in read_jsonl(tmp_path / "dask" / "records.jsonl")]
    assert a == b
    assert {e.message for e in local.error_rows} == {e.message for e in dask.error_rows}
    # the cache made by Dask serves a local re-run, and the other way round
    assert run([corpus], tmp_path / "dask", Options(), BatchConfig(workers=1)).processed == 0
    assert run([corpus], tmp_path / "local", Options(),
               BatchConfig(executor="dask", scheduler=cluster.scheduler_address)).processed == 0


def test_dask_timeout_is_an_error_record(cluster, corpus, tmp_path):
    big = " ".join(SEEDS[0].read_text(encoding="utf-8").split("\n")) + "\n"
    (corpus / "lang.txt").write_text(big * 2000, encoding="utf-8")
    s = run([corpus / "lang.txt", corpus / SEEDS[1].name], tmp_path / "out", Options(),
            BatchConfig(executor="dask", scheduler=cluster.scheduler_address, timeout=2))
    msgs = [e.message for e in s.error_rows]
    assert len(msgs) == 1 and msgs[0].startswith("lang.txt: timed out after 2 s"), msgs
