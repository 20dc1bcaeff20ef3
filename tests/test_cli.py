"""`remiss run` end to end: outputs, re-runs, and bad input that must not stop a batch."""
import json
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from pipeline.store import TABLES
from tests.conftest import ROOT, SEEDS, seed


def remiss(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT)


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    r = remiss("run", *SEEDS, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def test_run_writes_every_output(seed_out):
    lines = (seed_out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    assert {json.loads(l)["doc_id"] for l in lines} == {json.loads(l)["source"]["sha256"] for l in lines}
    for t in TABLES:
        assert (seed_out / "parquet" / f"{t}.parquet").exists() and (seed_out / "csv" / f"{t}.csv").exists()
    con = sqlite3.connect(seed_out / "remiss.sqlite")
    assert con.execute("select count(*) from documents").fetchone()[0] == 5
    fks = con.execute("pragma foreign_key_list(sections)").fetchall()
    assert any(fk[2] == "documents" for fk in fks)
    docs = pd.read_parquet(seed_out / "parquet" / "documents.parquet")
    assert sorted(docs.doc_id) == sorted(r[0] for r in con.execute("select doc_id from documents"))


def test_rerun_replaces_instead_of_appending(tmp_path):
    for _ in range(2):
        assert remiss("run", seed("000"), seed("004"), "--out", tmp_path).returncode == 0
    assert len((tmp_path / "records.jsonl").read_text().splitlines()) == 2
    con = sqlite3.connect(tmp_path / "remiss.sqlite")
    assert con.execute("select count(*) from documents").fetchone()[0] == 2
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_bad_inputs_give_one_line_errors_and_the_rest_is_processed(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out"
    r = remiss("run", missing, empty, binary, seed("003"), "--out", out)
    assert r.returncode == 1
    errors = [l for l in r.stderr.splitlines() if l.startswith("error:")]
    assert len(errors) == 3
    assert any("missing.txt" in e and "no such file" in e for e in errors)
    assert any("empty.txt" in e and "empty" in e for e in errors)
    assert any("binary.txt" in e and "binary" in e for e in errors)
    recs = [json.loads(l) for l in (out / "records.jsonl").read_text().splitlines()]
    good = [x for x in recs if not x["errors"]]
    assert len(recs) == 4 and len(good) == 1 and good[0]["recipient_body"] == "Järva stadsdelsnämnd"
    con = sqlite3.connect(out / "remiss.sqlite")
    assert con.execute("select count(*) from errors").fetchone()[0] == 3


def test_directory_without_documents(tmp_path):
    (tmp_path / "notes.xyz").write_text("x")
    r = remiss("run", tmp_path, "--out", tmp_path / "out")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "no documents" in r.stderr


def test_evaluate_command_and_threshold(seed_out, tmp_path):
    stem = seed("000").stem
    (tmp_path / f"{stem}.json").write_text(json.dumps({"title": "Fel titel", "doc_type": "tjänsteutlåtande"}))
    r = remiss("evaluate", "--gold", tmp_path, seed_out, "--json")
    scores = json.loads(r.stdout)["fields"]
    assert r.returncode == 0
    assert scores["doc_type"]["strict"]["f1"] == 1.0 and scores["title"]["strict"]["f1"] == 0.0
    assert remiss("evaluate", "--gold", tmp_path, seed_out, "--min-f1", "1.0").returncode == 1
    assert remiss("evaluate", "--gold", tmp_path, seed_out, "--fields", "doc_type", "--min-f1", "1.0").returncode == 0
